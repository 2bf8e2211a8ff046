import { basename } from "node:path";
import { type Config, TOOLS, type ToolId } from "../config/types.js";
import { resolveAllTokens } from "../providers/token-source.js";
import type { ResolvedToken, TokenSource } from "../providers/types.js";
import type { System } from "../system/types.js";
import { TOOL_ADAPTERS } from "../targets/adapters.js";
import { locateTargets } from "../targets/locate.js";
import { readActualState } from "./actual.js";
import { computePlan } from "./compute-plan.js";
import { buildDesiredState } from "./desired.js";
import { readLedger } from "./ledger.js";
import type { Plan } from "./types.js";

export interface CreatePlanOptions {
  config: Config;
  env: NodeJS.ProcessEnv;
  system: System;
  tokenSource: TokenSource;
  stateDir: string;
  /** --target; default: every bound tool and every tool the ledger knows. */
  tools?: readonly ToolId[];
  platform?: NodeJS.Platform;
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
    return binding && account ? [{ tool, account, selector: binding.token }] : [];
  });
  const [resolved, actual] = await Promise.all([
    resolveAllTokens(opts.tokenSource, bound),
    readActualState(system, [
      ...Object.values(targets).filter((t) => tools.includes(t.tool)),
      ...strays,
    ]),
  ]);
  const tokens = new Map<ToolId, ResolvedToken>();
  for (const [i, b] of bound.entries()) tokens.set(b.tool, resolved[i] as ResolvedToken);
  const desired = buildDesiredState(config, tokens, targets);
  for (const target of strays) {
    desired.files.push({ target, bound: false, entries: [], checks: [] });
    desired.warnings.push({
      code: "moved-config",
      tool: target.tool,
      file: target.path,
      message: `neuradock wrote ${target.path}, which ${target.tool} no longer reads (${TOOL_ADAPTERS[target.tool].locationVars.map((v) => `$${v}`).join(" or ")} points elsewhere now): what neuradock wrote there is given back`,
    });
  }
  return computePlan(desired, actual, ledger, tools);
}
