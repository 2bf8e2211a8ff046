import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { BUILTIN_NODES, PROVIDER_DEFAULT_URLS } from "../config/nodes.js";
import {
  type Account,
  CODEX_BUILTIN_PROVIDERS,
  PROVIDERS,
  type ProviderId,
  type ToolId,
} from "../config/types.js";
import { UsageError } from "../errors.js";
import { Secret } from "../secret.js";
import { createRealSystem } from "../system/real-system.js";
import type { Io } from "./io.js";
import type { InitCliOptions } from "./program.js";

/** Built-in node URLs of the known relays, to recognise an existing setup. */
const KNOWN_NODES = BUILTIN_NODES.flatMap((n) =>
  n.url !== null && n.provider !== "newapi"
    ? [{ provider: n.provider, node: n.name, url: n.url }]
    : [],
);

/** Ids an account may not take (provider names, Codex's built-in provider ids). */
const RESERVED_IDS = new Set<string>([...PROVIDERS, ...CODEX_BUILTIN_PROVIDERS]);

/** An existing tool setup found on disk, as a proposed account + binding. */
export interface Proposal {
  tool: ToolId;
  provider: ProviderId;
  accountId: string;
  /** Dashboard URL for a newapi account (the origin the tool already talks to). */
  url?: string;
  node: string;
  nodeUrl: string;
  key?: Secret;
  /** Filled when the key was found among the account's live tokens. */
  match?: { id: number; name: string; unique: boolean };
  /** How the account logs in: the kind whose variable is exported, else the provider's usual. */
  credential?: "session" | "access_token";
  matchNote?: string;
}

interface ToolFiles {
  settings: string;
  codexAuth: string;
  codexConfig: string;
}

export async function runInit(opts: InitCliOptions, io: Io): Promise<number> {
  const provider = parseProvider(opts.provider);
  const file = resolve(io.cwd, opts.config ?? "neuradock.yaml");
  const system = createRealSystem();
  const existing = await system.lstat(file);
  if (existing && !opts.force) {
    throw new UsageError(
      `${file} already exists: refusing to overwrite it. Pass --force to replace it, or -c FILE to write elsewhere.`,
    );
  }

  const { locateTargets } = await import("../targets/locate.js");
  const targets = locateTargets(io.env);
  const proposals = await detectProposals(
    {
      settings: targets["claude-settings"].path,
      codexAuth: targets["codex-auth"].path,
      codexConfig: targets["codex-config"].path,
    },
    provider,
  );
  await matchTokens(proposals, io.env);

  const starter = renderStarter(provider ?? proposals[0]?.provider, proposals, schemaPath());
  await system.writeFileAtomic(file, starter, {
    mode: 0o644,
  });
  io.stdout.write(`Wrote ${file}\n`);
  for (const p of proposals) {
    const where = `${p.nodeUrl}${p.provider === "newapi" ? "" : ` (${p.provider} node '${p.node}')`}`;
    io.stdout.write(`  ${p.tool}: already points at ${where}`);
    if (p.key) io.stdout.write(` with ${p.key.redacted()}`);
    io.stdout.write("\n");
    if (p.match) {
      io.stdout.write(
        `    matched token '${p.match.name}' (id ${p.match.id}) of account '${p.accountId}'\n`,
      );
    } else if (p.matchNote) {
      io.stdout.write(`    ${p.matchNote}\n`);
    }
  }
  io.stdout.write(
    `Next: export the variables named in the file, then run \`neuradock validate\` and \`neuradock plan\`.\n`,
  );
  return 0;
}

/** The schema shipped with this installation (dist/ chunks and src/commands/ both find it). */
function schemaPath(): string {
  for (const rel of ["../schema/neuradock.schema.json", "../../schema/neuradock.schema.json"]) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  return "./schema/neuradock.schema.json";
}

function parseProvider(value: string | undefined): ProviderId | undefined {
  if (value === undefined) return undefined;
  if (value === "anyrouter" || value === "agentrouter" || value === "newapi") return value;
  throw new UsageError(`unknown provider '${value}': choose anyrouter, agentrouter or newapi`);
}

async function readJsonObject(path: string): Promise<Record<string, unknown> | null> {
  try {
    const value: unknown = JSON.parse(await readFile(path, "utf8"));
    return value && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

async function readTomlObject(path: string): Promise<Record<string, unknown> | null> {
  try {
    const text = await readFile(path, "utf8");
    const { parse } = await import("@decimalturn/toml-patch");
    return parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === "https:" || u.protocol === "http:" ? `${u.protocol}//${u.host}` : null;
  } catch {
    return null;
  }
}

function accountIdFor(provider: ProviderId, url: string, preferred?: string): string {
  if (provider !== "newapi") return `my-${provider}`;
  if (preferred && /^[a-z0-9][a-z0-9_-]*$/.test(preferred) && !RESERVED_IDS.has(preferred)) {
    return preferred;
  }
  const host = new URL(url).hostname;
  const label = /^[\d.]+$|^\[|^localhost$/.test(host) ? "local" : (host.split(".")[0] ?? "relay");
  const id = `${label.toLowerCase().replace(/[^a-z0-9_-]/g, "-")}-relay`;
  return RESERVED_IDS.has(id) ? `my-${id}` : id;
}

function proposalFor(
  tool: ToolId,
  baseUrl: string,
  key: string | undefined,
  only: ProviderId | undefined,
  preferredId?: string,
): Proposal | null {
  const origin = originOf(baseUrl);
  if (!origin) return null;
  const known = KNOWN_NODES.find((n) => n.url === origin);
  const provider: ProviderId = known?.provider ?? "newapi";
  if (only && only !== provider) return null;
  return {
    tool,
    provider,
    accountId: accountIdFor(provider, origin, preferredId),
    url: known ? undefined : origin,
    node: known?.node ?? "default",
    nodeUrl: origin,
    key: key ? new Secret(key) : undefined,
  };
}

/** Reads the tools' current files and proposes the bindings that reproduce them. */
export async function detectProposals(
  files: ToolFiles,
  only: ProviderId | undefined,
): Promise<Proposal[]> {
  const proposals: Proposal[] = [];
  const settings = await readJsonObject(files.settings);
  const env = settings?.env;
  if (env && typeof env === "object" && !Array.isArray(env)) {
    const e = env as Record<string, unknown>;
    const base = str(e.ANTHROPIC_BASE_URL);
    if (base) {
      const p = proposalFor("claude-code", base, str(e.ANTHROPIC_AUTH_TOKEN), only);
      if (p) proposals.push(p);
    }
  }
  const config = await readTomlObject(files.codexConfig);
  const providerId = str(config?.model_provider);
  const table = providerId
    ? (config?.model_providers as Record<string, Record<string, unknown>> | undefined)?.[providerId]
    : undefined;
  const codexBase = str(table?.base_url);
  if (providerId && codexBase) {
    const auth = await readJsonObject(files.codexAuth);
    const base = codexBase.replace(/\/+$/, "").replace(/\/v1$/, "");
    const p = proposalFor("codex", base, str(auth?.OPENAI_API_KEY), only, providerId);
    if (p) proposals.push(p);
  }
  // One account per newapi relay; Codex's own provider id wins, since Codex ties its
  // session history to it and the account id becomes that provider id.
  for (const p of proposals) {
    const codex = proposals.find((q) => q.tool === "codex" && q.nodeUrl === p.nodeUrl);
    if (p.provider === "newapi" && codex) p.accountId = codex.accountId;
  }
  return proposals;
}

export function envPrefix(accountId: string): string {
  return accountId.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

function credentialKind(
  p: Pick<Proposal, "provider" | "accountId" | "credential">,
  env?: NodeJS.ProcessEnv,
): "session" | "access_token" {
  if (p.credential) return p.credential;
  const prefix = envPrefix(p.accountId);
  if (env?.[`${prefix}_ACCESS_TOKEN`]) return "access_token";
  if (env?.[`${prefix}_SESSION`]) return "session";
  return p.provider === "newapi" ? "access_token" : "session";
}

/**
 * When the account's credentials are already exported, look the tool's current key up among
 * the live tokens, so the binding names the token already in use and the first plan is empty.
 */
async function matchTokens(proposals: Proposal[], env: NodeJS.ProcessEnv): Promise<void> {
  const wanted = proposals.filter((p) => p.key);
  if (wanted.length === 0) return;
  const { createTokenSource, readHttpOptionsFromEnv } = await import("../providers/index.js");
  const source = createTokenSource(readHttpOptionsFromEnv(env));
  try {
    await Promise.all(
      wanted.map(async (p) => {
        const prefix = envPrefix(p.accountId);
        const kind = credentialKind(p, env);
        p.credential = kind;
        const secretVar = `${prefix}_${kind.toUpperCase()}`;
        const userVar = `${prefix}_USER_ID`;
        const secret = env[secretVar];
        const userId = Number(env[userVar]);
        if (!secret || !Number.isInteger(userId) || userId <= 0) {
          p.matchNote = `set ${secretVar} and ${userVar}, then run \`neuradock init --force\` to match this key to a token by name`;
          return;
        }
        const account: Account = {
          id: p.accountId,
          provider: p.provider,
          url: p.url ?? PROVIDER_DEFAULT_URLS[p.provider] ?? "",
          userId,
          auth: { kind, value: new Secret(secret) } as Account["auth"],
          cookies: {},
          pos: { file: "(init)", line: 0, col: 0 },
        };
        try {
          const listing = await source.listTokens(account);
          const last4 = p.key!.reveal().slice(-4);
          for (const info of listing.tokens.filter((t) => t.keyHint.endsWith(last4))) {
            const resolved = await source.resolveToken(account, { id: info.id }).catch(() => null);
            if (resolved?.key.secret.equals(p.key!)) {
              const unique = listing.tokens.filter((t) => t.name === info.name).length === 1;
              p.match = { id: info.id, name: info.name, unique };
              return;
            }
          }
          p.matchNote = `no token of account '${p.accountId}' has this key: edit \`token:\` in the file`;
        } catch (err) {
          p.matchNote = `could not list the tokens of '${p.accountId}' (${err instanceof Error ? err.message : String(err)}): edit \`token:\` in the file`;
        }
      }),
    );
  } finally {
    await source.close();
  }
}

function yamlString(value: string): string {
  return JSON.stringify(value);
}

/** The starter file: commented, with the schema modeline, and the detected setup if any. */
export function renderStarter(
  provider: ProviderId | undefined,
  proposals: Proposal[],
  schema: string,
): string {
  const lines: string[] = [
    `# yaml-language-server: $schema=${schema}`,
    "# neuradock.yaml — which token of which relay account each AI coding tool uses.",
    "# Secrets never go in this file: write ${VARIABLE} and export the variable.",
    "# Then: neuradock validate && neuradock plan && neuradock apply",
    "version: 1",
    "",
    "accounts:",
  ];
  const accounts = new Map<string, Proposal>();
  for (const p of proposals) if (!accounts.has(p.accountId)) accounts.set(p.accountId, p);
  if (accounts.size === 0) {
    const fallback = provider ?? "anyrouter";
    const url = fallback === "newapi" ? "https://relay.example.com" : undefined;
    accounts.set(accountIdFor(fallback, url ?? "https://example.com"), {
      tool: "claude-code",
      provider: fallback,
      accountId: accountIdFor(fallback, url ?? "https://example.com"),
      url,
      node: "default",
      nodeUrl: url ?? "",
    });
  }
  for (const [id, p] of accounts) {
    const prefix = envPrefix(id);
    const kind = credentialKind(p);
    lines.push(`  ${id}:`);
    lines.push(`    provider: ${p.provider}`);
    if (p.url) lines.push(`    url: ${yamlString(p.url)}            # the relay's dashboard`);
    lines.push(`    user_id: \${${prefix}_USER_ID}     # your numeric user id on the relay`);
    if (kind === "session") {
      lines.push(
        `    session: \${${prefix}_SESSION}     # the 'session' cookie of a browser login`,
        `    # access_token: \${${prefix}_ACCESS_TOKEN}   # or a system access token instead`,
      );
    } else {
      lines.push(
        `    access_token: \${${prefix}_ACCESS_TOKEN}   # dashboard → personal settings → access token`,
        `    # session: \${${prefix}_SESSION}   # or the 'session' cookie of a browser login`,
      );
    }
    if (p.provider === "anyrouter") {
      lines.push(
        "    # cookies:                     # WAF cookies, if neuradock reports a challenge page",
        `    #   acw_tc: \${${prefix}_ACW_TC}`,
      );
    }
  }
  lines.push(
    "",
    "# Custom nodes (extra base URLs) per provider, beside the built-in ones (`neuradock nodes`).",
    "# nodes:",
    "#   anyrouter:",
    "#     my-node: https://api.example.com",
    "",
  );
  if (proposals.length === 0) {
    const [id] = [...accounts.keys()];
    lines.push(
      "# Bindings: which token (by name, or { id: N }) of which account, through which node.",
      "# Remove a binding to give the tool its previous settings back.",
      "bindings:",
      "  claude-code:",
      `    account: ${id}`,
      "    token: claude                # see `neuradock tokens` for your token names",
      "    # node: default",
      "  # codex:",
      `  #   account: ${id}`,
      "  #   token: codex",
    );
  } else {
    lines.push(
      "# Bindings found in your current settings (remove one to give it back).",
      "bindings:",
    );
    for (const p of proposals) {
      lines.push(`  ${p.tool}:`, `    account: ${p.accountId}`);
      if (p.match?.unique) lines.push(`    token: ${yamlString(p.match.name)}`);
      else if (p.match) lines.push(`    token: { id: ${p.match.id} }   # '${p.match.name}'`);
      else lines.push("    token: CHANGE-ME            # the token name, see `neuradock tokens`");
      if (p.node !== "default") lines.push(`    node: ${p.node}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
