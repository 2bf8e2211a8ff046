import type { FilePlan } from "../model/types.js";
import { applyDotenvPlan } from "./dotenv-file.js";
import { applyJsonPlan } from "./json-file.js";
import { applyTomlPlan } from "./toml-file.js";

/**
 * The new text of a file after its plan, editing in place so that every byte neuradock does
 * not own stays as it was. null = delete the file. Pure: the caller reads and writes.
 */
export function applyFilePlan(text: string | null, plan: FilePlan): string | null {
  switch (plan.format) {
    case "json":
    case "jsonc":
      return applyJsonPlan(text, plan);
    case "toml":
      return applyTomlPlan(text, plan);
    case "dotenv":
      return applyDotenvPlan(text, plan);
    default:
      throw new Error(`internal error: no editor for ${String(plan.format)} files`);
  }
}
