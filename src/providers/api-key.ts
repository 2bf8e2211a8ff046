import { NeuradockError } from "../errors.js";
import { Secret } from "../secret.js";
import type { ApiKey } from "./types.js";

/** Newer new-api servers list keys as `abcd**********wxyz`; only the reveal endpoint has the rest. */
export function isMaskedKey(raw: string): boolean {
  return raw.includes("*");
}

/**
 * The only way to make an ApiKey: refuses empty and masked keys (a masked key written into a
 * tool's config would silently break it) and adds the `sk-` prefix exactly once.
 */
export function toApiKey(raw: string): ApiKey {
  const trimmed = raw.trim();
  if (isMaskedKey(trimmed)) {
    throw new NeuradockError("refusing a masked API key: the full key must come from the relay");
  }
  const body = trimmed.startsWith("sk-") ? trimmed.slice(3) : trimmed;
  if (body.length === 0 || /\s/.test(body)) {
    throw new NeuradockError("refusing an empty or malformed API key");
  }
  return { kind: "api-key", secret: new Secret(`sk-${body}`) };
}

/** `sk-abcd…wxyz` from a listed key, masked or not; never more than 4 + 4 characters of it. */
export function keyHintOf(raw: string): string {
  const body = raw.startsWith("sk-") ? raw.slice(3) : raw;
  if (isMaskedKey(body)) {
    const head = body.slice(0, Math.min(4, body.indexOf("*")));
    const tail = body.slice(body.lastIndexOf("*") + 1).slice(-4);
    return `sk-${head}…${tail}`;
  }
  // A short key would be mostly revealed by 8 characters: show only the prefix then.
  if (body.length < 16) return "sk-…";
  return `sk-${body.slice(0, 4)}…${body.slice(-4)}`;
}
