import { cp, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parsePlanFile } from "../../src/plan/plan-file.js";
import {
  DEMO_USERS,
  demoConfigYaml,
  demoEnv,
  demoSecrets,
  type FakeGateway,
  startFakeGateway,
} from "../support/fake-gateway/index.js";
import { type CliRun, runCli as run } from "../support/run-cli.js";

const FIXTURE_HOME = resolve("test/fixtures/homes/realistic");
const OWNED = new Set([
  "env.ANTHROPIC_AUTH_TOKEN",
  "env.ANTHROPIC_BASE_URL",
  "env.ANTHROPIC_API_KEY",
  "OPENAI_API_KEY",
  "auth_mode",
  "model_provider",
  "model_providers.work.name",
  "model_providers.work.base_url",
  "model_providers.work.wire_api",
  "model_providers.work.requires_openai_auth",
]);

let gw: FakeGateway;
let home: string;

type Run = CliRun;

const runCli = (args: string[]): Promise<Run> => run(args, { home, env: demoEnv() });

const readHomeFile = (p: string) => readFile(join(home, p), "utf8");
const FILES = [".claude/settings.json", ".codex/config.toml", ".codex/auth.json"];

beforeAll(async () => {
  gw = await startFakeGateway({ users: structuredClone(DEMO_USERS) });
});
afterAll(async () => {
  await gw.close();
});

beforeEach(async () => {
  if (home) await rm(home, { recursive: true, force: true });
  home = await mkdtemp(join(tmpdir(), "neuradock-plan-e2e-"));
  await cp(FIXTURE_HOME, home, { recursive: true });
  const yaml = `${demoConfigYaml(gw.url)}
bindings:
  claude-code:
    account: personal
    token: claude
  codex:
    account: work
    token: { id: 21 }
`;
  await writeFile(join(home, "neuradock.yaml"), yaml);
});

describe("neuradock plan (built CLI, fake gateway, fixture home)", () => {
  it("plans only owned paths, writes nothing, and prints no secret", async () => {
    const before = await Promise.all(FILES.map(readHomeFile));
    const run = await runCli(["plan"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("+ env.ANTHROPIC_AUTH_TOKEN = (sensitive: sk-…1111)");
    expect(run.stdout).toContain("- env.ANTHROPIC_API_KEY");
    expect(run.stdout).toMatch(/Plan: \d+ to add, \d+ to change, \d+ to remove\./);
    for (const secret of [...demoSecrets(), "sk-ant-api03-userownkeyAAAABBBBCCCCDDDD"]) {
      expect(run.stdout).not.toContain(secret);
    }
    expect(await Promise.all(FILES.map(readHomeFile))).toEqual(before);
  });

  it("--json prints the plan JSON; every change is an owned path", async () => {
    const run = await runCli(["plan", "--json"]);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.format_version).toBe("1");
    expect(json.changes.length).toBeGreaterThan(0);
    for (const change of json.changes) expect(OWNED).toContain(change.path);
    expect(Object.keys(json.basis).sort()).toEqual(FILES.map((f) => join(home, f)).sort());
    const base = json.changes.find(
      (c: { path: string }) => c.path === "model_providers.work.base_url",
    );
    expect(base.after).toBe(`${gw.url}/v1`);
  });

  it("--detailed-exitcode exits 2 when there are changes", async () => {
    expect((await runCli(["plan", "--detailed-exitcode"])).code).toBe(2);
  });

  it("--out saves a 0600 plan file that apply can read; --target limits the tools", async () => {
    const run = await runCli(["plan", "--out", "saved.plan", "--target", "codex"]);
    expect(run.code).toBe(0);
    const file = join(home, "saved.plan");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const plan = parsePlanFile(await readFile(file, "utf8"), file);
    expect(plan.tools).toEqual(["codex"]);
    expect(plan.files.map((f) => f.tool)).toEqual(["codex", "codex"]);
  });

  it("needs only the variables of the accounts the (targeted) bindings use", async () => {
    const { DEMO_WORK_ACCESS_TOKEN } = demoEnv() as Record<string, string>;
    const onlyWork = { DEMO_WORK_ACCESS_TOKEN: DEMO_WORK_ACCESS_TOKEN as string };
    const codex = await run(["plan", "--target", "codex"], { home, env: onlyWork });
    expect(codex.stderr).toBe("");
    expect(codex.code).toBe(0);
    expect(codex.stdout).toMatch(/[+~] OPENAI_API_KEY/);
    // Unbound `relay` never matters; bound `personal` does once claude-code is in scope.
    const all = await run(["plan"], { home, env: onlyWork });
    expect(all.code).toBe(1);
    expect(all.stderr).toContain("DEMO_PERSONAL_SESSION");
    expect(all.stderr).not.toContain("DEMO_RELAY_ACCESS_TOKEN");
  });

  it("a broken settings.json is an error naming file:line:col, exit 1", async () => {
    await writeFile(join(home, ".claude/settings.json"), '{\n  "model": "opus",\n}\n');
    const run = await runCli(["plan"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${join(home, ".claude/settings.json")}:3:1: invalid JSON`);
    expect(run.stdout).toBe("");
  });
});
