import type { FilePlan } from "../model/types.js";
import { applyDotenvPlan, rawDotenvValueAt } from "./dotenv-file.js";
import { applyJsonPlan, emptyObjectInner, inlineShapeAt, rawJsonValueAt } from "./json-file.js";
import { applyTomlPlan, rawTomlValueAt } from "./toml-file.js";
import type { FileFormat, KeyPath } from "./types.js";

/**
 * The source text of the value at `path` as written in the file, and of its key and separator
 * (`"k" : `); undefined when unknown.
 */
export function rawValueAt(
  format: FileFormat,
  text: string,
  path: KeyPath,
): { raw: string; rawKey: string } | undefined {
  try {
    if (format === "json" || format === "jsonc") return rawJsonValueAt(text, path);
    if (format === "dotenv") {
      const raw = path.length === 1 ? rawDotenvValueAt(text, path[0] as string) : undefined;
      return raw === undefined ? undefined : { raw, rawKey: "" };
    }
    return format === "toml" ? rawTomlValueAt(text, path) : undefined;
  } catch {
    return undefined;
  }
}

/** The spacing inside the braces of a one-line, non-empty JSON object at `path`. */
export function inlineAt(format: FileFormat, text: string, path: KeyPath) {
  return format === "json" || format === "jsonc" ? inlineShapeAt(text, path) : undefined;
}

/** The whitespace inside the empty object at `path` of a JSON file (`{ }` gives " "). */
export function emptyInnerAt(format: FileFormat, text: string, path: KeyPath): string | undefined {
  return format === "json" || format === "jsonc" ? emptyObjectInner(text, path) : undefined;
}

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
