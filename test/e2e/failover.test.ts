// Self-healing bindings (relay.md §3) through the built CLI against the fake gateway: a token
// list binds its first healthy entry on every apply, and says why it skipped the others.
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type FakeGateway,
  type FakeUser,
  startFakeGateway,
} from "../support/fake-gateway/index.js";
import { type CliRun, runCli } from "../support/run-cli.js";

const ACCESS = "failover-access-token-7c1d2e3f4a5b6c7d";
const KEYS = {
  primary: "FailoverPrimaryKeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAA41",
  backup: "FailoverBackupKeyBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB42",
  spare: "FailoverSpareKeyCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC43",
  four: "FailoverFourthKeyDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD44",
  five: "FailoverFifthKeyEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE45",
} as const;
const USD = 500_000;

let home: string;
let gw: FakeGateway;
let user: FakeUser;

function makeUser(): FakeUser {
  return {
    id: 4242,
    username: "failover",
    accessToken: ACCESS,
    quota: 50 * USD,
    tokens: [
      { id: 41, name: "primary", key: KEYS.primary, remain_quota: 10 * USD },
      { id: 42, name: "backup", key: KEYS.backup, unlimited_quota: true },
      { id: 43, name: "spare", key: KEYS.spare, remain_quota: 20 * USD },
      { id: 44, name: "four", key: KEYS.four, remain_quota: 20 * USD },
      { id: 45, name: "five", key: KEYS.five, remain_quota: 20 * USD },
    ],
  };
}

const token = (id: number) => user.tokens.find((t) => t.id === id)!;
const settingsPath = () => join(home, ".claude", "settings.json");
const authPath = () => join(home, ".codex", "auth.json");

async function writeConfig(claude: string[], codex: string[] = []): Promise<void> {
  const lines = [
    "version: 1",
    "accounts:",
    "  relay:",
    "    provider: newapi",
    `    url: ${gw.url}`,
    "    user_id: 4242",
    "    access_token: ${FAILOVER_ACCESS}",
    "bindings:",
    "  claude-code:",
    "    account: relay",
    ...claude.map((l) => `    ${l}`),
  ];
  if (codex.length > 0)
    lines.push("  codex:", "    account: relay", ...codex.map((l) => `    ${l}`));
  await writeFile(join(home, "neuradock.yaml"), `${lines.join("\n")}\n`);
}

const LIST = ["token: [primary, backup, { id: 43 }]", "min_balance_usd: 1"];

async function cli(...args: string[]): Promise<CliRun> {
  const run = await runCli(args, { home, env: { FAILOVER_ACCESS: ACCESS } });
  // Whatever happens, no key and no credential is ever printed.
  for (const secret of [...Object.values(KEYS), ACCESS]) {
    expect(`${run.stdout}${run.stderr}`).not.toContain(secret);
  }
  return run;
}

async function boundClaudeKey(): Promise<string | undefined> {
  const settings = JSON.parse(await readFile(settingsPath(), "utf8"));
  return settings.env?.ANTHROPIC_AUTH_TOKEN;
}

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "neuradock-failover-"));
  user = makeUser();
  gw = await startFakeGateway({ users: [user] });
});
afterEach(async () => {
  await gw.close();
  await rm(home, { recursive: true, force: true });
});

describe("a failover list", () => {
  it("moves to the next healthy token when the first drops below the minimum, and back when it recovers", async () => {
    await writeConfig(LIST);
    expect((await cli("apply", "-y")).code).toBe(0);
    expect(await boundClaudeKey()).toBe(`sk-${KEYS.primary}`);
    expect((await cli("plan", "--detailed-exitcode")).code).toBe(0);

    token(41).remain_quota = 0.5 * USD;
    const plan = await cli("plan", "--detailed-exitcode");
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain(
      "failover (claude-code): token 'primary' (id 41) of account 'relay' skipped (usable balance $0.50 is not above min_balance_usd $1.00); bound 'backup' (id 42) instead (entry 2 of 3)",
    );
    const json = JSON.parse((await cli("plan", "--json")).stdout);
    expect(json.token_choices).toEqual([
      {
        tool: "claude-code",
        account: "relay",
        chosen: { id: 42, name: "backup", usable_usd: 50 },
        skipped: [
          {
            entry: "'primary' (id 41)",
            id: 41,
            name: "primary",
            reason: "usable balance $0.50 is not above min_balance_usd $1.00",
          },
        ],
      },
    ]);
    expect(json.warnings.map((w: { code: string }) => w.code)).toEqual(["failover"]);

    expect((await cli("apply", "-y")).code).toBe(0);
    expect(await boundClaudeKey()).toBe(`sk-${KEYS.backup}`);
    // Settled: the same choice again is no change.
    expect((await cli("plan", "--detailed-exitcode")).code).toBe(0);

    // A check-in later, the first entry is healthy again: declared order is priority.
    token(41).remain_quota = 5 * USD;
    expect((await cli("plan", "--detailed-exitcode")).code).toBe(2);
    expect((await cli("apply", "-y")).code).toBe(0);
    expect(await boundClaudeKey()).toBe(`sk-${KEYS.primary}`);
  });

  it("skips disabled, expired and missing entries, each with its reason", async () => {
    await writeConfig(["token: [gone, primary, backup, spare]"]);
    token(41).status = 2;
    token(42).expired_time = Math.floor(Date.now() / 1000) - 60;
    const run = await cli("apply", "-y");
    expect(run.code).toBe(0);
    expect(await boundClaudeKey()).toBe(`sk-${KEYS.spare}`);
    const warnings = run.stdout.split("\n").filter((l) => l.includes("failover (claude-code)"));
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toContain(
      "token 'gone' of account 'relay' skipped (no token of this name)",
    );
    expect(warnings[1]).toContain("'primary' (id 41) of account 'relay' skipped (disabled)");
    expect(warnings[2]).toMatch(
      /'backup' \(id 42\) of account 'relay' skipped \(expired \(20\d\d-/,
    );
  });

  it("fails with every entry and its reason when none is healthy, and writes nothing", async () => {
    await writeConfig(LIST, ["token: [{ id: 44 }, five]"]);
    expect((await cli("apply", "-y")).code).toBe(0);
    const files = [settingsPath(), authPath(), join(home, ".codex", "config.toml")];
    const before = await Promise.all(files.map((f) => readFile(f)));
    const ledgerBefore = await readFile(join(home, "state", "ledger.json"));

    // The account itself runs dry: every token's usable balance is the account's $0.
    user.quota = 0;
    for (const args of [["plan"], ["plan", "--detailed-exitcode"], ["apply", "-y"]]) {
      const run = await cli(...args);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr).toContain("2 relay requests failed:");
      expect(run.stderr).toContain(
        "account 'relay': claude-code: no token of the list is healthy; the tool keeps the token it has:",
      );
      for (const line of [
        "'primary' (id 41): usable balance $0.00 is not above min_balance_usd $1.00 (the account's balance)",
        "'backup' (id 42): usable balance $0.00 is not above min_balance_usd $1.00 (the account's balance)",
        "'spare' (id 43): usable balance $0.00 is not above min_balance_usd $1.00 (the account's balance)",
        "account 'relay': codex: no token of the list is healthy; the tool keeps the token it has:",
        "'four' (id 44): usable balance $0.00 is not above min_balance_usd $0.00 (the account's balance)",
      ]) {
        expect(run.stderr).toContain(line);
      }
    }
    const after = await Promise.all(files.map((f) => readFile(f)));
    expect(after.map((bytes, i) => bytes.equals(before[i]!))).toEqual([true, true, true]);
    expect((await readFile(join(home, "state", "ledger.json"))).equals(ledgerBefore)).toBe(true);
  });
});

describe("tokens", () => {
  it("marks per binding the chosen token and the unhealthy ones (human and JSON)", async () => {
    await writeConfig(LIST, ["token: spare"]);
    token(41).status = 2;
    const json = JSON.parse((await cli("tokens", "--json")).stdout);
    expect(json.accounts[0].bindings).toEqual([
      {
        tool: "claude-code",
        chosen: { id: 42, name: "backup" },
        unhealthy: [{ entry: "'primary' (id 41)", id: 41, name: "primary", reason: "disabled" }],
      },
      { tool: "codex", chosen: { id: 43, name: "spare" }, unhealthy: [] },
    ]);
    const human = await cli("tokens", "--refresh");
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(
      "  claude-code → 'backup' (id 42)\n    ✗ 'primary' (id 41): disabled\n",
    );
    expect(human.stdout).toContain("  codex → 'spare' (id 43)\n");

    user.quota = 0;
    const dry = JSON.parse((await cli("tokens", "--json", "--refresh")).stdout);
    expect(dry.accounts[0].bindings[0].chosen).toBeNull();
    expect(dry.accounts[0].bindings[0].unhealthy).toHaveLength(3);
    expect((await cli("tokens", "--refresh")).stdout).toContain(
      "  claude-code → no healthy token\n",
    );
  });
});

describe("a single token", () => {
  it("at or below an explicit minimum is bound, with a low-balance warning", async () => {
    await writeConfig(["token: primary", "min_balance_usd: 10"]);
    const run = await cli("apply", "-y");
    expect(run.code).toBe(0);
    expect(await boundClaudeKey()).toBe(`sk-${KEYS.primary}`);
    expect(run.stdout).toContain(
      "low-balance (claude-code): token 'primary' (id 41) of account 'relay' has a usable balance of $10.00, not above min_balance_usd $10.00; bound anyway",
    );
    const json = JSON.parse((await cli("plan", "--json")).stdout);
    expect(json.warnings.map((w: { code: string }) => w.code)).toEqual(["low-balance"]);
    expect(json.token_choices[0].chosen).toEqual({ id: 41, name: "primary", usable_usd: 10 });
  });

  it("that is disabled fails as before, naming it", async () => {
    await writeConfig(["token: primary", "min_balance_usd: 1"]);
    token(41).status = 2;
    const run = await cli("plan");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "account 'relay': token 'primary' (id 41) is disabled; enable it in the dashboard or bind another token",
    );
  });
});

describe("what a plan costs", () => {
  // One listing and one balance per account (the balance in the relay's own money unit).
  const BALANCED = { "GET /api/token/": 1, "GET /api/user/self": 1, "GET /api/status": 1 };

  async function planRequests(mask: boolean): Promise<Record<string, number>> {
    gw.state.maskKeys = mask;
    gw.resetLog();
    const run = await cli("plan", "--json");
    expect(run.code, run.stderr).toBe(0);
    const counts: Record<string, number> = {};
    for (const r of gw.state.log)
      counts[`${r.method} ${r.path}`] = (counts[`${r.method} ${r.path}`] ?? 0) + 1;
    return counts;
  }

  it("a 5-token list costs what one token does: one listing and one balance per account", async () => {
    // The first four are unhealthy, so the whole list is judged.
    for (const id of [41, 42, 43, 44]) token(id).status = 2;
    await writeConfig(["token: [primary, backup, spare, { id: 44 }, five]", "min_balance_usd: 1"]);
    const five = await planRequests(false);
    await writeConfig(["token: five", "min_balance_usd: 1"]);
    const one = await planRequests(false);
    expect(five).toEqual(BALANCED);
    expect(one).toEqual(five);

    // Masked keys: only the chosen token's key is revealed.
    await writeConfig(["token: [primary, backup, spare, { id: 44 }, five]", "min_balance_usd: 1"]);
    expect(await planRequests(true)).toEqual({
      ...BALANCED,
      "POST /api/token/45/key": 1,
    });
  });

  it("two failover bindings on one account share its listing and balance", async () => {
    await writeConfig(LIST, ["token: [spare, five]", "min_balance_usd: 1"]);
    expect(await planRequests(false)).toEqual(BALANCED);
  });

  it("a plain single token fetches no balance", async () => {
    await writeConfig(["token: primary"]);
    expect(await planRequests(false)).toEqual({ "GET /api/token/": 1 });
  });
});

describe("apply -y on a timer", () => {
  // 21 runs of the CLI: a generous guard against a hang on a loaded machine, not a target.
  it("always binds the first healthy token, and writes nothing when nothing changed", {
    timeout: 300_000,
  }, async () => {
    const claudeList = [41, 42, 43];
    const codexList = [43, 44];
    await writeConfig(
      ["token: [primary, backup, { id: 43 }]", "min_balance_usd: 1"],
      ["token: [{ id: 43 }, four]", "min_balance_usd: 2"],
    );
    const files = [settingsPath(), authPath(), join(home, ".codex", "config.toml")];
    // A seeded script of what happens to the account between two runs of the timer.
    let seed = 12345;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const events: (() => void)[] = [
      () => {}, // nothing happened
      () => {}, // nothing happened
      () => {
        token(41 + random(4)).remain_quota = random(3) * USD + random(2) * 0.5 * USD;
      },
      () => {
        token(41 + random(4)).status = random(3) === 0 ? 2 : 1;
      },
      () => {
        user.quota = [0.5, 1.5, 3, 100][random(4)]! * USD;
      },
      () => {
        const t = token(41 + random(4));
        t.expired_time = random(2) === 0 ? Math.floor(Date.now() / 1000) - 10 : -1;
      },
      () => {
        // A check-in: everything healthy again.
        user.quota = 100 * USD;
        for (const t of user.tokens) {
          t.status = 1;
          t.expired_time = -1;
          if (!t.unlimited_quota) t.remain_quota = 10 * USD;
        }
      },
    ];
    const healthy = (id: number, min: number) => {
      const t = token(id);
      const expired =
        t.expired_time !== undefined &&
        t.expired_time !== -1 &&
        t.expired_time * 1000 <= Date.now();
      const usable = t.unlimited_quota ? user.quota! : Math.min(t.remain_quota ?? 0, user.quota!);
      return (t.status ?? 1) === 1 && !expired && usable / USD > min;
    };
    const firstHealthy = (ids: number[], min: number) => ids.find((id) => healthy(id, min));
    const keyOf = (id: number) => `sk-${user.tokens.find((t) => t.id === id)!.key}`;

    expect((await cli("apply", "-y")).code).toBe(0);
    let expected = { claude: firstHealthy(claudeList, 1), codex: firstHealthy(codexList, 2) };
    expect(expected).toEqual({ claude: 41, codex: 43 });
    const outcomes = { applied: 0, unchanged: 0, failed: 0 };
    for (let i = 0; i < 20; i++) {
      events[random(events.length)]!();
      const want = { claude: firstHealthy(claudeList, 1), codex: firstHealthy(codexList, 2) };
      const before = await snapshot(files);
      const run = await cli("apply", "-y");
      if (want.claude === undefined || want.codex === undefined) {
        // Nothing healthy for one tool: the run fails and the tools keep what they had.
        expect(run.code, `run ${i}: ${run.stderr}`).toBe(1);
        expect(await snapshot(files), `run ${i}`).toEqual(before);
        outcomes.failed++;
        continue;
      }
      expect(run.code, `run ${i}: ${run.stderr}`).toBe(0);
      const settings = JSON.parse(await readFile(settingsPath(), "utf8"));
      const auth = JSON.parse(await readFile(authPath(), "utf8"));
      expect(settings.env.ANTHROPIC_AUTH_TOKEN, `run ${i}`).toBe(keyOf(want.claude));
      expect(auth.OPENAI_API_KEY, `run ${i}`).toBe(keyOf(want.codex));
      expect(await readFile(join(home, ".codex", "config.toml"), "utf8")).toContain(
        'model_provider = "relay"',
      );
      if (want.claude === expected.claude && want.codex === expected.codex) {
        // Same choice as last time: not a byte written, not even a touch.
        expect(run.stdout, `run ${i}`).toContain("No changes.");
        expect(await snapshot(files), `run ${i}`).toEqual(before);
        outcomes.unchanged++;
      } else {
        outcomes.applied++;
      }
      expected = want;
    }
    // The script exercised every outcome.
    expect(outcomes.applied).toBeGreaterThan(1);
    expect(outcomes.unchanged).toBeGreaterThan(1);
    expect(outcomes.failed).toBeGreaterThan(0);
  });
});

async function snapshot(
  files: string[],
): Promise<{ file: string; mtimeMs: number; text: string }[]> {
  return Promise.all(
    files.map(async (file) => ({
      file,
      mtimeMs: (await stat(file)).mtimeMs,
      text: await readFile(file, "utf8"),
    })),
  );
}
