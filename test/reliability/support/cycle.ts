// One plan+apply cycle with a stub token source, shared by the kill driver (real System)
// and the test (memory System, to compute what a complete run produces).
import { applyPlan } from "../../../src/apply/apply-plan.js";
import { loadConfig } from "../../../src/config/index.js";
import type { Account, TokenSelector } from "../../../src/config/types.js";
import { createPlan } from "../../../src/plan/create-plan.js";
import { toApiKey } from "../../../src/providers/api-key.js";
import type { ResolvedToken, TokenSource } from "../../../src/providers/types.js";
import type { System } from "../../../src/system/types.js";

export function keyFor(seed: number, tool: string): string {
  return `sk-${tool.replace(/-/g, "")}${String(seed).padStart(6, "0")}${"k".repeat(30)}`;
}

function stubTokens(seed: number): TokenSource {
  const resolveToken = async (
    account: Account,
    selector: TokenSelector,
  ): Promise<ResolvedToken> => {
    const name = "name" in selector ? selector.name : `id${selector.id}`;
    const raw = keyFor(seed, name);
    return {
      account: account.id,
      key: toApiKey(raw),
      info: {
        id: "id" in selector ? selector.id : 1,
        name,
        status: "enabled",
        balanceUsd: 1,
        unlimited: false,
        usedUsd: 0,
        expires: null,
        modelLimits: [],
        group: "default",
        keyHint: "sk-…",
      },
    };
  };
  return {
    resolveToken,
    listTokens: async () => {
      throw new Error("not used");
    },
  };
}

export interface CycleInput {
  configPath: string;
  home: string;
  stateDir: string;
  seed: number;
}

export async function runCycle(
  system: System,
  input: CycleInput,
  beforeApply?: () => void,
): Promise<void> {
  const env = { HOME: input.home, NEURADOCK_STATE_DIR: input.stateDir };
  const config = await loadConfig({ configPath: input.configPath, cwd: input.home, env });
  const plan = await createPlan({
    config,
    env,
    system,
    tokenSource: stubTokens(input.seed),
    stateDir: input.stateDir,
  });
  beforeApply?.();
  await applyPlan(plan, { system, stateDir: input.stateDir, lock: { timeoutMs: 5_000 } });
}
