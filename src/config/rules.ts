import { Secret } from "../secret.js";
import {
  checkUrl,
  isBuiltinNode,
  listNodes,
  nodeNamesFor,
  nodeUrlFor,
  normalizeBaseUrl,
  PROVIDER_DEFAULT_URLS,
} from "./nodes.js";
import { ProxyConfigError, parseProxyUrl } from "./proxy-url.js";
import { didYouMean, safeName } from "./suggest.js";
import { parseExpiry, tokenNameProblem, usdToQuota } from "./token-fields.js";
import type {
  Account,
  Binding,
  Config,
  DeclaredToken,
  NodeDef,
  ProviderId,
  SourcePos,
  TokenSelector,
  ToolId,
} from "./types.js";
import { CODEX_BUILTIN_PROVIDERS, PROVIDERS, TOOLS } from "./types.js";
import type { DocPath, PathProblem } from "./yaml-source.js";

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const entriesOf = (v: unknown): [string, unknown][] => (isObj(v) ? Object.entries(v) : []);
const isProvider = (v: unknown): v is ProviderId => PROVIDERS.includes(v as ProviderId);

/** env entries neuradock writes itself, or must keep out, while Claude Code is bound. */
const RESERVED_CLAUDE_ENV: Record<string, string> = {
  ANTHROPIC_AUTH_TOKEN: "is written by neuradock from the binding's token",
  ANTHROPIC_BASE_URL: "is written by neuradock from the binding's node",
  ANTHROPIC_MODEL: "is set with the binding's model: key",
  ANTHROPIC_API_KEY:
    "would send a second credential to the relay (neuradock removes it while Claude Code is bound)",
};

/** Keys that mean something to every JavaScript object: never a tool's variable. */
const JS_OBJECT_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/**
 * The rules a schema cannot express (references, reserved names, URL policy). Tolerant of a
 * document that failed the schema, so that every problem is reported in one run.
 */
/**
 * Why a secret cannot go into an HTTP header as it is (never quoting it), or undefined.
 * Pasted values often carry a stray space or newline; a header cannot hold either.
 */
function headerValueProblem(value: string): string | undefined {
  if (value !== value.trim()) return "has leading or trailing whitespace (a copy-paste slip?)";
  if (/[\x00-\x1f\x7f]/.test(value)) return "contains a control character (a line break?)";
  if (/[^\x20-\xff]/.test(value)) return "contains characters an HTTP header cannot carry";
  return undefined;
}

/** Why a value cannot be one cookie: `;` or `,` would start another cookie, whitespace ends it. */
function cookieValueProblem(value: string): string | undefined {
  const why = headerValueProblem(value);
  if (why) return why;
  if (/[;,\s]/.test(value)) {
    return "contains ';', ',' or whitespace, which would end the cookie (and could add others to every request)";
  }
  return undefined;
}

/** ACCOUNT_ID → the variable prefix `neuradock init` uses (`my-relay` → `MY_RELAY`). */
function envPrefixOf(id: string): string {
  return id.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/** Problems (errors) and warnings of the rules. */
export interface RuleResult {
  problems: PathProblem[];
  warnings: PathProblem[];
}

export function checkRules(
  data: unknown,
  fromEnv: ReadonlySet<string> = new Set(),
  now: number = Date.now(),
): PathProblem[] {
  return checkRulesWithWarnings(data, fromEnv, now).problems;
}

export function checkRulesWithWarnings(
  data: unknown,
  fromEnv: ReadonlySet<string> = new Set(),
  now: number = Date.now(),
): RuleResult {
  const problems: PathProblem[] = [];
  const warnings: PathProblem[] = [];
  // A reference read from the environment may be anything, a secret included: not quoted.
  const hidden = (path: DocPath) => fromEnv.has(path.join("\u0000"));
  const shown = (path: DocPath, value: string) =>
    hidden(path) ? "(from the environment)" : safeName(value);
  const add = (path: DocPath, message: string, at: "key" | "value" = "value") =>
    problems.push({ path, message, at });
  const root = isObj(data) ? data : {};

  for (const [id, acc] of entriesOf(root.accounts)) {
    if (!isObj(acc)) continue;
    const here = ["accounts", id];
    if ((PROVIDERS as readonly string[]).includes(id)) {
      add(here, `account id '${id}' is reserved (it is a provider name); choose another id`, "key");
    } else if ((CODEX_BUILTIN_PROVIDERS as readonly string[]).includes(id)) {
      add(
        here,
        `account id '${id}' is reserved (it is a Codex built-in provider id); choose another id`,
        "key",
      );
    }
    const hasSession = acc.session !== undefined;
    const hasToken = acc.access_token !== undefined;
    if (hasSession && hasToken) {
      add(
        [...here, "access_token"],
        `accounts.${id}: set exactly one of session and access_token, not both`,
        "key",
      );
    } else if (!hasSession && !hasToken) {
      add(here, `accounts.${id}: missing session or access_token (exactly one is required)`, "key");
    }
    for (const key of ["session", "access_token"] as const) {
      const v = acc[key];
      if (typeof v !== "string") continue;
      if (v.trim() === "") add([...here, key], `accounts.${id}.${key} is empty`);
      else {
        const why = headerValueProblem(v);
        if (why) add([...here, key], `accounts.${id}.${key} ${why}`);
      }
    }
    if (isObj(acc.cookies)) {
      for (const [name, v] of Object.entries(acc.cookies)) {
        const why = typeof v === "string" ? cookieValueProblem(v) : undefined;
        if (why) add([...here, "cookies", name], `accounts.${id}.cookies.${safeName(name)} ${why}`);
      }
    }
    // A secret typed into the file travels with it (a commit, a screenshot, a paste).
    for (const key of ["session", "access_token"] as const) {
      const v = acc[key];
      if (typeof v === "string" && v.trim() !== "" && !hidden([...here, key])) {
        warnings.push({
          path: [...here, key],
          message: `accounts.${id}.${key} is written in the file itself: a secret in neuradock.yaml travels with every copy of it; write \${${envPrefixOf(id)}_${key.toUpperCase()}} and export the variable instead`,
        });
      }
    }
    if (acc.provider === "newapi" && acc.url === undefined) {
      add(here, `accounts.${id}: url is required for provider newapi`, "key");
    }
    if (typeof acc.url === "string" && acc.url.trim() !== "") {
      const why = checkUrl(acc.url, { quoteHost: !hidden([...here, "url"]) });
      if (why) add([...here, "url"], `accounts.${id}.url ${why}`);
    }
    if (typeof acc.proxy === "string" && acc.proxy.trim() !== "") {
      try {
        parseProxyUrl(acc.proxy);
      } catch (err) {
        if (!(err instanceof ProxyConfigError)) throw err;
        add([...here, "proxy"], `accounts.${id}.proxy ${err.message}`);
      }
    }
    const uid = acc.user_id;
    if ((typeof uid === "string" || typeof uid === "number") && parseUserId(uid) === undefined) {
      const big = /^\s*\d+\s*$/.test(String(uid)) || (typeof uid === "number" && uid > 0);
      add(
        [...here, "user_id"],
        big
          ? `accounts.${id}.user_id is too large: a new-api user id is at most ${Number.MAX_SAFE_INTEGER}`
          : `accounts.${id}.user_id must be a positive integer`,
      );
    }
    for (const [name, fields] of entriesOf(acc.tokens)) {
      checkTokenResource(
        [...here, "tokens", name],
        `accounts.${id}.tokens`,
        name,
        fields,
        add,
        now,
      );
    }
    if (hasSession && isObj(acc.cookies) && "session" in acc.cookies) {
      add(
        [...here, "cookies", "session"],
        `accounts.${id}.cookies.session conflicts with session:; remove one`,
        "key",
      );
    }
  }

  for (const [provider, nodes] of entriesOf(root.nodes)) {
    if (!isProvider(provider)) continue;
    for (const [name, url] of entriesOf(nodes)) {
      const here = ["nodes", provider, name];
      if (isBuiltinNode(provider, name)) {
        add(
          here,
          `custom node '${name}' would shadow the built-in ${provider} node '${name}'; choose another name`,
          "key",
        );
      }
      if (typeof url === "string" && url.trim() !== "") {
        const why = checkUrl(url, { quoteHost: !hidden(here) });
        if (why) add(here, `nodes.${provider}.${name} ${why}`);
      }
    }
  }
  const declared = { nodes: customNodesOf(root) };

  const accounts = isObj(root.accounts) ? root.accounts : {};
  for (const [tool, binding] of entriesOf(root.bindings)) {
    if (!(TOOLS as readonly string[]).includes(tool) || !isObj(binding)) continue;
    const here = ["bindings", tool];
    const accountId = binding.account;
    const account = typeof accountId === "string" ? accounts[accountId] : undefined;
    if (typeof accountId === "string" && accountId !== "" && !isObj(account)) {
      const ids = Object.keys(accounts);
      const name = shown([...here, "account"], accountId);
      add(
        [...here, "account"],
        ids.length === 0
          ? `unknown account '${name}': no accounts are declared`
          : `unknown account '${name}'${hidden([...here, "account"]) ? "" : didYouMean(accountId, ids)}`,
      );
    }
    const node = binding.node;
    if (typeof node === "string" && node !== "" && isObj(account) && isProvider(account.provider)) {
      const names = nodeNamesFor(declared, account.provider);
      if (!names.includes(node)) {
        const elsewhere = listNodes(declared)
          .filter((n) => n.name === node)
          .map((n) => n.provider);
        const name = shown([...here, "node"], node);
        const quoted = !hidden([...here, "node"]);
        const other =
          elsewhere.length > 0 && quoted
            ? `; '${name}' is a node of ${[...new Set(elsewhere)].join(", ")}, not of ${account.provider}`
            : "";
        add(
          [...here, "node"],
          `unknown node '${name}' for provider ${account.provider} (available: ${names.join(", ")})${quoted ? didYouMean(node, names) : ""}${other}`,
        );
      }
    }
    // A model from a ${VAR} that came out empty (the schema saw only the reference): the tool
    // would be set up with no model at all (qwen-code: a provider entry with the id "").
    if (typeof binding.model === "string" && binding.model.trim() === "") {
      add(
        [...here, "model"],
        hidden([...here, "model"])
          ? `bindings.${tool}.model is empty (its variable is unset or blank); set it or remove model`
          : `bindings.${tool}.model must not be empty`,
      );
    }
    if (Array.isArray(binding.token)) {
      const seen = new Map<string, number>();
      binding.token.forEach((entry, i) => {
        const key = tokenEntryKey(entry);
        if (key === undefined) return;
        const first = seen.get(key);
        if (first === undefined) seen.set(key, i);
        else
          add(
            [...here, "token", i],
            `bindings.${tool}.token[${i}] repeats ${describeTokenEntry(entry, hidden([...here, "token", i]))} (the same as token[${first}]); list each token once`,
          );
      });
    }
    if (tool === "claude-code") {
      for (const [name] of entriesOf(binding.env)) {
        // Own keys only: `RESERVED_CLAUDE_ENV.__proto__` is Object.prototype, not a reason.
        const why = Object.hasOwn(RESERVED_CLAUDE_ENV, name)
          ? RESERVED_CLAUDE_ENV[name]
          : JS_OBJECT_KEYS.has(name)
            ? "is a name JavaScript objects reserve; no tool reads it as a variable"
            : undefined;
        if (why) add([...here, "env", name], `bindings.claude-code.env.${name} ${why}`, "key");
      }
    }
  }
  return { problems, warnings };
}

/** A declared relay token: what the schema cannot say (bytes, dates, the past). */
function checkTokenResource(
  here: DocPath,
  label: string,
  name: string,
  fields: unknown,
  add: (path: DocPath, message: string, at?: "key" | "value") => void,
  now: number,
): void {
  const shownName = safeName(name);
  const why = tokenNameProblem(name);
  if (why) add(here, `${label}: token name '${shownName}' ${why}`, "key");
  if (!isObj(fields)) return;
  const what = `${label}.${shownName}`;
  const quota = fields.quota_usd;
  if (typeof quota === "number") {
    if (quota < 0) add([...here, "quota_usd"], `${what}.quota_usd is negative`);
    else if (!Number.isSafeInteger(usdToQuota(quota))) {
      add([...here, "quota_usd"], `${what}.quota_usd is too large`);
    }
  }
  if (typeof fields.expires === "string" && fields.expires.trim() !== "") {
    const at = parseExpiry(fields.expires);
    if (at === undefined) {
      add(
        [...here, "expires"],
        `${what}.expires must be a date (YYYY-MM-DD), an RFC 3339 time (2027-06-30T12:00:00Z) or "never"`,
      );
    } else if (at !== -1 && at * 1000 <= now) {
      add(
        [...here, "expires"],
        `${what}.expires is in the past (${new Date(at * 1000).toISOString()}): the relay would make an expired token`,
      );
    }
  }
  if (Array.isArray(fields.models)) {
    const seen = new Set<string>();
    for (const [i, m] of fields.models.entries()) {
      if (typeof m !== "string") continue;
      if (m.includes(",") || m !== m.trim()) {
        add(
          [...here, "models", i],
          `${what}.models: '${safeName(m)}' is not a model name (no commas or surrounding spaces)`,
        );
      } else if (seen.has(m)) {
        add([...here, "models", i], `${what}.models lists '${safeName(m)}' twice`);
      }
      seen.add(m);
    }
  }
}

/** What makes two entries of a token list the same token, syntactically (undefined: malformed). */
function tokenEntryKey(entry: unknown): string | undefined {
  if (typeof entry === "string") return `name:${entry}`;
  if (isObj(entry) && typeof entry.id === "number") return `id:${entry.id}`;
  return undefined;
}

function describeTokenEntry(entry: unknown, fromEnv: boolean): string {
  if (typeof entry === "string")
    return fromEnv ? "a name from the environment" : `'${safeName(entry)}'`;
  return `{ id: ${(entry as { id: number }).id} }`;
}

/** A positive integer from a number or a numeric string, else undefined. */
export function parseUserId(v: unknown): number | undefined {
  const n =
    typeof v === "number"
      ? v
      : typeof v === "string" && /^\s*\d+\s*$/.test(v)
        ? Number(v)
        : Number.NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

function declaredToken(account: string, name: string, raw: unknown, pos: SourcePos): DeclaredToken {
  const f = isObj(raw) ? raw : {};
  const token: DeclaredToken = { account, name, pos };
  if (f.quota_usd === "unlimited" || typeof f.quota_usd === "number") token.quotaUsd = f.quota_usd;
  if (typeof f.expires === "string") token.expiresAt = parseExpiry(f.expires) as number;
  if (Array.isArray(f.models)) token.models = f.models.map(String);
  if (f.models === null) token.models = [];
  if (typeof f.group === "string") token.group = f.group;
  return token;
}

function customNodesOf(root: Obj, fromEnv: ReadonlySet<string> = new Set()): NodeDef[] {
  const out: NodeDef[] = [];
  for (const [provider, nodes] of entriesOf(root.nodes)) {
    if (!isProvider(provider)) continue;
    for (const [name, url] of entriesOf(nodes)) {
      if (typeof url !== "string" || isBuiltinNode(provider, name)) continue;
      const node: NodeDef = { provider, name, url: normalizeBaseUrl(url), builtin: false };
      if (fromEnv.has(["nodes", provider, name].join("\u0000"))) {
        node.fromEnv = true;
        registerUrl(node.url as string);
      }
      out.push(node);
    }
  }
  return out;
}

/**
 * A URL from a ${VAR} is sensitive: it, its origin and its host are scrubbed from every message
 * that reaches the terminal (an error naming the relay it could not reach, say).
 */
function registerUrl(url: string): void {
  new Secret(url);
  try {
    const u = new URL(url);
    new Secret(u.origin);
    new Secret(u.host);
  } catch {
    // Not a URL: the rules refused it already.
  }
}

/** The values of a binding that came from a ${VAR}: see Binding.fromEnv. */
function bindingFromEnv(
  tool: string,
  b: Obj,
  account: Account,
  node: NodeDef | undefined,
  nodeUrl: string,
  env: Record<string, string | Secret>,
  fromEnv: ReadonlySet<string>,
): Secret[] {
  const out: Secret[] = [];
  if (typeof b.model === "string" && fromEnv.has(["bindings", tool, "model"].join("\u0000"))) {
    out.push(new Secret(b.model));
  }
  // A custom node's URL is its own; the built-in `default` node is the account's `url:`.
  const urlFromEnv = node?.builtin
    ? node.name === "default" && account.urlFromEnv === true
    : node?.fromEnv === true;
  if (urlFromEnv) out.push(new Secret(nodeUrl));
  for (const value of Object.values(env)) if (value instanceof Secret) out.push(value);
  return out;
}

/**
 * A binding's `env:` entries; a value that came (even partly) from a ${VAR} is a Secret, so
 * it stays redacted through the plan, the saved plan and the ledger (docs/contract.md).
 */
function envOf(
  tool: string,
  env: Obj,
  fromEnv: ReadonlySet<string>,
): Record<string, string | Secret> {
  const out: Record<string, string | Secret> = {};
  for (const [name, value] of Object.entries(env)) {
    const v = String(value);
    const secret = fromEnv.has(["bindings", tool, "env", name].join("\u0000"));
    Object.defineProperty(out, name, {
      value: secret ? new Secret(v) : v,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** Build the typed Config from a document that passed the schema and the rules. */
export function normalizeConfig(
  data: unknown,
  file: string,
  posOf: (path: DocPath, at?: "key" | "value") => SourcePos,
  fromEnv: ReadonlySet<string> = new Set(),
): Config {
  const root = isObj(data) ? data : {};
  const accounts: Record<string, Account> = {};
  for (const [id, raw] of entriesOf(root.accounts)) {
    const acc = raw as Obj;
    const provider = acc.provider as ProviderId;
    const url = typeof acc.url === "string" ? acc.url : (PROVIDER_DEFAULT_URLS[provider] ?? "");
    const cookies: Record<string, Secret> = {};
    for (const [name, value] of entriesOf(acc.cookies)) cookies[name] = new Secret(String(value));
    accounts[id] = {
      id,
      provider,
      url: normalizeBaseUrl(url),
      ...(fromEnv.has(["accounts", id, "url"].join("\u0000")) ? { urlFromEnv: true as const } : {}),
      userId: parseUserId(acc.user_id) as number,
      auth:
        typeof acc.session === "string"
          ? { kind: "session", value: new Secret(acc.session) }
          : { kind: "access_token", value: new Secret(String(acc.access_token)) },
      cookies,
      pos: posOf(["accounts", id], "key"),
    };
    if (accounts[id].urlFromEnv) registerUrl(accounts[id].url);
    if (typeof acc.proxy === "string" && acc.proxy.trim() !== "") {
      accounts[id].proxy = new Secret(acc.proxy.trim());
    }
    if (acc.checkin === false) accounts[id].checkin = false;
    else if (isObj(acc.checkin) && typeof acc.checkin.path === "string") {
      accounts[id].checkin = { path: acc.checkin.path };
    }
    if (isObj(acc.tokens)) {
      const tokens: Record<string, DeclaredToken> = {};
      for (const [name, raw] of Object.entries(acc.tokens)) {
        tokens[name] = declaredToken(id, name, raw, posOf(["accounts", id, "tokens", name], "key"));
      }
      (accounts[id] as Account).tokens = tokens;
    }
  }
  const nodes = customNodesOf(root, fromEnv);
  const bindings: Partial<Record<ToolId, Binding>> = {};
  for (const [tool, raw] of entriesOf(root.bindings)) {
    if (!isObj(raw)) continue;
    const b = raw;
    const account = accounts[b.account as string] as Account;
    const node = typeof b.node === "string" ? b.node : "default";
    const failover = Array.isArray(b.token);
    const tokens = (failover ? (b.token as unknown[]) : [b.token]).map(
      (t): TokenSelector =>
        typeof t === "string" ? { name: t } : { id: (t as { id: number }).id },
    );
    const env = tool === "claude-code" && isObj(b.env) ? envOf(tool, b.env, fromEnv) : {};
    const nodeDef = listNodes({ nodes }, account.provider).find((n) => n.name === node);
    const binding: Binding = {
      tool: tool as ToolId,
      account: account.id,
      tokens,
      failover,
      node,
      nodeUrl: nodeUrlFor(account, node, { nodes }) as string,
      env,
      keepOtherCredentials: b.keep_other_credentials === true,
      pos: posOf(["bindings", tool], "key"),
    };
    const secrets = bindingFromEnv(tool, b, account, nodeDef, binding.nodeUrl, env, fromEnv);
    if (secrets.length > 0) binding.fromEnv = secrets;
    if (typeof b.model === "string") binding.model = b.model;
    if (typeof b.min_balance_usd === "number") binding.minBalanceUsd = b.min_balance_usd;
    bindings[tool as ToolId] = binding;
  }
  return { file, accounts, nodes, bindings };
}
