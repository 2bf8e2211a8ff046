// One plan+apply cycle with a stub token source, shared by the kill driver (real System)
// and the test (memory System, to compute what a complete run produces).
import { applyPlan } from "../../../src/apply/apply-plan.js";
import { loadConfig } from "../../../src/config/index.js";

import { createPlan } from "../../../src/plan/create-plan.js";

import type { System } from "../../../src/system/types.js";
import { stubTokenSource } from "../../support/stub-token-source.js";

export function keyFor(seed: number, tool: string): string {
  return `sk-${tool.replace(/-/g, "")}${String(seed).padStart(6, "0")}${"k".repeat(30)}`;
}

function stubTokens(seed: number) {
  return stubTokenSource(
    (name) => keyFor(seed, name),
    ["claude", "codex", "gemini", "opencode", "qwen"],
  );
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
