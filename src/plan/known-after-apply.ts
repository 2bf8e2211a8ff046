import type { ApiKey } from "../providers/types.js";
import { Secret } from "../secret.js";

/**
 * "(known after apply)", Terraform's words, as a value of its own: the key of a token that
 * apply creates. It travels through desired state, plan and saved plan like any value (a
 * string no relay key can equal: keys never hold a NUL), is shown as "(known after apply)",
 * and apply puts the real key in its place once the token exists.
 */
const PREFIX = "\u0000neuradock:known-after-apply:";

export function knownAfterApply(account: string, token: string): string {
  return `${PREFIX}${account}/${token}`;
}

/** `account/name` of the token a value waits for, or undefined for a real value. */
export function pendingTokenOf(value: unknown): string | undefined {
  return typeof value === "string" && value.startsWith(PREFIX)
    ? value.slice(PREFIX.length)
    : undefined;
}

/** The stand-in key of a binding whose token is created (or rotated) by this apply. */
export function pendingApiKey(account: string, token: string): ApiKey {
  return { kind: "api-key", secret: new Secret(knownAfterApply(account, token)) };
}

export const KNOWN_AFTER_APPLY_TEXT = "(known after apply)";
