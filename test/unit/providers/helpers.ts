import type { Account } from "../../../src/config/types.js";
import { Secret } from "../../../src/secret.js";
import type { FakeUser } from "../../support/fake-gateway/index.js";

/** An Account for a fake-gateway user, built directly (no config loading). */
export function accountFor(
  url: string,
  user: FakeUser,
  over: Partial<Omit<Account, "cookies">> & { cookies?: Record<string, string> } = {},
): Account {
  const { cookies, ...rest } = over;
  return {
    id: `acct${user.id}`,
    provider: "newapi",
    url,
    userId: user.id,
    auth: user.session
      ? { kind: "session", value: new Secret(user.session) }
      : { kind: "access_token", value: new Secret(user.accessToken ?? "") },
    cookies: Object.fromEntries(Object.entries(cookies ?? {}).map(([k, v]) => [k, new Secret(v)])),
    pos: { file: "neuradock.yaml", line: 1, col: 1 },
    ...rest,
  };
}

/** `n` tokens with distinct ids and keys. */
export function makeTokens(n: number, firstId = 1): FakeUser["tokens"] {
  return Array.from({ length: n }, (_, i) => ({
    id: firstId + i,
    name: `t${firstId + i}`,
    key: `key${String(firstId + i).padStart(5, "0")}abcdefghijklmnopqrstuvwxyz0123`,
    remain_quota: 500_000,
  }));
}

export function sessionUser(id: number, tokens: FakeUser["tokens"]): FakeUser {
  return { id, session: `sess-${id}-0123456789abcdef0123456789`, tokens };
}
