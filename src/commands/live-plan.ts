import type { Config, ToolId } from "../config/types.js";
import { createPlan } from "../plan/create-plan.js";
import type { Plan } from "../plan/types.js";
import { createTokenSource, readHttpOptionsFromEnv } from "../providers/index.js";
import type { System } from "../system/types.js";
import type { Io } from "./io.js";

/** The plan against live tokens (plan and apply): one token source, closed whatever happens. */
export async function planWithLiveTokens(
  config: Config,
  opts: { target?: string[] },
  io: Io,
  system: System,
  stateDir: string,
): Promise<Plan> {
  const tokenSource = createTokenSource(readHttpOptionsFromEnv(io.env));
  try {
    return await createPlan({
      config,
      env: io.env,
      system,
      tokenSource,
      stateDir,
      ...(opts.target ? { tools: opts.target as ToolId[] } : {}),
    });
  } finally {
    await tokenSource.close();
  }
}
