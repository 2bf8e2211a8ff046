import type { Binding, TokenSelector } from "../config/types.js";
import { usableUsd } from "../providers/money.js";
import { describeAmbiguous, describeMissing, findToken } from "../providers/select-token.js";
import type { TokenInfo } from "../providers/types.js";

/** Why a token entry cannot serve its tool; null in `EntryHealth.problem` means healthy. */
export type TokenProblem =
  | { code: "missing"; message: string }
  | { code: "ambiguous"; message: string }
  | { code: "disabled" | "exhausted" | "unknown-status" }
  | { code: "expired"; at: string }
  | { code: "low-balance"; usableUsd: number; minUsd: number; cappedByAccount: boolean };

export interface EntryHealth {
  /** Position in `token:` (0 for a single token). */
  index: number;
  entry: TokenSelector;
  /** The listed token the entry names; null when it names none (or several). */
  token: TokenInfo | null;
  /** What a tool bound to it can spend (docs/relay.md §2); null when not known. */
  usableUsd: number | null;
  problem: TokenProblem | null;
}

export type TokenChoice =
  | {
      ok: true;
      chosen: EntryHealth;
      /** The entries before the chosen one: each unhealthy (the reason a list moved on). */
      skipped: EntryHealth[];
      /** Every entry, judged, in declared order. */
      entries: EntryHealth[];
      /** A single token bound although its balance is at or below an explicit minimum. */
      lowBalance: boolean;
    }
  | {
      ok: false;
      entries: EntryHealth[];
      message: string;
      /** For a list: each entry and why it is unhealthy. */
      details: string[];
    };

export interface ChooseTokenInput {
  binding: Pick<Binding, "tokens" | "failover" | "minBalanceUsd">;
  /** The account's tokens as listed. */
  tokens: readonly TokenInfo[];
  /** The account's balance in USD; null when it was not fetched (a plain single token). */
  accountBalanceUsd: number | null;
  /** Milliseconds since the epoch: a token whose expiry is at or before it is expired. */
  now: number;
}

/**
 * Which token a binding gets (docs/relay.md §3), as a pure function of what was listed. A list
 * binds its first healthy entry (enabled, not expired, usable balance above the minimum);
 * a single token fails only when the relay would refuse it (missing, ambiguous, not enabled,
 * expired), and is bound with a low-balance flag when it is at or below an explicit minimum.
 */
export function chooseToken(input: ChooseTokenInput): TokenChoice {
  const { binding } = input;
  // A single token without a minimum does not care about balances (as before docs/relay.md §3).
  const minUsd =
    binding.failover || binding.minBalanceUsd !== undefined ? (binding.minBalanceUsd ?? 0) : null;
  const entries = binding.tokens.map((entry, index) => judgeEntry(input, entry, index, minUsd));
  if (binding.failover) {
    const at = entries.findIndex((e) => e.problem === null);
    if (at >= 0) {
      return {
        ok: true,
        chosen: entries[at] as EntryHealth,
        skipped: entries.slice(0, at),
        entries,
        lowBalance: false,
      };
    }
    return {
      ok: false,
      entries,
      message: "no token of the list is healthy; the tool keeps the token it has:",
      details: entries.map((e) => `${describeEntry(e)}: ${describeProblem(e)}`),
    };
  }
  const only = entries[0] as EntryHealth;
  const problem = only.problem;
  if (problem === null || problem.code === "low-balance") {
    return { ok: true, chosen: only, skipped: [], entries, lowBalance: problem !== null };
  }
  return { ok: false, entries, message: describeSingleFailure(only), details: [] };
}

function judgeEntry(
  input: ChooseTokenInput,
  entry: TokenSelector,
  index: number,
  minUsd: number | null,
): EntryHealth {
  const match = findToken(input.tokens, entry);
  if (match.kind !== "found") {
    const problem: TokenProblem =
      match.kind === "missing"
        ? { code: "missing", message: describeMissing(entry, input.tokens) }
        : {
            code: "ambiguous",
            message: describeAmbiguous((entry as { name: string }).name, match.ids),
          };
    return { index, entry, token: null, usableUsd: null, problem };
  }
  const token = match.token;
  const usableUsd = usableBalance(token, input.accountBalanceUsd);
  return { index, entry, token, usableUsd, problem: tokenProblem(token, usableUsd, minUsd, input) };
}

function tokenProblem(
  token: TokenInfo,
  usableUsd: number | null,
  minUsd: number | null,
  input: ChooseTokenInput,
): TokenProblem | null {
  switch (token.status) {
    case "enabled":
      break;
    case "unknown":
      return { code: "unknown-status" };
    case "expired":
      return { code: "expired", at: token.expires ?? "" };
    default:
      return { code: token.status };
  }
  // new-api marks a token expired on its next use; a tool bound now would meet exactly that.
  if (token.expires !== null && Date.parse(token.expires) <= input.now) {
    return { code: "expired", at: token.expires };
  }
  if (minUsd !== null && usableUsd !== null && !(usableUsd > minUsd)) {
    const cappedByAccount =
      input.accountBalanceUsd !== null &&
      (token.unlimited || input.accountBalanceUsd < (token.balanceUsd ?? 0));
    return { code: "low-balance", usableUsd, minUsd, cappedByAccount };
  }
  return null;
}

/**
 * What a tool bound to the token can spend: the account balance for an unlimited token, else
 * the smaller of the token's remaining quota and the account balance. null when that depends
 * on an account balance that was not fetched.
 */
export function usableBalance(token: TokenInfo, accountBalanceUsd: number | null): number | null {
  if (accountBalanceUsd !== null)
    return usableUsd(token, { balanceUsd: accountBalanceUsd, usedUsd: 0 });
  return token.unlimited || token.balanceUsd === null ? null : Math.max(0, token.balanceUsd);
}

/** `'claude' (id 7)`, `{ id: 7 }` or `'claude'` when nothing matched. */
export function describeEntry(e: EntryHealth): string {
  if (e.token) return `'${e.token.name}' (id ${e.token.id})`;
  return "id" in e.entry ? `{ id: ${e.entry.id} }` : `'${e.entry.name}'`;
}

/** Why an entry is unhealthy, in a few words; "healthy" when it is not. */
export function describeProblem(e: EntryHealth): string {
  const p = e.problem;
  if (p === null) return "healthy";
  switch (p.code) {
    case "missing":
      return "id" in e.entry ? "no token with this id" : "no token of this name";
    case "ambiguous":
      return p.message.replace(/^token name '[^']*' is /, "");
    case "disabled":
    case "exhausted":
      return p.code;
    case "unknown-status":
      return "status unknown to neuradock";
    case "expired":
      return p.at === "" ? "expired" : `expired (${p.at})`;
    case "low-balance":
      return `usable balance ${formatUsd(p.usableUsd)} is not above min_balance_usd ${formatUsd(p.minUsd)}${p.cappedByAccount ? " (the account's balance)" : ""}`;
  }
}

const REMEDY: Record<string, string> = {
  disabled: "enable it in the dashboard",
  expired: "extend its expiry in the dashboard",
  exhausted: "add quota to it in the dashboard",
  "unknown-status": "check it in the dashboard",
};

function describeSingleFailure(e: EntryHealth): string {
  const p = e.problem;
  if (p?.code === "missing" || p?.code === "ambiguous") return p.message;
  const what =
    p?.code === "unknown-status"
      ? "in a status unknown to neuradock"
      : describeProblem(e).replace(/^expired \((.*)\)$/, "expired since $1");
  return `token ${describeEntry(e)} is ${what}; ${REMEDY[p?.code ?? ""] ?? "fix it in the dashboard"} or bind another token`;
}

/** `$1.50`, `$0.000124`: cents, unless that would round a small balance away. */
export function formatUsd(usd: number): string {
  const cents = usd.toFixed(2);
  if (Number(cents) === usd || Math.abs(usd) >= 100) return `$${cents}`;
  return `$${String(Number(usd.toFixed(6)))}`;
}
