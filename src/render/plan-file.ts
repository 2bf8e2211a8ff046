import { PRIVATE_KIND } from "../plan/plan-file.js";
import type { Plan } from "../plan/types.js";
import { renderPlanJson } from "./plan-json.js";

/**
 * A saved plan: the public JSON (redacted, as `plan --json` prints it) plus a private part
 * with what apply needs, clear values included. The caller writes it 0600;
 * `parsePlanFile` (src/plan/plan-file.ts) reads it back.
 */
export function serializePlanFile(plan: Plan): string {
  const data = {
    ...renderPlanJson(plan, { showSecrets: false }),
    private: { kind: PRIVATE_KIND, version: 1, plan },
  };
  return `${JSON.stringify(data, null, 2)}\n`;
}
