import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type FakeGateway,
  type FakeToken,
  type FakeUser,
  startFakeGateway,
} from "../support/fake-gateway/index.js";
import { CLI, type CliRun, runCli as run } from "../support/run-cli.js";

// Relay tokens as declared resources (relay.md §4), through the built CLI and the fake gateway.
const SESSION = "relay-e2e-session-0123456789abcdef";
const ADOPTED_KEY = "AdoptedKeyAdoptedKeyAdoptedKeyAdoptedKey00000041";

let home: string;
let gw: FakeGateway;
let user: FakeUser;
let configFile: string;

const SETTINGS = () => join(home, ".claude", "settings.json");
const LEDGER = () => join(home, "state", "ledger.json");
const cli = (args: string[], stdin?: string): Promise<CliRun> =>
  run([...args, "-c", configFile], {
    home,
    env: { E2E_SESSION: SESSION },
    ...(stdin === undefined ? {} : { stdin }),
  });

function yaml(
  tokens: string,
  bindings = "  claude-code: { account: personal, token: ci-claude }\n",
) {
  return `version: 1
accounts:
  personal:
    provider: newapi
    url: ${gw.url}
    user_id: 1001
    session: \${E2E_SESSION}
${tokens ? `    tokens:\n${tokens}` : ""}bindings:
${bindings}`;
}

const CI = `      ci-claude:
        quota_usd: 20
        expires: 2099-06-30
        models: [claude-sonnet-4-5]
`;

const mutating = () => gw.state.log.filter((e) => e.method !== "GET" && !/\/key$/.test(e.path));
const named = (name: string) => user.tokens.filter((t) => t.name === name);
const key = async () => JSON.parse(await readFile(SETTINGS(), "utf8")).env.ANTHROPIC_AUTH_TOKEN;

function expectClean(r: CliRun) {
  const secrets = [SESSION, ADOPTED_KEY, ...user.tokens.map((t) => t.key)];
  for (const s of secrets) {
    expect(r.stdout).not.toContain(s);
    expect(r.stderr).not.toContain(s);
  }
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error("dist/cli.js is missing: build first");
});

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "neuradock-relay-"));
  user = {
    id: 1001,
    session: SESSION,
    tokens: [
      {
        id: 41,
        name: "shared",
        key: ADOPTED_KEY,
        remain_quota: 500_000,
        allow_ips: "10.0.0.1",
        future_field: { kept: true },
      },
    ],
  };
  gw = await startFakeGateway({ users: [user], maskKeys: true });
  configFile = join(home, "neuradock.yaml");
});

afterEach(async () => {
  await gw.close();
  await rm(home, { recursive: true, force: true });
});

describe("relay tokens as resources", () => {
  it("from an empty account: apply -y creates the token and binds its key; a second apply changes nothing", async () => {
    await writeFile(configFile, yaml(CI));
    const plan = await cli(["plan"]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain(
      "+ token personal/ci-claude ($20, expires 2099-06-30T23:59:59Z, models claude-sonnet-4-5, default group)",
    );
    expect(plan.stdout).toMatch(/\+ env\.ANTHROPIC_AUTH_TOKEN = \(known after apply\)/);
    // Relay changes come first and are counted.
    expect(plan.stdout.indexOf("relay tokens")).toBeLessThan(plan.stdout.indexOf("claude-code"));
    expect(plan.stdout).toContain("Plan: 3 to add, 0 to change, 0 to remove.");
    expect(mutating()).toEqual([]);

    const json = JSON.parse((await cli(["plan", "--json"])).stdout);
    expect(json.config).toBe(configFile);
    expect(json.relay).toEqual([
      {
        account: "personal",
        token: "ci-claude",
        action: "create",
        id: null,
        before: null,
        after: {
          quota_usd: 20,
          unlimited: false,
          expires: "2099-06-30T23:59:59Z",
          models: ["claude-sonnet-4-5"],
          group: "",
        },
      },
    ]);
    const auth = json.changes.find((c: { path: string }) => c.path === "env.ANTHROPIC_AUTH_TOKEN");
    expect(auth).toMatchObject({ after: "(known after apply)", known_after_apply: true });

    const r = await cli(["apply", "-y"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Apply complete: 3 added, 0 changed, 0 removed.");
    expectClean(r);
    const made = named("ci-claude");
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({
      remain_quota: 10_000_000,
      unlimited_quota: false,
      expired_time: Date.UTC(2099, 5, 30, 23, 59, 59) / 1000,
      model_limits_enabled: true,
      model_limits: "claude-sonnet-4-5",
      status: 1,
    });
    expect(await key()).toBe(`sk-${made[0]!.key}`);
    const ledger = await readFile(LEDGER(), "utf8");
    expect(JSON.parse(ledger).tokens.personal.managed).toEqual({
      "ci-claude": { id: made[0]!.id, origin: "created" },
    });
    expect(ledger).not.toContain(made[0]!.key);

    gw.resetLog();
    const again = await cli(["apply", "-y"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("No changes");
    expect(mutating()).toEqual([]);
    expect(named("ci-claude")).toHaveLength(1);
  });

  it("adopting an existing token changes only the declared fields (allow_ips and unknown fields survive)", async () => {
    await writeFile(
      configFile,
      yaml(
        "      shared:\n        quota_usd: 3\n",
        "  claude-code: { account: personal, token: shared }\n",
      ),
    );
    const plan = await cli(["plan"]);
    expect(plan.stdout).toContain("~ token personal/shared (id 41)");
    expect(plan.stdout).toContain("quota_usd: 1 → 3");
    expect(plan.stdout).toContain("adopted");
    const before = structuredClone(user.tokens[0]) as FakeToken;
    const r = await cli(["apply", "-y"]);
    expect(r.code).toBe(0);
    expectClean(r);
    const puts = gw.state.log.filter((e) => e.method === "PUT");
    expect(puts).toHaveLength(1);
    // The whole object went back: nothing was zeroed, unknown fields and allow_ips kept.
    expect(user.tokens[0]).toEqual({
      ...before,
      remain_quota: 1_500_000,
      expired_time: -1,
      unlimited_quota: false,
      model_limits_enabled: false,
      model_limits: "",
      group: "default",
    });
    expect(user.tokens[0]).toMatchObject({ allow_ips: "10.0.0.1", future_field: { kept: true } });
    expect(await key()).toBe(`sk-${ADOPTED_KEY}`);
    expect(JSON.parse(await readFile(LEDGER(), "utf8")).tokens.personal.managed).toEqual({
      shared: { id: 41, origin: "adopted" },
    });

    // Removed from the yaml (and unbound): released, never deleted.
    await writeFile(configFile, yaml("", ""));
    const release = await cli(["plan"]);
    expect(release.stdout).toContain("token personal/shared (id 41) released");
    gw.resetLog();
    const applied = await cli(["apply", "-y"]);
    expect(applied.code).toBe(0);
    expect(mutating()).toEqual([]);
    expect(user.tokens.map((t) => t.id)).toEqual([41]);
    expect(JSON.parse(await readFile(LEDGER(), "utf8")).tokens).toBeUndefined();
  });

  it("removing a created token deletes it after the plan shows it; while bound it fails naming both", async () => {
    await writeFile(configFile, yaml(CI));
    expect((await cli(["apply", "-y"])).code).toBe(0);
    const id = named("ci-claude")[0]!.id;

    await writeFile(configFile, yaml(""));
    const bound = await cli(["plan"]);
    expect(bound.code).toBe(1);
    expect(bound.stderr).toMatch(
      /neuradock\.yaml:\d+:\d+: bindings\.claude-code uses token 'ci-claude' of account 'personal'/,
    );

    await writeFile(configFile, yaml("", "  claude-code: { account: personal, token: shared }\n"));
    const plan = await cli(["plan"]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain(`- token personal/ci-claude (id ${id}) (neuradock created it)`);
    const no = await cli(["apply"], "no\n");
    expect(no.code).toBe(1);
    expect(named("ci-claude")).toHaveLength(1);
    const r = await cli(["apply", "-y"]);
    expect(r.code).toBe(0);
    expect(named("ci-claude")).toHaveLength(0);
    expect(await key()).toBe(`sk-${ADOPTED_KEY}`);
    // The delete came after the file write: the tool never held a deleted key.
    const del = gw.state.log.findIndex((e) => e.method === "DELETE");
    expect(del).toBeGreaterThan(-1);
  });

  it("a lost create answer: the rerun finds the token by name, exactly one exists", async () => {
    await writeFile(configFile, yaml(CI));
    gw.inject({ kind: "lose-answer", method: "POST", path: "/api/token/", times: 1 });
    gw.inject({ kind: "status", status: 503, method: "GET", path: "/api/token/search", times: 9 });
    const first = await cli(["apply", "-y"]);
    expect(first.code).toBe(1);
    expectClean(first);
    expect(named("ci-claude")).toHaveLength(1);
    expect(JSON.parse(await readFile(LEDGER(), "utf8")).tokens.personal.creating).toEqual([
      "ci-claude",
    ]);
    const plan = await cli(["plan"]);
    expect(plan.stdout).toContain("found by name");
    const second = await cli(["apply", "-y"]);
    expect(second.stderr).toBe("");
    expect(second.code).toBe(0);
    expect(named("ci-claude")).toHaveLength(1);
    expect(
      gw.state.log.filter((e) => e.method === "POST" && e.path === "/api/token/"),
    ).toHaveLength(1);
    expect(await key()).toBe(`sk-${named("ci-claude")[0]!.key}`);
  });

  it("apply --replace rotates the key: new token bound, old deleted, name kept", async () => {
    await writeFile(configFile, yaml(CI));
    expect((await cli(["apply", "-y"])).code).toBe(0);
    const old = named("ci-claude")[0]!;
    const plan = await cli(["apply", "--replace", "personal/ci-claude"], "no\n");
    expect(plan.stdout).toContain(`-/+ token personal/ci-claude (id ${old.id})`);
    expect(plan.stdout).toMatch(
      /~ env\.ANTHROPIC_AUTH_TOKEN: \(sensitive: sk-…\w{4}\) → \(known after apply\)/,
    );
    expect(plan.stdout).toContain("Plan: 1 to add, 1 to change, 1 to remove.");
    const r = await cli(["apply", "-y", "--replace", "personal/ci-claude"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const now = named("ci-claude");
    expect(now).toHaveLength(1);
    expect(now[0]!.id).not.toBe(old.id);
    expect(user.tokens.some((t) => t.id === old.id)).toBe(false);
    expect(await key()).toBe(`sk-${now[0]!.key}`);
    expect(now[0]).toMatchObject({ remain_quota: 10_000_000, model_limits: "claude-sonnet-4-5" });
    const again = await cli(["apply", "-y"]);
    expect(again.stdout).toContain("No changes");
  });

  it("a saved plan is refused as stale when a managed token changed since", async () => {
    await writeFile(configFile, yaml(CI));
    expect((await cli(["apply", "-y"])).code).toBe(0);
    await writeFile(configFile, yaml(CI.replace("quota_usd: 20", "quota_usd: 25")));
    const planFile = join(home, "p.plan");
    expect((await cli(["plan", "--out", planFile])).code).toBe(0);
    named("ci-claude")[0]!.group = "vip";
    gw.resetLog();
    const r = await cli(["apply", planFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("stale");
    expect(mutating()).toEqual([]);
    named("ci-claude")[0]!.group = "";
    const ok = await cli(["apply", planFile]);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(named("ci-claude")[0]!.remain_quota).toBe(12_500_000);
  });
});
