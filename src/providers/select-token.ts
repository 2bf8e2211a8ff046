import { didYouMean } from "../config/suggest.js";
import type { TokenSelector } from "../config/types.js";
import { relayName, safeText } from "../untrusted.js";

interface Named {
  id: number;
  name: string;
}

export type TokenMatch<T> =
  | { kind: "found"; token: T }
  | { kind: "missing" }
  | { kind: "ambiguous"; ids: number[] };

/** The token a selector names in a listing: by id, or by a name that must be unique. */
export function findToken<T extends Named>(
  tokens: readonly T[],
  selector: TokenSelector,
): TokenMatch<T> {
  if ("id" in selector) {
    const found = tokens.find((t) => t.id === selector.id);
    return found ? { kind: "found", token: found } : { kind: "missing" };
  }
  const matches = tokens.filter((t) => t.name === selector.name);
  if (matches.length === 1) return { kind: "found", token: matches[0] as T };
  if (matches.length === 0) return { kind: "missing" };
  return { kind: "ambiguous", ids: matches.map((t) => t.id) };
}

/** Why a selector found nothing, with what the account does have (never a key). */
export function describeMissing(selector: TokenSelector, tokens: readonly Named[]): string {
  // Token names are relay text: sanitised and bounded (src/untrusted.ts).
  if ("id" in selector) {
    const list = tokens.map((t) => `${relayName(t.name)} (id ${t.id})`).join(", ");
    return `no token with id ${selector.id}; ${tokens.length === 0 ? "the account has no tokens" : `available: ${list}`}`;
  }
  const names = [...new Set(tokens.map((t) => t.name))].sort();
  return `no token named '${selector.name}'${safeText(didYouMean(selector.name, names))}; ${
    names.length === 0
      ? "the account has no tokens"
      : `available: ${names.map((n) => relayName(n)).join(", ")}`
  }`;
}

export function describeAmbiguous(name: string, ids: readonly number[]): string {
  return `token name '${name}' is ambiguous: ids ${ids.join(", ")} share it; bind one with \`token: { id: N }\` or rename one in the dashboard`;
}
