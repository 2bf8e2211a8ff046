import type { Config, ToolId } from "../config/types.js";
import { UsageError } from "../errors.js";
import { createPlan } from "../plan/create-plan.js";
import type { Plan } from "../plan/types.js";
import { type ClosableTokenSource, createTokenSource } from "../providers/index.js";
import type { System } from "../system/types.js";
import type { Io } from "./io.js";
import { relayOptions, startProgress } from "./relay-options.js";

/** One token source (and relay client) for a command, closed whatever happens. */
export async function withTokenSource<T>(
  io: Io,
  opts: { timeout?: string },
  fn: (source: ClosableTokenSource) => Promise<T>,
): Promise<T> {
  // Drawn only while requests are out, so a plan or a prompt printed meanwhile stays clean.
  const progress = startProgress(io, "reading the relays");
  const source = createTokenSource(relayOptions(io, opts, progress));
  try {
    return await fn(source);
  } finally {
    progress.stop();
    await source.close();
  }
}

/** The plan against live tokens (plan and apply). */
export function planWithSource(
  source: ClosableTokenSource,
  config: Config,
  opts: { target?: string[]; replace?: string[] },
  io: Io,
  system: System,
  stateDir: string,
): Promise<Plan> {
  return createPlan({
    config,
    env: io.env,
    system,
    tokenSource: source,
    relay: source.relay,
    stateDir,
    replace: parseReplace(opts.replace ?? []),
    ...(opts.target ? { tools: opts.target as ToolId[] } : {}),
  });
}

/** The plan against live tokens, its connections closed once it is made. */
export function planWithLiveTokens(
  config: Config,
  opts: { target?: string[]; replace?: string[]; timeout?: string },
  io: Io,
  system: System,
  stateDir: string,
): Promise<Plan> {
  return withTokenSource(io, opts, (source) =>
    planWithSource(source, config, opts, io, system, stateDir),
  );
}

/** `--replace ACCOUNT/NAME` (the name may itself hold a slash: the account never does). */
export function parseReplace(values: readonly string[]): { account: string; token: string }[] {
  return values.map((v) => {
    const i = v.indexOf("/");
    if (i <= 0 || i === v.length - 1) {
      throw new UsageError(`--replace takes ACCOUNT/NAME (e.g. personal/ci-claude), got '${v}'`);
    }
    return { account: v.slice(0, i), token: v.slice(i + 1) };
  });
}
