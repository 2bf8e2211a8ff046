import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigNotFoundError, findConfigFile } from "../config/discover.js";
import type { Account, ProviderId, ToolId } from "../config/types.js";
import { TargetError, UsageError } from "../errors.js";
import { type CurrentSetup, detectSetups, type ReadFile } from "../init/detect.js";
import {
  type Adoption,
  accountFromEnv,
  type KnownConfig,
  matchTokens,
  type NewAccount,
  placeSetups,
  proposeAccount,
} from "../init/match.js";
import {
  addToConfig,
  type NewBinding,
  type PendingBinding,
  renderStarter,
  SCHEMA_URL,
} from "../init/starter.js";
import type { TokenSource } from "../providers/types.js";
import { userConfigDir } from "../system/paths.js";
import { createSystemFor } from "../system/real-system.js";
import type { System } from "../system/types.js";
import type { TargetFile } from "../targets/types.js";
import { relayName } from "../untrusted.js";
import type { InitCliOptions } from "./cli-options.js";
import type { Io } from "./io.js";

/** Tools whose binding needs a model (the schema requires it): qwen-code picks its provider entry by it. */
const NEEDS_MODEL: ReadonlySet<ToolId> = new Set<ToolId>(["qwen-code"]);

/**
 * `neuradock init`: adopt what the tools use now. Detect (the adapters read the tools' files),
 * match (find the accounts and tokens behind the keys), then write a new file, or add to the
 * existing one without touching what is there.
 */
export async function runInit(opts: InitCliOptions, io: Io): Promise<number> {
  const only = parseProvider(opts.provider);
  const system = await createSystemFor(io.env);
  const { file, found } = await chooseFile(opts, io, system);
  const st = await system.stat(file);
  if (st && st.kind !== "file") throw new UsageError(`${file} is not a regular file`);
  const text = opts.force || !st ? null : await system.readFile(file);
  // An empty file (`touch neuradock.yaml`) has nothing to keep: it gets the starter.
  const existing = text !== null && text.replace(/^\uFEFF/, "").trim() !== "" ? text : null;

  const [{ locateTargets }, { ADAPTERS }, { readActualFile }] = await Promise.all([
    import("../targets/locate.js"),
    import("../targets/adapters.js"),
    import("../plan/actual.js"),
  ]);
  const targets = Object.values(locateTargets(io.env));
  const read = await Promise.all(targets.map((t) => readForInit(system, t, readActualFile)));
  const { setups, skipped } = detectSetups(read, ADAPTERS);

  const known = existing === null ? undefined : await loadKnown(file, io);
  const placed = placeSetups(setups, io.env, known?.config);
  const adoptions = placed.adoptions.filter((a) => !only || a.provider === only);
  const bound = adoptions.filter((a) => known?.config.bindings[a.setup.tool]);
  const todo = adoptions.filter((a) => !known?.config.bindings[a.setup.tool]);

  const newAccounts = new Map(placed.newAccounts.map((a) => [a.id, a]));
  // The relay is asked only when there is a key to look up.
  const source = todo.some((a) => a.setup.key) ? await openTokenSource(io, opts) : null;
  try {
    await matchTokens(
      todo,
      (id) => accountFor(id, newAccounts.get(id), known, io.env),
      source ?? NO_RELAY,
    );
  } finally {
    await source?.close();
  }

  // A tool whose binding needs a model (qwen-code: the id of its provider entry) keeps the one
  // it uses now; without one it is not bound yet.
  for (const a of todo) {
    if (a.token && NEEDS_MODEL.has(a.setup.tool) && a.setup.model === undefined) {
      a.token = undefined;
      a.note = `${a.setup.tool} names no model in its settings: add the binding yourself with model: <the model id>`;
    }
  }
  const bindings: NewBinding[] = todo.flatMap((a) =>
    a.token
      ? [
          {
            tool: a.setup.tool,
            account: a.accountId,
            token: a.token,
            node: a.node,
            ...(NEEDS_MODEL.has(a.setup.tool) && a.setup.model !== undefined
              ? { model: a.setup.model }
              : {}),
          },
        ]
      : [],
  );
  const pending: PendingBinding[] = todo.flatMap((a) =>
    a.token ? [] : [{ tool: a.setup.tool, account: a.accountId, todo: a.note ?? "" }],
  );
  const accounts = [...newAccounts.values()].filter((n) => todo.some((a) => a.accountId === n.id));

  const schema = opts.localSchema ? await schemaPath(system) : SCHEMA_URL;
  let wrote: "created" | "updated" | "unchanged" | "manual";
  let written: NewAccount[] = accounts;
  if (existing === null) {
    const example =
      todo.length === 0 && accounts.length === 0
        ? { provider: only ?? "anyrouter", account: exampleAccount(only ?? "anyrouter", io.env) }
        : undefined;
    if (example) written = [example.account];
    const text = renderStarter({
      schema,
      accounts,
      bindings,
      pending,
      ...(example ? { example } : {}),
    });
    await system.writeFileAtomic(file, text, { mode: 0o644 });
    wrote = "created";
  } else if (accounts.length === 0 && bindings.length === 0) {
    wrote = "unchanged";
  } else {
    const bom = existing.startsWith("\uFEFF") ? "\uFEFF" : "";
    const added = addToConfig(existing.slice(bom.length), accounts, bindings);
    if (added.kind === "updated") {
      await system.writeFileAtomic(file, bom + added.text);
      wrote = "updated";
    } else {
      wrote = "manual";
      io.stdout.write(
        `${file} is not written: the YAML library would not keep its formatting byte for byte. Add this to it yourself:\n\n`,
      );
      io.stdout.write(`${added.snippet.replace(/^(?=.)/gm, "    ")}\n`);
    }
  }

  const locked = [...(known?.usable ?? [])].flatMap(([id, a]) =>
    typeof a === "string" ? [id] : [],
  );
  report(io, { file, found, wrote, adoptions, bound, todo, skipped, accounts: written, locked });
  return 0;
}

function report(
  io: Io,
  r: {
    file: string;
    found: "given" | "discovered" | "default";
    wrote: "created" | "updated" | "unchanged" | "manual";
    adoptions: Adoption[];
    bound: Adoption[];
    todo: Adoption[];
    skipped: { tool: string; file: string; reason: string }[];
    accounts: NewAccount[];
    /** Accounts of the existing file whose variables are not exported. */
    locked: string[];
  },
): void {
  const out = (line: string) => io.stdout.write(`${line}\n`);
  if (r.wrote === "created") {
    out(
      `Wrote ${r.file}${r.found === "default" ? " (the default location: neuradock finds it from every directory; -c FILE writes elsewhere)" : ""}`,
    );
  } else if (r.wrote === "updated") {
    out(`Updated ${r.file}: added what is marked below, kept everything else as it was`);
  } else if (r.wrote === "unchanged") {
    out(`${r.file} already exists; nothing to add to it`);
  }
  for (const s of r.skipped) {
    out(`  ${s.tool}: skipped, ${s.reason} (fix the file, then run \`neuradock init\` again)`);
  }
  for (const a of r.adoptions) {
    const where = `${a.setup.nodeUrl}${a.provider === "newapi" ? "" : ` (${a.provider} node '${a.node}')`}`;
    out(`  ${a.setup.tool}: uses ${where}${a.setup.key ? ` with ${a.setup.key.hint()}` : ""}`);
    if (r.bound.includes(a)) {
      out("    already bound in the file: left as it is (`neuradock plan` shows any difference)");
    } else if (a.token) {
      out(
        `    ${r.wrote === "manual" ? "bind" : "bound"} to token '${relayName(a.token.name)}' (id ${a.token.id}) of account '${a.accountId}'`,
      );
    } else {
      out(`    not bound yet: ${a.note ?? ""}`);
    }
  }
  const vars = r.accounts.flatMap((a) => [
    ...(a.userId === undefined ? [a.vars.userId] : []),
    a.credential === "session" ? a.vars.session : a.vars.accessToken,
  ]);
  const missing = vars.filter((v) => !io.env[v]);
  if (r.locked.length > 0) {
    const names = r.locked.map((id) => `'${id}'`).join(", ");
    out(
      `  account${r.locked.length > 1 ? "s" : ""} ${names}: variables not exported (\`neuradock validate\` names them)`,
    );
  }
  const unbound = r.todo.some((a) => !a.token);
  if (missing.length > 0) {
    out(
      `Next: export ${missing.join(", ")}; then run \`neuradock ${unbound ? "init" : "plan"}\`${unbound ? " again" : ""}.`,
    );
  } else if (unbound) {
    out(
      "Next: do what is said above for each tool not bound yet, then run `neuradock init` again.",
    );
  } else if (r.locked.length === 0) {
    out("Next: `neuradock plan` shows what would change, `neuradock apply` writes it.");
  }
}

async function chooseFile(
  opts: InitCliOptions,
  io: Io,
  system: System,
): Promise<{ file: string; found: "given" | "discovered" | "default" }> {
  if (opts.config) return { file: resolve(io.cwd, opts.config), found: "given" };
  try {
    const found = await findConfigFile(io.cwd, io.env, process.platform, {
      uid: process.getuid?.(),
      system,
    });
    return { file: found, found: "discovered" };
  } catch (err) {
    if (!(err instanceof ConfigNotFoundError)) throw err;
  }
  return { file: join(userConfigDir(io.env), "neuradock.yaml"), found: "default" };
}

async function readForInit(
  system: System,
  target: TargetFile,
  read: (s: System, t: TargetFile) => Promise<ReadFile>,
): Promise<ReadFile> {
  try {
    return await read(system, target);
  } catch (err) {
    if (!(err instanceof TargetError)) throw err;
    // The message names the file and where it breaks (file:line:col).
    return { kind: "unreadable", target, reason: err.message };
  }
}

interface Known {
  config: KnownConfig;
  usable: Map<string, Account | string>;
}

/** The existing file's accounts, nodes and bindings, and which accounts have their secrets. */
async function loadKnown(file: string, io: Io): Promise<Known> {
  const { loadConfig } = await import("../config/load-config.js");
  const base = { configPath: file, cwd: io.cwd, env: io.env };
  // A file with problems is reported as `validate` would: init adds nothing to a broken file.
  const config: KnownConfig = await loadConfig({ ...base, usedAccounts: [] });
  const usable = new Map<string, Account | string>();
  for (const id of Object.keys(config.accounts)) {
    try {
      const full = await loadConfig({ ...base, usedAccounts: [id] });
      usable.set(id, full.accounts[id] as Account);
    } catch {
      usable.set(
        id,
        `export the variables of account '${id}' (\`neuradock validate\` names them), then run \`neuradock init\` again`,
      );
    }
  }
  return { config, usable };
}

function accountFor(
  id: string,
  fresh: NewAccount | undefined,
  known: Known | undefined,
  env: NodeJS.ProcessEnv,
): Account | string {
  const existing = known?.usable.get(id);
  if (existing !== undefined) return existing;
  if (!fresh) return `account '${id}' is not in the file`;
  const account = accountFromEnv(fresh, env);
  if (account) return account;
  const secret = fresh.credential === "session" ? fresh.vars.session : fresh.vars.accessToken;
  const other = fresh.credential === "session" ? fresh.vars.accessToken : fresh.vars.session;
  const need = [...(fresh.userId === undefined ? [fresh.vars.userId] : []), secret];
  return `export ${need.join(" and ")} (or ${other} instead of ${secret}), then run \`neuradock init\` again to bind it by token name`;
}

function exampleAccount(provider: ProviderId, env: NodeJS.ProcessEnv): NewAccount {
  const setup: CurrentSetup = { tool: "claude-code", nodeUrl: "https://relay.example.com" };
  return proposeAccount(setup, provider, new Set(), [], env);
}

async function openTokenSource(io: Io, opts: InitCliOptions) {
  const [{ createTokenSource }, { relayOptions }] = await Promise.all([
    import("../providers/index.js"),
    import("./relay-options.js"),
  ]);
  return createTokenSource(relayOptions(io, opts));
}

/** For a run with no key to look up: nothing may ask a relay. */
const NO_RELAY: TokenSource = {
  listTokens: () => Promise.reject(new Error("no relay is asked without a key")),
  resolveToken: () => Promise.reject(new Error("no relay is asked without a key")),
  tokenKey: () => Promise.reject(new Error("no relay is asked without a key")),
};

/** The schema shipped with this installation (dist/ chunks and src/commands/ both find it). */
async function schemaPath(system: System): Promise<string> {
  for (const rel of ["../schema/neuradock.schema.json", "../../schema/neuradock.schema.json"]) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (await system.stat(path)) return path;
  }
  return join(dirname(fileURLToPath(import.meta.url)), "neuradock.schema.json");
}

function parseProvider(value: string | undefined): ProviderId | undefined {
  if (value === undefined) return undefined;
  if (value === "anyrouter" || value === "agentrouter" || value === "newapi") return value;
  throw new UsageError(`unknown provider '${value}': choose anyrouter, agentrouter or newapi`);
}
