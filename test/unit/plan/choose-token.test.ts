import { describe, expect, it } from "vitest";
import type { TokenSelector } from "../../../src/config/types.js";
import {
  type ChooseTokenInput,
  chooseToken,
  formatUsd,
  usableBalance,
} from "../../../src/plan/choose-token.js";
import type { TokenInfo, TokenStatus } from "../../../src/providers/types.js";

const NOW = Date.parse("2026-12-03T12:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

function token(
  id: number,
  name: string,
  opts: { status?: TokenStatus; balance?: number | "unlimited"; expires?: string | null } = {},
): TokenInfo {
  const unlimited = opts.balance === "unlimited";
  return {
    id,
    name,
    status: opts.status ?? "enabled",
    balanceUsd: unlimited ? null : ((opts.balance as number | undefined) ?? 10),
    unlimited,
    usedUsd: 0,
    expires: opts.expires ?? null,
    modelLimits: [],
    group: "default",
    keyHint: "sk-…",
  };
}

const n = (name: string): TokenSelector => ({ name });
const id = (value: number): TokenSelector => ({ id: value });

interface Row {
  name: string;
  entries: TokenSelector[];
  failover?: boolean;
  min?: number;
  tokens: TokenInfo[];
  balance: number | null;
  /** The chosen token's id, or "fail". */
  chosen: number | "fail";
  /** The ids (or names when unmatched) of the skipped entries, with their reason codes. */
  skipped?: [number | string, string][];
  lowBalance?: boolean;
  usable?: number | null;
}

const A = (o: Parameters<typeof token>[2] = {}) => token(1, "a", o);
const B = (o: Parameters<typeof token>[2] = {}) => token(2, "b", o);
const C = (o: Parameters<typeof token>[2] = {}) => token(3, "c", o);

const ROWS: Row[] = [
  // limited / unlimited, capped or not by the account
  {
    name: "limited, healthy",
    entries: [n("a"), n("b")],
    tokens: [A({ balance: 5 }), B()],
    balance: 100,
    chosen: 1,
    skipped: [],
    usable: 5,
  },
  {
    name: "unlimited uses the account balance",
    entries: [n("a"), n("b")],
    tokens: [A({ balance: "unlimited" }), B()],
    balance: 3,
    chosen: 1,
    usable: 3,
  },
  {
    name: "unlimited on an empty account is skipped",
    entries: [n("a"), n("b")],
    tokens: [A({ balance: "unlimited" }), B()],
    balance: 0,
    chosen: "fail",
  },
  {
    name: "account balance below the token's caps it",
    entries: [n("a"), n("b")],
    min: 1,
    tokens: [A({ balance: 50 }), B({ balance: "unlimited" })],
    balance: 0.5,
    chosen: "fail",
    skipped: [
      [1, "low-balance"],
      [2, "low-balance"],
    ],
  },
  {
    name: "account balance below the token's, still above the minimum",
    entries: [n("a")],
    failover: true,
    min: 1,
    tokens: [A({ balance: 50 })],
    balance: 2,
    chosen: 1,
    usable: 2,
  },
  {
    name: "limited token below the minimum, unlimited fallback",
    entries: [n("a"), n("b")],
    min: 1,
    tokens: [A({ balance: 0.4 }), B({ balance: "unlimited" })],
    balance: 100,
    chosen: 2,
    skipped: [[1, "low-balance"]],
    usable: 100,
  },
  // the minimum is exclusive: a balance equal to it is not above it
  {
    name: "usable exactly at the minimum is unhealthy",
    entries: [n("a"), n("b")],
    min: 1,
    tokens: [A({ balance: 1 }), B()],
    balance: 100,
    chosen: 2,
    skipped: [[1, "low-balance"]],
  },
  {
    name: "default minimum 0: a drained limited token is skipped",
    entries: [n("a"), n("b")],
    tokens: [A({ balance: 0 }), B()],
    balance: 100,
    chosen: 2,
    skipped: [[1, "low-balance"]],
  },
  {
    name: "default minimum 0: any balance at all is healthy",
    entries: [n("a"), n("b")],
    tokens: [A({ balance: 0.000002 }), B()],
    balance: 100,
    chosen: 1,
  },
  // status
  {
    name: "disabled is skipped",
    entries: [n("a"), n("b")],
    tokens: [A({ status: "disabled" }), B()],
    balance: 100,
    chosen: 2,
    skipped: [[1, "disabled"]],
  },
  {
    name: "exhausted is skipped",
    entries: [n("a"), n("b")],
    tokens: [A({ status: "exhausted" }), B()],
    balance: 100,
    chosen: 2,
    skipped: [[1, "exhausted"]],
  },
  {
    name: "expired status is skipped",
    entries: [n("a"), n("b")],
    tokens: [A({ status: "expired" }), B()],
    balance: 100,
    chosen: 2,
    skipped: [[1, "expired"]],
  },
  {
    name: "unknown status is skipped",
    entries: [n("a"), n("b")],
    tokens: [A({ status: "unknown" }), B()],
    balance: 100,
    chosen: 2,
    skipped: [[1, "unknown-status"]],
  },
  // expiry
  {
    name: "expiry exactly now is expired",
    entries: [n("a"), n("b")],
    tokens: [A({ expires: iso(NOW) }), B()],
    balance: 100,
    chosen: 2,
    skipped: [[1, "expired"]],
  },
  {
    name: "expiry one second from now is healthy",
    entries: [n("a"), n("b")],
    tokens: [A({ expires: iso(NOW + 1000) }), B()],
    balance: 100,
    chosen: 1,
  },
  {
    name: "expiry in the past is expired",
    entries: [n("a"), n("b")],
    tokens: [A({ expires: iso(NOW - 86_400_000) }), B()],
    balance: 100,
    chosen: 2,
    skipped: [[1, "expired"]],
  },
  // missing and ambiguous entries
  {
    name: "a missing name is skipped",
    entries: [n("zz"), id(2)],
    tokens: [A(), B()],
    balance: 100,
    chosen: 2,
    skipped: [["zz", "missing"]],
  },
  {
    name: "a missing id is skipped",
    entries: [id(9), n("a")],
    tokens: [A(), B()],
    balance: 100,
    chosen: 1,
    skipped: [["{ id: 9 }", "missing"]],
  },
  {
    name: "an ambiguous name is skipped",
    entries: [n("a"), n("c")],
    tokens: [A(), token(4, "a"), C()],
    balance: 100,
    chosen: 3,
    skipped: [["a", "ambiguous"]],
  },
  // ties
  {
    name: "equal balances: declared order wins",
    entries: [n("b"), n("a")],
    tokens: [A({ balance: 5 }), B({ balance: 5 })],
    balance: 100,
    chosen: 2,
  },
  {
    name: "a richer later token does not win over a healthy earlier one",
    entries: [n("a"), n("b")],
    min: 1,
    tokens: [A({ balance: 1.5 }), B({ balance: 500 })],
    balance: 1000,
    chosen: 1,
  },
  {
    name: "the same token by name and by id: judged the same",
    entries: [n("a"), id(1), n("b")],
    tokens: [A({ status: "disabled" }), B()],
    balance: 100,
    chosen: 2,
    skipped: [
      [1, "disabled"],
      [1, "disabled"],
    ],
  },
  {
    name: "the first healthy of several unhealthy",
    entries: [n("a"), n("b"), n("c")],
    tokens: [A({ status: "disabled" }), B({ status: "exhausted" }), C()],
    balance: 100,
    chosen: 3,
    skipped: [
      [1, "disabled"],
      [2, "exhausted"],
    ],
  },
  {
    name: "all unhealthy",
    entries: [n("a"), n("b"), n("zz")],
    tokens: [A({ status: "disabled" }), B({ expires: iso(NOW) })],
    balance: 100,
    chosen: "fail",
  },
  {
    name: "a one-entry list that is unhealthy fails",
    entries: [n("a")],
    failover: true,
    tokens: [A({ balance: 0 })],
    balance: 100,
    chosen: "fail",
  },
  // a single token (not a list)
  {
    name: "single: healthy, no minimum, balance not fetched",
    entries: [n("a")],
    failover: false,
    tokens: [A({ balance: "unlimited" })],
    balance: null,
    chosen: 1,
    lowBalance: false,
    usable: null,
  },
  {
    name: "single: drained, no minimum: bound as before",
    entries: [n("a")],
    failover: false,
    tokens: [A({ balance: 0 })],
    balance: null,
    chosen: 1,
    lowBalance: false,
  },
  {
    name: "single: at the explicit minimum warns, still bound",
    entries: [n("a")],
    failover: false,
    min: 2,
    tokens: [A({ balance: 2 })],
    balance: 100,
    chosen: 1,
    lowBalance: true,
  },
  {
    name: "single: account below the explicit minimum warns",
    entries: [n("a")],
    failover: false,
    min: 2,
    tokens: [A({ balance: "unlimited" })],
    balance: 1,
    chosen: 1,
    lowBalance: true,
  },
  {
    name: "single: above the explicit minimum",
    entries: [n("a")],
    failover: false,
    min: 2,
    tokens: [A({ balance: 3 })],
    balance: 100,
    chosen: 1,
    lowBalance: false,
  },
  {
    name: "single: disabled fails",
    entries: [n("a")],
    failover: false,
    tokens: [A({ status: "disabled" })],
    balance: null,
    chosen: "fail",
  },
  {
    name: "single: exhausted fails",
    entries: [n("a")],
    failover: false,
    min: 1,
    tokens: [A({ status: "exhausted" })],
    balance: 100,
    chosen: "fail",
  },
  {
    name: "single: expired now fails",
    entries: [n("a")],
    failover: false,
    tokens: [A({ expires: iso(NOW) })],
    balance: null,
    chosen: "fail",
  },
  {
    name: "single: unknown status fails",
    entries: [n("a")],
    failover: false,
    tokens: [A({ status: "unknown" })],
    balance: null,
    chosen: "fail",
  },
  {
    name: "single: missing fails",
    entries: [n("x")],
    failover: false,
    tokens: [A()],
    balance: null,
    chosen: "fail",
  },
];

describe("chooseToken", () => {
  it.each(ROWS)("$name", (row) => {
    const input: ChooseTokenInput = {
      binding: {
        tokens: row.entries,
        failover: row.failover ?? row.entries.length > 1,
        ...(row.min !== undefined ? { minBalanceUsd: row.min } : {}),
      },
      tokens: row.tokens,
      accountBalanceUsd: row.balance,
      now: NOW,
    };
    const choice = chooseToken(input);
    if (row.chosen === "fail") {
      expect(choice.ok).toBe(false);
      if (choice.ok) return;
      if (row.skipped) {
        expect(choice.entries.map((e) => [e.token?.id, e.problem?.code])).toEqual(row.skipped);
      }
      // Every entry is judged unhealthy, and each is named with its reason.
      expect(choice.entries.every((e) => e.problem !== null)).toBe(true);
      if (input.binding.failover) expect(choice.details).toHaveLength(row.entries.length);
      return;
    }
    expect(choice.ok).toBe(true);
    if (!choice.ok) return;
    expect(choice.chosen.token?.id).toBe(row.chosen);
    expect(choice.entries).toHaveLength(row.entries.length);
    if (row.skipped) {
      expect(
        choice.skipped.map((e) => [
          e.token?.id ?? ("id" in e.entry ? `{ id: ${e.entry.id} }` : e.entry.name),
          e.problem?.code,
        ]),
      ).toEqual(row.skipped);
    }
    expect(choice.lowBalance).toBe(row.lowBalance ?? false);
    if (row.usable !== undefined) expect(choice.chosen.usableUsd).toBe(row.usable);
  });

  it("names every entry and its reason when none is healthy", () => {
    const choice = chooseToken({
      binding: { tokens: [n("a"), id(2), n("zz")], failover: true, minBalanceUsd: 1 },
      tokens: [A({ status: "disabled" }), B({ balance: 0.5 })],
      accountBalanceUsd: 100,
      now: NOW,
    });
    expect(choice.ok).toBe(false);
    if (choice.ok) return;
    expect(choice.details).toEqual([
      "'a' (id 1): disabled",
      "'b' (id 2): usable balance $0.50 is not above min_balance_usd $1.00",
      "'zz': no token of this name",
    ]);
  });

  it("says when the account's balance is what caps a token", () => {
    const choice = chooseToken({
      binding: { tokens: [n("a"), n("b")], failover: true, minBalanceUsd: 1 },
      tokens: [A({ balance: "unlimited" }), B({ balance: 5 })],
      accountBalanceUsd: 0.25,
      now: NOW,
    });
    expect(choice.ok || choice.details).toEqual([
      "'a' (id 1): usable balance $0.25 is not above min_balance_usd $1.00 (the account's balance)",
      "'b' (id 2): usable balance $0.25 is not above min_balance_usd $1.00 (the account's balance)",
    ]);
  });

  it("keeps a single token's messages as they were", () => {
    const fail = (tokens: TokenInfo[], entry: TokenSelector) => {
      const c = chooseToken({
        binding: { tokens: [entry], failover: false },
        tokens,
        accountBalanceUsd: null,
        now: NOW,
      });
      return c.ok ? "ok" : c.message;
    };
    expect(fail([A({ status: "disabled" })], n("a"))).toBe(
      "token 'a' (id 1) is disabled; enable it in the dashboard or bind another token",
    );
    expect(fail([A(), token(4, "a")], n("a"))).toMatch(/ambiguous: ids 1, 4/);
    expect(fail([A(), B()], n("aa"))).toBe(
      "no token named 'aa' — did you mean 'a'?; available: a, b",
    );
    expect(fail([A({ expires: iso(NOW - 1000) })], n("a"))).toBe(
      `token 'a' (id 1) is expired since ${iso(NOW - 1000)}; extend its expiry in the dashboard or bind another token`,
    );
  });
});

describe("usableBalance", () => {
  it.each([
    ["limited, account richer", 5, 100, 5],
    ["limited, account poorer", 5, 2, 2],
    ["unlimited", "unlimited", 7, 7],
    ["limited, balance not fetched", 5, null, 5],
    ["unlimited, balance not fetched", "unlimited", null, null],
  ] as const)("%s", (_name, balance, account, usable) => {
    expect(usableBalance(A({ balance }), account)).toBe(usable);
  });
});

describe("formatUsd", () => {
  it.each([
    [1, "$1.00"],
    [0.5, "$0.50"],
    [0.000124, "$0.000124"],
    [0, "$0.00"],
    [1234.5678, "$1234.57"],
  ])("%s → %s", (usd, text) => {
    expect(formatUsd(usd)).toBe(text);
  });
});
