import type { Account, TokenSelector } from "../../src/config/types.js";
import { toApiKey } from "../../src/providers/api-key.js";
import type { ResolvedToken, TokenInfo, TokenSource } from "../../src/providers/types.js";

/**
 * A TokenSource whose accounts each hold the tokens `names` (ids 1, 2, …; enabled, $1 left,
 * an account balance of $100), with keys of the test's choosing by token name: for suites
 * about files and plans, not about the relay.
 */
export function stubTokenSource(
  keyOf: (name: string) => string,
  names: readonly string[] = ["claude", "codex"],
): TokenSource {
  const infoOf = (name: string, id: number): TokenInfo => ({
    id,
    name,
    status: "enabled",
    balanceUsd: 1,
    unlimited: false,
    usedUsd: 0,
    expires: null,
    modelLimits: [],
    group: "default",
    keyHint: "sk-…",
  });
  const tokens = names.map((name, i) => infoOf(name, i + 1));
  const resolveToken = async (
    account: Account,
    selector: TokenSelector,
  ): Promise<ResolvedToken> => {
    const name = "name" in selector ? selector.name : `id${selector.id}`;
    return {
      account: account.id,
      key: toApiKey(keyOf(name)),
      info: infoOf(name, "id" in selector ? selector.id : 1),
    };
  };
  return {
    resolveToken,
    listTokens: async (account, options = {}) => ({
      account: account.id,
      provider: account.provider,
      fetchedAt: "2026-01-01T00:00:00Z",
      tokens,
      ...(options.balance ? { balance: { balanceUsd: 100, usedUsd: 0 } } : {}),
    }),
    tokenKey: async (_account, id) => toApiKey(keyOf(tokens.find((t) => t.id === id)?.name ?? "")),
  };
}
