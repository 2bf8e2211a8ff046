import { parse, patch } from "@decimalturn/toml-patch";
import { TargetError } from "../errors.js";
import type { FilePlan } from "../plan/types.js";
import { canonicalJson, deleteAtPath, getAtPath, isObject, setAtPath } from "./doc-path.js";
import { formatKeyPath } from "./key-path.js";
import { targetErrorAt } from "./position.js";
import type { JsonObject } from "./types.js";

/** Parse config.toml; a syntax error names file:line:col (never the offending line's text). */
export function parseTomlTarget(file: string, text: string): JsonObject {
  try {
    return parse(text) as JsonObject;
  } catch (err) {
    const e = err as { line?: unknown; column?: unknown; message?: unknown };
    // The library's message quotes the source line, which may hold a secret: keep the reason only.
    const lines = String(e.message ?? err)
      .split(/\r?\n/)
      .filter((l) => l.trim() !== "");
    // …and the reason itself may quote the offending value (`Invalid integer "sk-…"`).
    const reason = (lines[lines.length - 1] ?? "invalid TOML").replace(/"[^"]{4,}"/g, '"…"');
    if (typeof e.line === "number" && typeof e.column === "number") {
      throw targetErrorAt(file, e.line, e.column + 1, `invalid TOML: ${reason}`);
    }
    throw new TargetError(file, `invalid TOML: ${reason}`);
  }
}

/**
 * Format-preserving edit through toml-patch. A table we create gets its `[a.b]` header
 * appended first, so toml-patch fills a real section instead of its quirks (a dotted inline
 * line next to other `[model_providers.x]`, or an extra empty `[model_providers]` header).
 */
export function applyTomlPlan(text: string | null, plan: FilePlan): string | null {
  if (plan.deleteFile) return null;
  let src = text ?? "";
  const eol = src.includes("\r\n") ? "\r\n" : "\n";
  const before = parse(src) as JsonObject;
  const headers = new Set<string>();
  for (const change of plan.changes) {
    if (change.action !== "create" || change.path.length < 2) continue;
    const table = change.path.slice(0, -1);
    if (getAtPath(before, table) !== undefined) continue;
    const header = formatKeyPath(table);
    if (headers.has(header)) continue;
    headers.add(header);
    if (src.length > 0 && !src.endsWith("\n")) src += eol;
    src += `${src.trim() === "" ? "" : eol}[${header}]${eol}`;
  }
  const doc = parse(src) as JsonObject;
  for (const change of plan.changes) {
    if (change.action === "delete" || change.after === undefined) deleteAtPath(doc, change.path);
    else setAtPath(doc, change.path, change.after);
  }
  const containers = [...plan.removeContainers].sort((a, b) => b.length - a.length);
  for (const path of containers) {
    const value = getAtPath(doc, path);
    if (isObject(value) && Object.keys(value).length === 0) deleteAtPath(doc, path);
  }
  let out = patch(src, doc);
  if (out.trim() === "") out = "";
  // Codex reads what we wrote: prove it parses back to exactly the intended document.
  if (canonicalJson(parse(out)) !== canonicalJson(doc)) {
    throw new TargetError(
      plan.file,
      "internal error: the TOML edit did not produce the intended document",
    );
  }
  return out;
}
