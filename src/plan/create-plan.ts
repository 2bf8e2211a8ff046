import { type Config, TOOLS, type ToolId } from "../config/types.js";
import { resolveAllTokens } from "../providers/token-source.js";
import type { ResolvedToken, TokenSource } from "../providers/types.js";
import type { System } from "../system/types.js";
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
  for (const target of Object.values(targets)) {
    const entry = ledger.files[target.path];
    if (entry) known.add(entry.tool);
  }
  const tools = TOOLS.filter((t) => (opts.tools ? opts.tools.includes(t) : known.has(t)));

  const bound = tools.flatMap((tool) => {
    const binding = config.bindings[tool];
    const account = binding ? config.accounts[binding.account] : undefined;
    return binding && account ? [{ tool, account, selector: binding.token }] : [];
  });
  const [resolved, actual] = await Promise.all([
    resolveAllTokens(opts.tokenSource, bound),
    readActualState(
      system,
      Object.values(targets).filter((t) => tools.includes(t.tool)),
    ),
  ]);
  const tokens = new Map<ToolId, ResolvedToken>();
  for (const [i, b] of bound.entries()) tokens.set(b.tool, resolved[i] as ResolvedToken);
  const desired = buildDesiredState(config, tokens, targets);
  return computePlan(desired, actual, ledger, tools);
}
