import type { Config } from "../config/types.js";
import type { DesiredEntry, JsonValue } from "../model/types.js";
import type { Secret } from "../secret.js";
import { SCRUBBED } from "../untrusted.js";

/**
 * A value is sensitive when it came from a ${VAR} (docs/contract.md "Trust rules"): the config marks
 * each binding's such values (`Binding.fromEnv`), and whatever an adapter builds from one of
 * them — the value itself, a URL with `/v1` appended, `provider/model`, a key named after the
 * model — is marked here, once for every adapter. A very short value (`o3`) counts only as a
 * whole word, or it would taint every value that happens to hold those letters.
 */
const MIN_CONTAINED = 3;

function contains(text: string, s: string): boolean {
  if (s.length >= MIN_CONTAINED) return text.includes(s);
  let at = text.indexOf(s);
  while (at >= 0) {
    const before = text[at - 1];
    const after = text[at + s.length];
    if (!isWordChar(before) && !isWordChar(after)) return true;
    at = text.indexOf(s, at + 1);
  }
  return false;
}

const isWordChar = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_-]/.test(c);

function taints(clear: readonly string[], text: string): boolean {
  return clear.some((s) => contains(text, s));
}

function valueTainted(clear: readonly string[], v: JsonValue | undefined): boolean {
  if (typeof v === "string") return taints(clear, v);
  if (Array.isArray(v)) return v.some((x) => valueTainted(clear, x));
  if (v !== null && typeof v === "object") {
    return Object.entries(v).some(([k, x]) => taints(clear, k) || valueTainted(clear, x));
  }
  return false;
}

/** The entries, with every one built from a ${VAR} value marked sensitive (and its path segments). */
export function markFromEnv(
  entries: DesiredEntry[],
  secrets: readonly Secret[] = [],
): DesiredEntry[] {
  const clear = secrets.map((s) => s.reveal()).filter((s) => s.length > 0);
  if (clear.length === 0) return entries;
  return entries.map((entry) => {
    const segments = entry.path.flatMap((seg, i) => (taints(clear, seg) ? [i] : []));
    const tainted = segments.length > 0 || valueTainted(clear, entry.value);
    if (!tainted) return entry;
    return {
      ...entry,
      sensitive: true,
      ...(segments.length > 0 ? { secretSegments: segments } : {}),
    };
  });
}

/** Every value of the config that came from a ${VAR} and may reach a plan's messages. */
export function configFromEnv(config: Pick<Config, "accounts" | "bindings" | "nodes">): string[] {
  const out = new Set<string>();
  for (const b of Object.values(config.bindings)) {
    for (const s of b?.fromEnv ?? []) out.add(s.reveal());
  }
  for (const a of Object.values(config.accounts)) if (a.urlFromEnv) out.add(a.url);
  for (const n of config.nodes) if (n.fromEnv && n.url) out.add(n.url);
  return [...out].filter((s) => s.length >= MIN_CONTAINED);
}

/** `text` with each of `clear` replaced by `(sensitive)`, longest first. */
export function scrubFromEnv(text: string, clear: readonly string[]): string {
  let out = text;
  for (const s of [...clear].sort((a, b) => b.length - a.length)) {
    if (out.includes(s)) out = out.split(s).join(SCRUBBED);
  }
  return out;
}

/** A key path as shown: the segments that came from a ${VAR} redacted. */
export function redactSegments(
  path: readonly string[],
  segments: readonly number[] = [],
): string[] {
  return path.map((seg, i) => (segments.includes(i) ? SCRUBBED : seg));
}
