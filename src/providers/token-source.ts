import { didYouMean } from "../config/suggest.js";
import type { Account, TokenSelector } from "../config/types.js";
import { NeuradockError, ProviderError } from "../errors.js";
import { type ClientOptions, NewApiClient } from "./client.js";
import { QUOTA_PER_USD } from "./money.js";
import { createRelayClient, type RelayClient } from "./relay-client.js";
import { fetchRawTokens, type RawToken, toIsoSeconds, toTokenInfo } from "./token-list.js";
import type { AccountTokens, ListOptions, ResolvedToken, TokenSource } from "./types.js";

/** Timeouts, retries, proxies (`env`) and progress (`onEvent`): see ClientOptions. */
export type TokenSourceOptions = ClientOptions;

export type ClosableTokenSource = TokenSource & {
  /** The same accounts' token resources, over the same connections. */
  relay: RelayClient;
  close(): Promise<void>;
};

/**
 * The live token source: one client (connections, proxies, WAF cookie jar) shared by every
 * account it is asked about.
 */
export function createTokenSource(opts: TokenSourceOptions = {}): ClosableTokenSource {
  const client = new NewApiClient(opts);
  // Concurrent asks for one account share one listing: two bindings on one account cost
  // one round of requests (and fail once). Later asks fetch afresh.
  const inFlight = new Map<string, Promise<RawToken[]>>();
  const listRaw = (account: Account) => {
    const key = JSON.stringify([account.id, account.url, account.userId]);
    let listing = inFlight.get(key);
    if (!listing) {
      listing = fetchRawTokens(client, account).finally(() => inFlight.delete(key));
      inFlight.set(key, listing);
    }
    return listing;
  };
  const relay = createRelayClient(client, listRaw);

  return {
    async listTokens(account: Account, options: ListOptions = {}): Promise<AccountTokens> {
      // With money: the balance, and the relay's own quota unit for every amount.
      const [raw, unit, balance] = await Promise.all([
        listRaw(account),
        options.balance ? relay.quotaPerUnit(account) : QUOTA_PER_USD,
        options.balance ? relay.balance(account) : undefined,
      ]);
      const listing: AccountTokens = {
        account: account.id,
        provider: account.provider,
        fetchedAt: toIsoSeconds(new Date()),
        tokens: raw.map((t) => toTokenInfo(t, unit)),
      };
      if (balance) listing.balance = balance;
      return listing;
    },

    async resolveToken(account: Account, selector: TokenSelector): Promise<ResolvedToken> {
      const raw = await listRaw(account);
      const token = selectToken(account, raw, selector);
      const info = toTokenInfo(token);
      const label = `token '${token.name}' (id ${token.id})`;
      if (info.status !== "enabled") {
        throw new ProviderError(
          account.id,
          `${label} is ${info.status}${info.status === "unknown" ? ` (status ${String(token.status)})` : ""}; enable it in the dashboard or bind another token`,
        );
      }
      return { account: account.id, info, key: await relay.revealKey(account, token) };
    },

    relay,

    async close(): Promise<void> {
      await client.close();
    },
  };
}

function selectToken(account: Account, tokens: RawToken[], selector: TokenSelector): RawToken {
  if ("id" in selector) {
    const found = tokens.find((t) => t.id === selector.id);
    if (found) return found;
    const list = tokens.map((t) => `${t.name} (id ${t.id})`).join(", ");
    throw new ProviderError(
      account.id,
      `no token with id ${selector.id}; ${tokens.length === 0 ? "the account has no tokens" : `available: ${list}`}`,
    );
  }
  const matches = tokens.filter((t) => t.name === selector.name);
  if (matches.length === 1) return matches[0] as RawToken;
  if (matches.length > 1) {
    const ids = matches.map((t) => t.id).join(", ");
    throw new ProviderError(
      account.id,
      `token name '${selector.name}' is ambiguous: ids ${ids} share it; bind one with \`token: { id: N }\` or rename one in the dashboard`,
    );
  }
  const names = [...new Set(tokens.map((t) => t.name))].sort();
  throw new ProviderError(
    account.id,
    `no token named '${selector.name}'${didYouMean(selector.name, names)}; ${
      names.length === 0 ? "the account has no tokens" : `available: ${names.join(", ")}`
    }`,
  );
}

/** Lists every account concurrently; when any fail, all their errors are reported together. */
export async function fetchAllTokens(
  source: TokenSource,
  accounts: readonly Account[],
): Promise<AccountTokens[]> {
  const settled = await Promise.allSettled(accounts.map((a) => source.listTokens(a)));
  return unwrapAll(settled);
}

export interface TokenRequest {
  account: Account;
  selector: TokenSelector;
}

/** Resolves several bindings concurrently; all failures are reported together. */
export async function resolveAllTokens(
  source: TokenSource,
  requests: readonly TokenRequest[],
): Promise<ResolvedToken[]> {
  const settled = await Promise.allSettled(
    requests.map((r) => source.resolveToken(r.account, r.selector)),
  );
  return unwrapAll(settled);
}

/** Splits settled results; a caller that wants partial results can use this on its own. */
export function unwrapAll<T>(settled: PromiseSettledResult<T>[]): T[] {
  const errors = settled.flatMap((s) => (s.status === "rejected" ? [s.reason as unknown] : []));
  if (errors.length > 0) throw combineErrors(errors);
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

export function combineErrors(errors: unknown[]): Error {
  // The same failure (one account's listing, shared by two bindings) is reported once.
  const unique = [...new Set(errors)];
  if (unique.length === 1) return unique[0] as Error;
  const lines = [...new Set(unique.map((e) => (e instanceof Error ? e.message : String(e))))];
  if (lines.length === 1) return unique[0] as Error;
  return new NeuradockError(`${lines.length} relay requests failed:`, lines);
}
