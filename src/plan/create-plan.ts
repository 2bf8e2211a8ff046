import { basename } from "node:path";
import {
  type Account,
  type Config,
  type SourcePos,
  TOOLS,
  type TokenSelector,
  type ToolId,
} from "../config/types.js";
import type { RelayClient } from "../providers/relay-client.js";
import { type RawToken, toTokenInfo } from "../providers/token-list.js";
import { unwrapAll } from "../providers/token-source.js";
import type { ResolvedToken, TokenInfo, TokenSource } from "../providers/types.js";
import { homeDir } from "../system/paths.js";
import type { System } from "../system/types.js";
import { TOOL_ADAPTERS } from "../targets/adapters.js";
import { locateTargets } from "../targets/locate.js";
import { protocolWarnings } from "../targets/protocols.js";
import { readActualState } from "./actual.js";
import { type BoundTool, resolveBoundTokens } from "./bound-tokens.js";
import { computePlan } from "./compute-plan.js";
import { buildDesiredState } from "./desired.js";
import { configFromEnv, scrubFromEnv } from "./from-env.js";
import { pendingApiKey } from "./known-after-apply.js";
import { readLedger } from "./ledger.js";
import { planRelay, type RelayPlanResult, relayAccounts, tokenKey } from "./relay-plan.js";
import type { Ledger, Plan } from "./types.js";

export interface CreatePlanOptions {
  config: Config;
  env: NodeJS.ProcessEnv;
  system: System;
  tokenSource: TokenSource;
  stateDir: string;
  /** --target; default: every bound tool and every tool the ledger knows. */
  tools?: readonly ToolId[];
  platform?: NodeJS.Platform;
  /** The relay's token resources; needed when the config declares tokens (or the ledger has some). */
  relay?: RelayClient;
  /** `apply --replace ACCOUNT/NAME`. */
  replace?: readonly { account: string; token: string }[];
  /** Milliseconds since the epoch, for token expiry; default: the clock. */
  now?: number;
}

/** Fetch the bound tokens (concurrently), read files and ledger, and compute the plan. */
export async function createPlan(opts: CreatePlanOptions): Promise<Plan> {
  const { config, system } = opts;
  const targets = locateTargets(opts.env, opts.platform);
  const ledger = await readLedger(system, opts.stateDir);
  const known = new Set<ToolId>();
  for (const tool of TOOLS) if (config.bindings[tool]) known.add(tool);
  for (const entry of Object.values(ledger.files)) known.add(entry.tool);
  const tools = TOOLS.filter((t) => (opts.tools ? opts.tools.includes(t) : known.has(t)));
  // Files neuradock wrote where the tools no longer look (a variable that moves them
  // changed, e.g. $CODEX_HOME): released like a removed binding, so nothing of ours is left behind there.
  const current = new Set(Object.values(targets).map((t) => t.path));
  const strays = Object.entries(ledger.files).flatMap(([path, entry]) => {
    const like = Object.values(targets).find(
      (t) => t.tool === entry.tool && basename(t.path) === basename(path),
    );
    return !current.has(path) && like && tools.includes(entry.tool) ? [{ ...like, path }] : [];
  });

  const bound = tools.flatMap((tool) => {
    const binding = config.bindings[tool];
    const account = binding ? config.accounts[binding.account] : undefined;
    return binding && account
      ? [{ tool, binding, account, selector: binding.tokens[0] as TokenSelector, pos: binding.pos }]
      : [];
  });
  // A single token bound by name to a declared token gets it from the relay step (maybe a
  // create); a failover list chooses among the tokens as listed (docs/relay.md §3).
  const declares = (b: (typeof bound)[number]) =>
    !b.binding.failover &&
    "name" in b.selector &&
    b.account.tokens?.[b.selector.name] !== undefined;
  // Every entry of a list counts for the relay step's checks (a token still in use).
  const entries = bound.flatMap((b) => b.binding.tokens.map((selector) => ({ ...b, selector })));
  const relayStep = planRelayStep(opts, ledger.tokens ?? {}, entries, tools);
  relayStep.catch(() => {});
  // A declared token a list chose takes its key from the relay step too (a rotation's new one).
  const declaredKey = async (b: BoundTool, info: TokenInfo) => {
    if (b.account.tokens?.[info.name] === undefined) return undefined;
    const step = await relayStep;
    if (!step?.resolved.has(tokenKey(b.account.id, info.name))) return undefined;
    const [r] = await resolveDeclared(opts.relay, step, [
      { account: b.account, selector: { name: info.name } },
    ]);
    return r?.key;
  };
  // The relay listing and the other bindings' listings run together (one listing per account).
  const others = resolveBoundTokens(
    opts.tokenSource,
    bound.filter((b) => !declares(b)),
    opts.now ?? Date.now(),
    declaredKey,
  );
  const reading = readActualState(system, [
    ...Object.values(targets).filter((t) => tools.includes(t.tool)),
    ...strays,
  ]);
  others.catch(() => {});
  reading.catch(() => {});
  // A tool's file that cannot be read is reported before any relay failure, whichever
  // settles first: the same broken setup gives the same error every run.
  const unreadable = await reading.then(
    () => undefined,
    (err: unknown) => ({ err }),
  );
  if (unreadable) throw unreadable.err;
  const relay = await relayStep;
  const [chosen, resolvedDeclared, actual] = await Promise.all([
    others,
    resolveDeclared(opts.relay, relay, bound.filter(declares)),
    reading,
  ]);
  const tokens = new Map<ToolId, ResolvedToken>(chosen.tokens);
  for (const [i, b] of bound.filter(declares).entries()) {
    tokens.set(b.tool, resolvedDeclared[i] as ResolvedToken);
  }
  const desired = buildDesiredState(config, tokens, targets);
  desired.warnings.unshift(...chosen.warnings);
  for (const target of strays) {
    desired.files.push({ target, bound: false, entries: [], checks: [] });
    desired.warnings.push({
      code: "moved-config",
      tool: target.tool,
      file: target.path,
      message: `neuradock wrote ${target.path}, which ${target.tool} no longer reads (${TOOL_ADAPTERS[target.tool].locationVars.map((v) => `$${v}`).join(" or ")} points elsewhere now): what neuradock wrote there is given back`,
    });
  }
  desired.warnings.push(...(relay?.warnings ?? []));
  for (const tool of bound.map((b) => b.tool)) {
    // A variable in the shell that beats what neuradock writes (the tool reads it first).
    for (const message of TOOL_ADAPTERS[tool].envWarnings?.(opts.env) ?? []) {
      desired.warnings.push({ code: "shell-override", tool, message });
    }
  }
  for (const w of protocolWarnings(config, tools)) {
    desired.warnings.push({ code: "protocol", ...w });
  }
  const plan = computePlan(desired, actual, ledger, tools);
  // A warning may quote a node URL or a model: one from a ${VAR} is not shown.
  const fromEnv = configFromEnv(config);
  const warnings = plan.warnings.map((w) => ({ ...w, message: scrubFromEnv(w.message, fromEnv) }));
  return {
    ...plan,
    warnings,
    ...(relay ? { relay: relay.plan } : {}),
    config: config.file,
    tokenChoices: chosen.choices,
    origin: {
      home: homeDir(opts.env, opts.platform),
      stateDir: opts.stateDir,
      targets: Object.fromEntries(Object.entries(targets).map(([id, t]) => [id, t.path])),
    },
  };
}

async function planRelayStep(
  opts: CreatePlanOptions,
  ledgerTokens: NonNullable<Ledger["tokens"]>,
  bound: {
    tool: ToolId;
    account: Account;
    selector: TokenSelector;
    pos: SourcePos;
  }[],
  tools: readonly ToolId[],
): Promise<RelayPlanResult | undefined> {
  const { config } = opts;
  const ids = relayAccounts({ accounts: config.accounts, ledger: ledgerTokens });
  if (ids.length === 0 && (opts.replace ?? []).length === 0) return undefined;
  if (!opts.relay) throw new Error("internal error: relay tokens declared but no relay client");
  const relay = opts.relay;
  // USD → quota units at each relay's own rate (asked only where a quota is declared),
  // fetched alongside the listings.
  const withQuota = (id: string) =>
    Object.values(config.accounts[id]?.tokens ?? {}).some((t) => t.quotaUsd !== undefined);
  const settled = await Promise.allSettled(
    ids.map(async (id) => {
      const account = config.accounts[id] as Account;
      const [tokens, unit] = await Promise.all([
        relay.listTokens(account),
        withQuota(id) ? relay.quotaPerUnit(account) : undefined,
      ]);
      return { tokens, unit };
    }),
  );
  const listed: Record<string, RawToken[]> = {};
  const quotaPerUnit: Record<string, number> = {};
  for (const [i, r] of unwrapAll(settled).entries()) {
    const id = ids[i] as string;
    listed[id] = r.tokens;
    if (r.unit !== undefined) quotaPerUnit[id] = r.unit;
  }
  const only = opts.tools
    ? new Set(
        bound
          .filter((b) => tools.includes(b.tool) && "name" in b.selector)
          .map((b) => tokenKey(b.account.id, (b.selector as { name: string }).name)),
      )
    : undefined;
  return planRelay({
    accounts: config.accounts,
    listed,
    ledger: ledgerTokens,
    replace: opts.replace ?? [],
    bindings: bound.map((b) => ({
      tool: b.tool,
      account: b.account.id,
      selector: b.selector,
      pos: b.pos,
    })),
    ...(only ? { only } : {}),
    quotaPerUnit,
  });
}

/** Keys of bindings to declared tokens: revealed now, or known after apply. */
async function resolveDeclared(
  relay: RelayClient | undefined,
  step: RelayPlanResult | undefined,
  bound: {
    account: Account;
    selector: TokenSelector;
  }[],
): Promise<ResolvedToken[]> {
  const settled = await Promise.allSettled(
    bound.map(async (b): Promise<ResolvedToken> => {
      const name = (b.selector as { name: string }).name;
      const r = step?.resolved.get(tokenKey(b.account.id, name));
      if (!r || !relay) throw new Error(`internal error: ${b.account.id}/${name} was not planned`);
      if (r.kind === "pending") {
        return {
          account: b.account.id,
          key: pendingApiKey(b.account.id, name),
          info: {
            id: 0,
            name,
            status: "enabled",
            balanceUsd: null,
            unlimited: false,
            usedUsd: 0,
            expires: null,
            modelLimits: [],
            group: "",
            keyHint: "sk-…",
          },
        };
      }
      const info = toTokenInfo(r.token);
      return { account: b.account.id, info, key: await relay.revealKey(b.account, r.token) };
    }),
  );
  return unwrapAll(settled);
}
