import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  DEMO_USERS,
  demoConfigYaml,
  demoEnv,
  demoSecrets,
  type FakeGateway,
  type FakeGatewayOptions,
  startFakeGateway,
} from "../support/fake-gateway/index.js";
import { CLI, type CliRun, runCli as run } from "../support/run-cli.js";

const WAF = { acw_tc: "waf-tc-e2e-0123456789", acw_sc__v2: "waf-v2-e2e-0123456789" };

type Run = CliRun;

let home: string;
let gw: FakeGateway | undefined;
const transcript: string[] = [];

/** Every run's output is kept: a final test scans it all for secrets. */
async function runCli(args: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  const r = await run(args, { home, env: { ...demoEnv(), ...extraEnv } });
  transcript.push(r.stdout, r.stderr);
  return r;
}

async function startWith(opts: Partial<FakeGatewayOptions> = {}): Promise<string> {
  gw = await startFakeGateway({ users: structuredClone(DEMO_USERS), ...opts });
  const file = join(home, "neuradock.yaml");
  await writeFile(file, demoConfigYaml(gw.url));
  return file;
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error("dist/cli.js is missing: build with `npx tsup` first");
});

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "neuradock-tokens-"));
});

afterEach(async () => {
  await gw?.close();
  gw = undefined;
  await rm(home, { recursive: true, force: true });
});

describe("neuradock tokens", () => {
  it("prints the --json contract for every account", async () => {
    const file = await startWith();
    const r = await runCli(["tokens", "--json", "-c", file]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.accounts.map((a: { account: string }) => a.account)).toEqual([
      "personal",
      "work",
      "relay",
    ]);
    const personal = out.accounts[0];
    expect(personal.provider).toBe("newapi");
    expect(personal.fetched_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // relay.md §2: quota 25,000,000 at 500,000 per USD; used = the tokens' used quota.
    expect(personal.balance_usd).toBe(50);
    expect(personal.used_usd).toBe(2.25);
    const claude = personal.tokens.find((t: { id: number }) => t.id === 11);
    expect(claude).toEqual({
      id: 11,
      name: "claude",
      status: "enabled",
      balance_usd: 5,
      usable_usd: 5,
      unlimited: false,
      used_usd: 0.25,
      expires: null,
      model_limits: [],
      group: "default",
      key_hint: "sk-AbCd…1111",
    });
    const codex = personal.tokens.find((t: { id: number }) => t.id === 12);
    expect(codex.balance_usd).toBeNull();
    expect(codex.usable_usd).toBe(50);
    expect(codex.unlimited).toBe(true);
    expect(codex.model_limits).toEqual(["gpt-5", "gpt-5-codex"]);
    const old = personal.tokens.find((t: { id: number }) => t.id === 13);
    expect(old.status).toBe("disabled");
    expect(old.expires).toBe("2025-01-01T00:00:00Z");
  });

  it("shows one account when named, and suggests the nearest for a typo", async () => {
    const file = await startWith();
    const one = await runCli(["tokens", "work", "--json", "-c", file]);
    expect(one.code).toBe(0);
    expect(JSON.parse(one.stdout).accounts.map((a: { account: string }) => a.account)).toEqual([
      "work",
    ]);
    const typo = await runCli(["tokens", "persnal", "-c", file]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/unknown account 'persnal'.*did you mean 'personal'/);
  });

  it("prints a table with balance, status, limits, expiry, key hint and age", async () => {
    const file = await startWith();
    const r = await runCli(["tokens", "-c", file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /personal .*fetched just now\n {2}account balance \$50\.00, used \$2\.25\n/,
    );
    expect(r.stdout).toMatch(/ID\s+NAME\s+BALANCE\s+USABLE\s+USED\s+STATUS/);
    expect(r.stdout).toMatch(
      /11\s+claude\s+\$5\.00\s+\$5\.00\s+\$0\.25\s+enabled\s+all models\s+never\s+sk-AbCd…1111/,
    );
    expect(r.stdout).toMatch(
      /12\s+codex\s+unlimited\s+\$50\.00\s+\$2\.00\s+enabled\s+gpt-5,gpt-5-codex/,
    );
    expect(r.stdout).toMatch(
      /13\s+old\s+\$0\.00\s+\$0\.00\s+\$0\.00\s+disabled\s+all models\s+2025-01-01/,
    );
    expect(r.stdout).not.toContain("\x1b[");
    expect(r.stderr).toBe("");
  });

  it("caches metadata for an hour in 0600 files, without keys; --refresh bypasses it", async () => {
    const file = await startWith();
    expect((await runCli(["tokens", "--json", "-c", file])).code).toBe(0);
    const first = gw!.state.log.length;
    expect(first).toBeGreaterThanOrEqual(3);

    const again = await runCli(["tokens", "--json", "-c", file]);
    expect(again.code).toBe(0);
    expect(gw!.state.log.length).toBe(first);
    expect(JSON.parse(again.stdout).accounts).toHaveLength(3);
    const human = await runCli(["tokens", "-c", file]);
    expect(human.stdout).toMatch(/cached, fetched just now/);

    const cacheDir = join(home, "state", "cache");
    expect((await stat(cacheDir)).mode & 0o777).toBe(0o700);
    const files = await readdir(cacheDir);
    expect(files.sort()).toEqual(["tokens-personal.json", "tokens-relay.json", "tokens-work.json"]);
    for (const f of files) {
      expect((await stat(join(cacheDir, f))).mode & 0o777).toBe(0o600);
      const text = await readFile(join(cacheDir, f), "utf8");
      for (const s of demoSecrets()) expect(text).not.toContain(s);
    }

    expect((await runCli(["tokens", "--json", "--refresh", "-c", file])).code).toBe(0);
    expect(gw!.state.log.length).toBe(first * 2);
  });

  it("ignores the cache when the account points elsewhere", async () => {
    const file = await startWith();
    await runCli(["tokens", "--json", "-c", file]);
    await writeFile(file, demoConfigYaml(gw!.url).replace("user_id: 1001", "user_id: 1002"));
    const r = await runCli(["tokens", "personal", "--json", "-c", file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/account 'personal'.*401/);
  });

  it("never reveals keys: masked listings stay masked and nothing is POSTed", async () => {
    const file = await startWith({ maskKeys: true });
    const r = await runCli(["tokens", "--json", "-c", file]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).accounts[0].tokens[0].key_hint).toMatch(/^sk-\w{4}…\w{4}$/);
    expect(gw!.state.log.some((e) => e.method === "POST")).toBe(false);
  });

  it("shows the accounts it could read and fails naming the one it could not", async () => {
    const file = await startWith();
    const r = await runCli(["tokens", "--json", "-c", file], {
      DEMO_WORK_ACCESS_TOKEN: "revoked-access-token-value",
    });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).accounts.map((a: { account: string }) => a.account)).toEqual([
      "personal",
      "relay",
    ]);
    expect(r.stderr).toMatch(/account 'work'.*401.*access_token/);
    expect(r.stderr).not.toContain("revoked-access-token-value");
    const errors = JSON.parse(r.stdout).errors as { account: string; message: string }[];
    expect(errors.map((e) => e.account)).toEqual(["work"]);
    expect(errors[0]!.message).toMatch(/401/);
    expect(r.stdout).not.toContain("revoked-access-token-value");
  });

  it("`tokens ACCOUNT` needs only that account's variables", async () => {
    const file = await startWith();
    const text = await readFile(file, "utf8");
    await writeFile(file, text.replace("${DEMO_WORK_ACCESS_TOKEN}", "${NOT_EXPORTED_TOKEN}"));
    const one = await runCli(["tokens", "personal", "--json", "-c", file]);
    expect(one.stderr).toBe("");
    expect(one.code).toBe(0);
    expect(JSON.parse(one.stdout).accounts.map((a: { account: string }) => a.account)).toEqual([
      "personal",
    ]);
    const other = await runCli(["tokens", "work", "-c", file]);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain("NOT_EXPORTED_TOKEN");
  });

  it("explains a WAF challenge page", async () => {
    const file = await startWith({ waf: WAF });
    const r = await runCli(["tokens", "personal", "-c", file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/WAF/);
    expect(r.stderr).toContain("cookies:");
  });

  it("times out a hanging relay per NEURADOCK_HTTP_TIMEOUT_MS", async () => {
    const file = await startWith({ faults: [{ kind: "hang", times: 3, path: "/api/token/" }] });
    const r = await runCli(["tokens", "personal", "-c", file], {
      NEURADOCK_HTTP_TIMEOUT_MS: "300",
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/timed out.*3 attempts/);
    expect(gw!.state.log.filter((e) => e.path.startsWith("/api/token/"))).toHaveLength(3);
  });

  it("--timeout SECONDS sets the per-request timeout, over NEURADOCK_HTTP_TIMEOUT_MS", async () => {
    const file = await startWith({ faults: [{ kind: "hang", times: 3, path: "/api/token/" }] });
    const r = await runCli(["tokens", "personal", "--timeout", "0.3", "-c", file], {
      NEURADOCK_HTTP_TIMEOUT_MS: "600000",
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/timed out.*3 attempts/);
    const bad = await runCli(["plan", "--timeout", "soon", "-c", file]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--timeout.*positive number of seconds/);
  });

  it("fetches all accounts concurrently", async () => {
    const file = await startWith({ latencyMs: 300 });
    const r = await runCli(["tokens", "--json", "-c", file]);
    expect(r.code).toBe(0);
    expect(gw!.state.maxInFlight).toBeGreaterThanOrEqual(3);
  });
});

afterAll(() => {
  // Every byte the CLI printed in this file, scanned for every secret of the fake gateway.
  const all = transcript.join("\n");
  expect(all.length).toBeGreaterThan(0);
  for (const s of [...demoSecrets(), ...Object.values(WAF)]) expect(all).not.toContain(s);
});
