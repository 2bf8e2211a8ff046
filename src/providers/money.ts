import type { Account } from "../config/types.js";
import { ProviderError } from "../errors.js";
import type { NewApiClient } from "./client.js";
import type { AccountBalance, TokenInfo } from "./types.js";

export type { AccountBalance };

/** new-api's default: 500000 quota = 1 USD (AnyRouter and AgentRouter use it). */
export const QUOTA_PER_USD = 500_000;

/** Six decimals: a quota unit is 2e-6 USD at the default rate, so this is exact without float noise. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}

/** `quota` units → USD at the relay's rate. */
export function quotaToUsd(quota: unknown, quotaPerUnit: number): number {
  const q = typeof quota === "number" && Number.isFinite(quota) ? quota : 0;
  return roundUsd(q / quotaPerUnit);
}

/**
 * What a tool bound to this token can spend: the account balance when the token is unlimited,
 * else the smaller of the token's remaining quota and the account balance.
 */
export function usableUsd(
  token: Pick<TokenInfo, "unlimited" | "balanceUsd">,
  account: AccountBalance,
): number {
  const balance = Math.max(0, account.balanceUsd);
  if (token.unlimited || token.balanceUsd === null) return balance;
  return Math.min(Math.max(0, token.balanceUsd), balance);
}

/** `quota_per_unit` of `GET /api/status` (public), else the default; a broken status page is not fatal. */
export async function fetchQuotaPerUnit(client: NewApiClient, account: Account): Promise<number> {
  let data: unknown;
  try {
    data = await client.call(account, "GET", "/api/status", {
      label: "GET /api/status (money unit)",
    });
  } catch (err) {
    // A fork without it (404, success:false) uses the default; auth and network problems
    // show on the calls that need them.
    if (err instanceof ProviderError) return QUOTA_PER_USD;
    throw err;
  }
  const q = (data as { quota_per_unit?: unknown } | null)?.quota_per_unit;
  return typeof q === "number" && Number.isFinite(q) && q > 0 ? q : QUOTA_PER_USD;
}

/** `GET /api/user/self`: the account's balance and spending. */
export async function fetchBalance(
  client: NewApiClient,
  account: Account,
  quotaPerUnit: Promise<number>,
): Promise<AccountBalance> {
  const data = await client.call(account, "GET", "/api/user/self", {
    label: "GET /api/user/self (balance)",
  });
  const self = data as { quota?: unknown; used_quota?: unknown } | null;
  if (!self || typeof self !== "object" || typeof self.quota !== "number") {
    throw new ProviderError(
      account.id,
      "GET /api/user/self: the answer carries no numeric `quota` (the account balance)",
    );
  }
  const unit = await quotaPerUnit;
  return { balanceUsd: quotaToUsd(self.quota, unit), usedUsd: quotaToUsd(self.used_quota, unit) };
}
