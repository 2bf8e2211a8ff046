import { describe, expect, it } from "vitest";
import type { DeclaredToken } from "../../../src/config/types.js";
import { ConfigError, ProviderError, UsageError } from "../../../src/errors.js";
import { planRelay, type RelayPlanInput } from "../../../src/plan/relay-plan.js";
import type { LedgerAccountTokens } from "../../../src/plan/relay-types.js";
import type { RawToken } from "../../../src/providers/token-list.js";

/**
 * The relay planner matrix: every declared × listed × ledger case for one token name, with
 * what the plan does, who owns the token afterwards, and what a binding to it gets.
 */
const URL = "https://relay.example.com";
const POS = { file: "neuradock.yaml", line: 1, col: 1 };
const NAME = "ci";

type Declared = "absent" | "declared, equal" | "declared, differs";
type Listed = "none" | "one named" | "two named" | "managed id, renamed";
type Ledger = "unknown" | "created" | "adopted" | "create in flight";

interface Outcome {
  action: "create" | "update" | "delete" | "release" | null;
  /** The ledger after the plan (before any relay request). */
  managed: { id: number; origin: "created" | "adopted" } | null;
  binding?: "pending" | number;
}
type Cell = Outcome | { error: RegExp } | { impossible: string };

const NO_LEDGER_ID = "the relay cannot hold a managed id that the ledger does not know";

function token(id: number, name = NAME, extra: Partial<RawToken> = {}): RawToken {
  return {
    id,
    name,
    key: `key${id}`.padEnd(40, "x"),
    status: 1,
    remain_quota: 5_000_000,
    unlimited_quota: false,
    expired_time: -1,
    model_limits_enabled: false,
    model_limits: "",
    group: "default",
    allow_ips: "",
    ...extra,
  };
}

function listed(l: Listed): RawToken[] {
  switch (l) {
    case "none":
      return [token(99, "other")];
    case "one named":
      return [token(7)];
    case "two named":
      return [token(7), token(8)];
    case "managed id, renamed":
      return [token(7, "renamed-by-hand")];
  }
}

function ledgerOf(l: Ledger): LedgerAccountTokens | undefined {
  const base = { url: URL, user_id: 1, managed: {}, creating: [], replacing: {} };
  switch (l) {
    case "unknown":
      return undefined;
    case "created":
      return { ...base, managed: { [NAME]: { id: 7, origin: "created" } } };
    case "adopted":
      return { ...base, managed: { [NAME]: { id: 7, origin: "adopted" } } };
    case "create in flight":
      return { ...base, creating: [NAME] };
  }
}

function declared(d: Declared): Record<string, DeclaredToken> | undefined {
  if (d === "absent") return undefined;
  return {
    [NAME]: { account: "acct", name: NAME, quotaUsd: d === "declared, equal" ? 10 : 20, pos: POS },
  };
}

// quota_usd 10 = 5_000_000 units: "equal" matches the listed tokens.
const MATRIX: Record<Declared, Record<Listed, Record<Ledger, Cell>>> = {
  "declared, equal": {
    none: {
      unknown: { action: "create", managed: null, binding: "pending" },
      created: { action: "create", managed: null, binding: "pending" },
      adopted: { action: "create", managed: null, binding: "pending" },
      "create in flight": { action: "create", managed: null, binding: "pending" },
    },
    "one named": {
      unknown: { action: null, managed: { id: 7, origin: "adopted" }, binding: 7 },
      created: { action: null, managed: { id: 7, origin: "created" }, binding: 7 },
      adopted: { action: null, managed: { id: 7, origin: "adopted" }, binding: 7 },
      "create in flight": { action: null, managed: { id: 7, origin: "created" }, binding: 7 },
    },
    "two named": {
      unknown: { error: /2 tokens are named 'ci' \(ids 7, 8\)/ },
      created: { action: null, managed: { id: 7, origin: "created" }, binding: 7 },
      adopted: { action: null, managed: { id: 7, origin: "adopted" }, binding: 7 },
      "create in flight": { error: /ids 7, 8/ },
    },
    "managed id, renamed": {
      unknown: { impossible: NO_LEDGER_ID },
      created: { action: "update", managed: { id: 7, origin: "created" }, binding: 7 },
      adopted: { action: "update", managed: { id: 7, origin: "adopted" }, binding: 7 },
      "create in flight": { impossible: NO_LEDGER_ID },
    },
  },
  "declared, differs": {
    none: {
      unknown: { action: "create", managed: null, binding: "pending" },
      created: { action: "create", managed: null, binding: "pending" },
      adopted: { action: "create", managed: null, binding: "pending" },
      "create in flight": { action: "create", managed: null, binding: "pending" },
    },
    "one named": {
      unknown: { action: "update", managed: { id: 7, origin: "adopted" }, binding: 7 },
      created: { action: "update", managed: { id: 7, origin: "created" }, binding: 7 },
      adopted: { action: "update", managed: { id: 7, origin: "adopted" }, binding: 7 },
      "create in flight": { action: "update", managed: { id: 7, origin: "created" }, binding: 7 },
    },
    "two named": {
      unknown: { error: /ids 7, 8/ },
      created: { action: "update", managed: { id: 7, origin: "created" }, binding: 7 },
      adopted: { action: "update", managed: { id: 7, origin: "adopted" }, binding: 7 },
      "create in flight": { error: /ids 7, 8/ },
    },
    "managed id, renamed": {
      unknown: { impossible: NO_LEDGER_ID },
      created: { action: "update", managed: { id: 7, origin: "created" }, binding: 7 },
      adopted: { action: "update", managed: { id: 7, origin: "adopted" }, binding: 7 },
      "create in flight": { impossible: NO_LEDGER_ID },
    },
  },
  absent: {
    none: {
      unknown: { action: null, managed: null },
      created: { action: null, managed: null },
      adopted: { action: null, managed: null },
      "create in flight": { action: null, managed: null },
    },
    "one named": {
      unknown: { action: null, managed: null },
      created: { action: "delete", managed: { id: 7, origin: "created" } },
      adopted: { action: "release", managed: null },
      "create in flight": { action: "delete", managed: { id: 7, origin: "created" } },
    },
    "two named": {
      unknown: { action: null, managed: null },
      created: { action: "delete", managed: { id: 7, origin: "created" } },
      adopted: { action: "release", managed: null },
      "create in flight": { action: null, managed: null },
    },
    "managed id, renamed": {
      unknown: { impossible: NO_LEDGER_ID },
      created: { action: "delete", managed: { id: 7, origin: "created" } },
      adopted: { action: "release", managed: null },
      "create in flight": { impossible: NO_LEDGER_ID },
    },
  },
};

function input(d: Declared, l: Listed, g: Ledger): RelayPlanInput {
  const ledger = ledgerOf(g);
  const tokens = declared(d);
  return {
    // An account with nothing declared is still planned while the ledger knows it.
    accounts: {
      acct: { id: "acct", url: URL, userId: 1, ...(tokens ? { tokens } : { tokens: {} }) },
    },
    listed: { acct: listed(l) },
    ledger: ledger ? { acct: ledger } : {},
    replace: [],
    bindings: [],
  };
}

describe("relay planner matrix (declared × listed × ledger)", () => {
  for (const [d, byListed] of Object.entries(MATRIX) as [Declared, MATRIX_ROW][]) {
    for (const [l, byLedger] of Object.entries(byListed) as [Listed, Record<Ledger, Cell>][]) {
      for (const [g, cell] of Object.entries(byLedger) as [Ledger, Cell][]) {
        const title = `${d} × ${l} × ledger ${g}`;
        // A cell that cannot occur says why in the table; there is nothing to run for it.
        if ("impossible" in cell) continue;
        it(title, () => {
          if ("error" in cell) {
            expect(() => planRelay(input(d, l, g))).toThrow(ProviderError);
            expect(() => planRelay(input(d, l, g))).toThrow(cell.error);
            return;
          }
          const { plan, resolved } = planRelay(input(d, l, g));
          const actions = plan.changes.map((c) => c.action);
          expect(actions).toEqual(cell.action ? [cell.action] : []);
          expect(plan.ledger.acct?.managed[NAME] ?? null).toEqual(cell.managed);
          // The journal of a lost create is settled by the plan, whatever it found.
          expect(plan.ledger.acct?.creating ?? []).toEqual([]);
          const r = resolved.get(`acct/${NAME}`);
          if (cell.binding === undefined) expect(r).toBeUndefined();
          else if (cell.binding === "pending") expect(r).toEqual({ kind: "pending" });
          else expect(r).toMatchObject({ kind: "existing", token: { id: cell.binding } });
        });
      }
    }
  }
});
type MATRIX_ROW = Record<Listed, Record<Ledger, Cell>>;

describe("relay planner details", () => {
  const base = (over: Partial<DeclaredToken> = {}, list = [token(7)]): RelayPlanInput => ({
    accounts: {
      acct: {
        id: "acct",
        url: URL,
        userId: 1,
        tokens: { [NAME]: { account: "acct", name: NAME, pos: POS, ...over } },
      },
    },
    listed: { acct: list },
    ledger: {},
    replace: [],
    bindings: [],
  });

  it("an update sets only the declared fields that differ", () => {
    const { plan } = planRelay(base({ models: ["m1", "m2"], group: "default" }));
    expect(plan.changes).toHaveLength(1);
    expect(plan.changes[0]).toMatchObject({
      action: "update",
      set: { model_limits_enabled: true, model_limits: "m1,m2" },
    });
    expect(Object.keys(plan.changes[0]!.set!)).toEqual(["model_limits_enabled", "model_limits"]);
  });

  it("model limits compare as sets; omitted fields are never managed", () => {
    const listedToken = token(7, NAME, { model_limits_enabled: true, model_limits: "b,a" });
    const { plan } = planRelay(base({ models: ["a", "b"] }, [listedToken]));
    expect(plan.changes).toEqual([]);
    const bare = planRelay(base({}, [token(7, NAME, { expired_time: 123, group: "vip" })]));
    expect(bare.plan.changes).toEqual([]);
  });

  it("USD become quota units at the relay's own rate (quota_per_unit)", () => {
    const { plan } = planRelay({
      ...base({ quotaUsd: 2 }, [token(7, NAME, { remain_quota: 2_000 })]),
      quotaPerUnit: { acct: 1_000 },
    });
    expect(plan.changes).toEqual([]);
    const created = planRelay({ ...base({ quotaUsd: 3 }, []), quotaPerUnit: { acct: 1_000 } });
    expect(created.plan.changes[0]?.create?.remain_quota).toBe(3_000);
    expect(created.plan.changes[0]?.after?.quota_usd).toBe(3);
  });

  it("a create fills omitted fields with the relay's defaults", () => {
    const { plan } = planRelay(base({ models: ["m"] }, []));
    expect(plan.changes[0]?.create).toEqual({
      name: NAME,
      remain_quota: 0,
      unlimited_quota: true,
      expired_time: -1,
      model_limits_enabled: true,
      model_limits: "m",
      allow_ips: "",
      group: "",
    });
  });

  it("an exhausted token whose quota is topped up is enabled again", () => {
    const { plan } = planRelay(
      base({ quotaUsd: 1 }, [token(7, NAME, { status: 4, remain_quota: 0 })]),
    );
    expect(plan.changes[0]).toMatchObject({ action: "update", reenable: true });
  });

  it("--replace plans a replacement copying the old token, named temporarily", () => {
    const old = token(7, NAME, { allow_ips: "10.0.0.1" });
    const { plan, resolved } = planRelay({
      ...base({ quotaUsd: 20 }, [old]),
      replace: [{ account: "acct", token: NAME }],
    });
    expect(plan.changes).toHaveLength(1);
    expect(plan.changes[0]).toMatchObject({
      action: "replace",
      id: 7,
      replacement: { temp: "ci~rot", id: null },
      create: { name: "ci~rot", allow_ips: "10.0.0.1", remain_quota: 10_000_000 },
    });
    expect(resolved.get("acct/ci")).toEqual({ kind: "pending" });
  });

  it("resumes a rotation an earlier run left: replacement found by its temporary name", () => {
    const { plan } = planRelay({
      ...base({}, [token(7), token(8, "ci~rot")]),
      ledger: {
        acct: {
          url: URL,
          user_id: 1,
          managed: { ci: { id: 7, origin: "created" } },
          creating: [],
          replacing: { ci: { old: 7, temp: "ci~rot", new: null } },
        },
      },
    });
    expect(plan.changes).toMatchObject([
      { action: "replace", id: 7, replacement: { temp: "ci~rot", id: 8 } },
    ]);
    expect(plan.ledger.acct?.replacing.ci).toEqual({ old: 7, temp: "ci~rot", new: 8 });
  });

  it("finishes a rotation whose old token is gone: the replacement takes the name", () => {
    const { plan, resolved } = planRelay({
      ...base({}, [token(8, "ci~rot")]),
      ledger: {
        acct: {
          url: URL,
          user_id: 1,
          managed: { ci: { id: 7, origin: "created" } },
          creating: [],
          replacing: { ci: { old: 7, temp: "ci~rot", new: 8 } },
        },
      },
    });
    expect(plan.changes).toMatchObject([{ action: "update", id: 8, rename: true }]);
    expect(plan.ledger.acct?.managed.ci).toEqual({ id: 8, origin: "created" });
    expect(plan.ledger.acct?.replacing).toEqual({});
    expect(resolved.get("acct/ci")).toMatchObject({ kind: "existing", token: { id: 8 } });
  });

  it("temporary names stay within 30 bytes", () => {
    const long = "x".repeat(30);
    const { plan } = planRelay({
      ...base({}, [token(7, long)]),
      accounts: {
        acct: {
          id: "acct",
          url: URL,
          userId: 1,
          tokens: { [long]: { account: "acct", name: long, pos: POS } },
        },
      },
      replace: [{ account: "acct", token: long }],
    });
    expect(plan.changes[0]?.replacement?.temp).toBe(`${"x".repeat(26)}~rot`);
  });

  it("--replace of an undeclared token is a usage error", () => {
    expect(() => planRelay({ ...base(), replace: [{ account: "acct", token: "nope" }] })).toThrow(
      UsageError,
    );
  });

  it("deleting a token a binding still uses fails the plan, naming both", () => {
    const run = () =>
      planRelay({
        accounts: { acct: { id: "acct", url: URL, userId: 1, tokens: {} } },
        listed: { acct: [token(7)] },
        ledger: {
          acct: {
            url: URL,
            user_id: 1,
            managed: { ci: { id: 7, origin: "created" } },
            creating: [],
            replacing: {},
          },
        },
        replace: [],
        bindings: [
          {
            tool: "claude-code",
            account: "acct",
            selector: { name: "ci" },
            pos: { file: "neuradock.yaml", line: 12, col: 3 },
          },
        ],
      });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(/bindings\.claude-code uses token 'ci' of account 'acct'/);
    try {
      run();
    } catch (e) {
      expect((e as ConfigError).diagnostics[0]).toMatchObject({ line: 12, col: 3 });
    }
  });

  it("a ledger made for another relay or user is forgotten, never acted on", () => {
    const { plan, warnings } = planRelay({
      accounts: { acct: { id: "acct", url: "https://elsewhere.example", userId: 1, tokens: {} } },
      listed: { acct: [token(7)] },
      ledger: {
        acct: {
          url: URL,
          user_id: 1,
          managed: { ci: { id: 7, origin: "created" } },
          creating: [],
          replacing: {},
        },
      },
      replace: [],
      bindings: [],
    });
    expect(plan.changes).toEqual([]);
    expect(plan.ledger.acct?.managed).toEqual({});
    expect(warnings.map((w) => w.code)).toEqual(["relay-token"]);
  });
});
