import type { Account, TokenSelector } from "../config/types.js";
import type { Secret } from "../secret.js";

export type TokenStatus = "enabled" | "disabled" | "expired" | "exhausted" | "unknown";

/** Token metadata as listed by the relay. Never holds a usable key. */
export interface TokenInfo {
  id: number;
  name: string;
  status: TokenStatus;
  /** USD; null when unlimited. */
  balanceUsd: number | null;
  unlimited: boolean;
  usedUsd: number;
  /** ISO date-time, or null for never. */
  expires: string | null;
  modelLimits: string[];
  group: string;
  /** `sk-abcd…wxyz`, safe to print. */
  keyHint: string;
}

/**
 * A full, unmasked API key with its `sk-` prefix. Only `toApiKey` (src/providers) makes one,
 * and it refuses masked keys, so a masked key can never reach a target file.
 */
export interface ApiKey {
  readonly kind: "api-key";
  readonly secret: Secret;
}

export interface ResolvedToken {
  account: string;
  info: TokenInfo;
  key: ApiKey;
}

/** An account's money (docs/relay.md §2), in USD. */
export interface AccountBalance {
  /** What the account has left: `quota` of /api/user/self. */
  balanceUsd: number;
  /** What it has spent: `used_quota`. */
  usedUsd: number;
}

export interface AccountTokens {
  account: string;
  provider: Account["provider"];
  fetchedAt: string;
  tokens: TokenInfo[];
  /** With `listTokens(…, { balance: true })`: the account's balance and spending. */
  balance?: AccountBalance;
}

export interface ListOptions {
  /** Also fetch the account's balance (and the relay's quota unit for every amount). */
  balance?: boolean;
}

/** What the planner needs from the relays; passed in so tests can use the fake gateway. */
export interface TokenSource {
  listTokens(account: Account, options?: ListOptions): Promise<AccountTokens>;
  resolveToken(account: Account, selector: TokenSelector): Promise<ResolvedToken>;
  /** The full key of a listed token (from the latest listing; a masked key is revealed). */
  tokenKey(account: Account, id: number): Promise<ApiKey>;
}
