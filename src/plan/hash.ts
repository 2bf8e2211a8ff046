import { createHash } from "node:crypto";
import { canonicalJson } from "../targets/doc-path.js";
import type { JsonValue } from "../targets/types.js";

/** The ledger's marker for "neuradock left this path absent". */
export const ABSENT_HASH = "absent";

/** sha256 (hex) of a file's text as read: the plan's basis for the stale check. */
export function hashText(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** sha256 of the canonical JSON of a value, or "absent": what the ledger stores, never the value. */
export function hashValue(value: JsonValue | undefined): string {
  if (value === undefined) return ABSENT_HASH;
  return createHash("sha256").update(canonicalJson(value), "utf8").digest("hex");
}
