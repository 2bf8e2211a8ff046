import type { Account, TokenSelector } from "../../src/config/types.js";
import { toApiKey } from "../../src/providers/api-key.js";
import type { ResolvedToken, TokenSource } from "../../src/providers/types.js";

/**
 * A TokenSource that resolves every binding to a key of the test's choosing, by token name
 * (`id<N>` for `{ id: N }`): for suites about files and plans, not about the relay.
 */
export function stubTokenSource(keyOf: (name: string) => string): TokenSource {
  const resolveToken = async (
    account: Account,
    selector: TokenSelector,
  ): Promise<ResolvedToken> => {
    const name = "name" in selector ? selector.name : `id${selector.id}`;
    return {
      account: account.id,
      key: toApiKey(keyOf(name)),
      info: {
        id: "id" in selector ? selector.id : 1,
        name,
        status: "enabled",
        balanceUsd: 1,
        unlimited: false,
        usedUsd: 0,
        expires: null,
        modelLimits: [],
        group: "default",
        keyHint: "sk-…",
      },
    };
  };
  return {
    resolveToken,
    listTokens: async () => {
      throw new Error("not used");
    },
  };
}
