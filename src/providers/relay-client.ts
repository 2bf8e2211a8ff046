import type { Account } from "../config/types.js";
import { NeuradockError, ProviderError } from "../errors.js";
import { relayName } from "../untrusted.js";
import { isMaskedKey, toApiKey } from "./api-key.js";
import { type CheckinOutcome, checkIn } from "./checkin.js";
import type { NewApiClient } from "./client.js";
import { type AccountBalance, fetchBalance, fetchQuotaPerUnit } from "./money.js";
import { type RawToken, readPage, readToken } from "./token-list.js";
import type { ApiKey } from "./types.js";

/** What a create sends (docs/relay.md "Relay API"): every field a token is made with. */
export interface TokenBody {
  name: string;
  remain_quota: number;
  unlimited_quota: boolean;
  /** Unix seconds, -1 = never. */
  expired_time: number;
  model_limits_enabled: boolean;
  /** Comma-separated model names. */
  model_limits: string;
  allow_ips: string;
  group: string;
}

/**
 * What neuradock asks of a relay account: its token resources and its money. One interface
 * for the real client (src/providers/client.ts: auth, WAF, proxies, retries) and the in-memory
 * fakes of the unit tests: the planners and apply never see sockets. Every method throws a
 * ProviderError naming the account, never with a secret in it.
 */
export interface RelayClient {
  /** Every token of the account, each as the whole object the relay sent. */
  listTokens(account: Account): Promise<RawToken[]>;
  /** One token as it is now (for a PUT of the whole object). */
  getToken(account: Account, id: number): Promise<RawToken>;
  /** Tokens named exactly `name` (the relay's search matches parts of names too). */
  findTokensByName(account: Account, name: string): Promise<RawToken[]>;
  /** POST: the relay answers with neither id nor key; find the token by name afterwards. */
  createToken(account: Account, body: TokenBody): Promise<void>;
  /** PUT the whole object: the relay zeroes every writable field the body leaves out. */
  updateToken(account: Account, token: RawToken): Promise<void>;
  /** PUT ?status_only=1: only the status changes. */
  setTokenStatus(account: Account, id: number, status: number): Promise<void>;
  deleteToken(account: Account, id: number): Promise<void>;
  /** The full key (newer relays list keys masked). */
  revealKey(account: Account, token: Pick<RawToken, "id" | "key" | "name">): Promise<ApiKey>;
  /** The account's balance and spending (docs/relay.md §2), at the relay's quota unit. */
  balance(account: Account): Promise<AccountBalance>;
  /** The relay's quota units per USD (`/api/status`), asked once per account per command. */
  quotaPerUnit(account: Account): Promise<number>;
  /** The daily check-in (docs/relay.md §5); never repeated, never throws for a relay's "no". */
  checkIn(account: Account): Promise<CheckinOutcome>;
}

/** The relay client over neuradock's HTTP transport (auth, retries, error mapping). */
export function createRelayClient(
  client: NewApiClient,
  listTokens: (account: Account) => Promise<RawToken[]>,
): RelayClient {
  const units = new Map<string, Promise<number>>();
  const quotaPerUnit = (account: Account) => {
    // Once per account (its WAF cookies and proxy are its own), only when money is shown.
    const key = `${account.id}\u0000${account.url}`;
    let unit = units.get(key);
    if (!unit) {
      unit = fetchQuotaPerUnit(client, account);
      units.set(key, unit);
    }
    return unit;
  };
  return {
    listTokens,
    balance: (account) => fetchBalance(client, account, quotaPerUnit(account)),
    checkIn: (account) => checkIn(client, account, () => quotaPerUnit(account)),
    quotaPerUnit,
    async getToken(account, id) {
      return readToken(account, await client.call(account, "GET", `/api/token/${id}`));
    },
    async findTokensByName(account, name) {
      const data = await client.call(
        account,
        "GET",
        `/api/token/search?keyword=${encodeURIComponent(name)}`,
      );
      return readPage(account, data)
        .items.map((item) => readToken(account, item))
        .filter((t) => t.name === name);
    },
    async createToken(account, body) {
      await client.call(account, "POST", "/api/token/", {
        body,
        label: `create token '${body.name}'`,
      });
    },
    async updateToken(account, token) {
      await client.call(account, "PUT", "/api/token/", {
        body: token,
        label: `update token ${token.id}`,
      });
    },
    async setTokenStatus(account, id, status) {
      await client.call(account, "PUT", "/api/token/?status_only=1", { body: { id, status } });
    },
    async deleteToken(account, id) {
      await client.call(account, "DELETE", `/api/token/${id}`);
    },
    async revealKey(account, token) {
      let raw = token.key;
      if (raw === "" || isMaskedKey(raw)) {
        const data = await client.call(account, "POST", `/api/token/${token.id}/key`, {
          label: `reveal the key of token ${token.id}`,
        });
        const key = (data as { key?: unknown } | null)?.key;
        if (typeof key !== "string" || key === "") {
          throw new ProviderError(
            account.id,
            `the relay did not reveal the key of token id ${token.id}`,
          );
        }
        raw = key;
      }
      try {
        return toApiKey(raw);
      } catch (err) {
        if (err instanceof NeuradockError) {
          throw new ProviderError(
            account.id,
            `token '${relayName(token.name)}' (id ${token.id}): the relay gave no usable key (${err.message})`,
          );
        }
        throw err;
      }
    },
  };
}
