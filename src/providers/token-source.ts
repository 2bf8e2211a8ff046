import type { Account, TokenSelector } from "../config/types.js";
import { NeuradockError, ProviderError } from "../errors.js";
import { relayName } from "../untrusted.js";
import { type ClientOptions, NewApiClient } from "./client.js";
import { QUOTA_PER_USD } from "./money.js";
import { createRelayClient, type RelayClient } from "./relay-client.js";
import { describeAmbiguous, describeMissing, findToken } from "./select-token.js";
import { fetchRawTokens, type RawToken, toIsoSeconds, toTokenInfo } from "./token-list.js";
import type { AccountTokens, ApiKey, ListOptions, ResolvedToken, TokenSource } from "./types.js";

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
  // The latest listing of each account, for the keys of tokens chosen from it.
  const latest = new Map<string, RawToken[]>();
  const accountKey = (account: Account) =>
    JSON.stringify([account.id, account.url, account.userId]);
  const listRaw = (account: Account) => {
    const key = accountKey(account);
    let listing = inFlight.get(key);
    if (!listing) {
      listing = fetchRawTokens(client, account)
        .then((raw) => {
          latest.set(key, raw);
          return raw;
        })
        .finally(() => inFlight.delete(key));
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
      const label = `token '${relayName(token.name)}' (id ${token.id})`;
      if (info.status !== "enabled") {
        throw new ProviderError(
          account.id,
          `${label} is ${info.status}${info.status === "unknown" ? ` (status ${String(token.status)})` : ""}; enable it in the dashboard or bind another token`,
        );
      }
      return { account: account.id, info, key: await relay.revealKey(account, token) };
    },

    async tokenKey(account: Account, id: number): Promise<ApiKey> {
      const raw = latest.get(accountKey(account)) ?? (await listRaw(account));
      const token = raw.find((t) => t.id === id);
      if (!token) throw new ProviderError(account.id, `no token with id ${id}`);
      return relay.revealKey(account, token);
    },

    relay,

    async close(): Promise<void> {
      await client.close();
    },
  };
}

function selectToken(account: Account, tokens: RawToken[], selector: TokenSelector): RawToken {
  const match = findToken(tokens, selector);
  if (match.kind === "found") return match.token;
  throw new ProviderError(
    account.id,
    match.kind === "missing"
      ? describeMissing(selector, tokens)
      : describeAmbiguous((selector as { name: string }).name, match.ids),
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
  const messages = [...new Set(unique.map((e) => (e instanceof Error ? e.message : String(e))))];
  if (messages.length === 1) return unique[0] as Error;
  // Each failure's own detail lines (e.g. every entry of a token list) stay under it.
  const lines = messages.flatMap((message) => {
    const err = unique.find((e) => e instanceof Error && e.message === message);
    const details = err instanceof NeuradockError ? err.details : [];
    return [message, ...details.map((d) => `  ${d}`)];
  });
  return new NeuradockError(`${messages.length} relay requests failed:`, lines);
}
