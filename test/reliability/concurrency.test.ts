import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseToml } from "@decimalturn/toml-patch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEMO_USERS,
  demoConfigYaml,
  demoEnv,
  demoSecrets,
  type FakeGateway,
  type FakeUser,
  startFakeGateway,
} from "../support/fake-gateway/index.js";
import { CLI, type CliRun, runCli as run } from "../support/run-cli.js";

// 20 `neuradock apply -y` at once on one home: each exits 0 or fails clearly on the lock,
// and the files end valid and fully applied (a following plan has nothing to do).

const PARALLEL = 20;

const USER_SETTINGS = `{
  "model": "opus",
  "permissions": { "allow": ["Bash(ls:*)"] },
  "env": { "DISABLE_TELEMETRY": "1" }
}
`;
const USER_CONFIG = `# my codex settings
model = "gpt-5"

[projects."/home/me/src"]
trust_level = "trusted"
`;
const USER_AUTH = `{
  "auth_mode": "chatgpt",
  "tokens": { "id_token": "id-xyz", "access_token": "acc-xyz", "refresh_token": "ref-xyz" }
}
`;
const BINDINGS = `
bindings:
  claude-code:
    account: personal
    token: claude
  codex:
    account: work
    token: { id: 21 }
`;

type Run = CliRun;

let gw: FakeGateway;
let users: FakeUser[];
let home: string;

const runCli = (args: string[]): Promise<Run> => run(args, { home, env: demoEnv() });

const claudeKey = () => `sk-${users[0]!.tokens[0]!.key}`;
const codexKey = () => `sk-${users[1]!.tokens[0]!.key}`;

/** Run PARALLEL applies at once; every one exits 0, or 1 with a clear lock/stale message. */
async function applyInParallel(): Promise<Run[]> {
  const runs = await Promise.all(Array.from({ length: PARALLEL }, () => runCli(["apply", "-y"])));
  const secrets = [...demoSecrets(users), claudeKey(), codexKey()];
  for (const r of runs) {
    if (r.code !== 0) {
      expect(r.code, r.stderr).toBe(1);
      // A run that queued behind the lock says so first ("Waiting for another neuradock
      // apply…"); on a loaded machine the queue of 20 can outlast the 10 s wait, which ends
      // in the lock error. Nothing else may be said.
      const lines = r.stderr.trimEnd().split("\n");
      const last = lines.pop() ?? "";
      for (const line of lines) expect(line).toMatch(/^Waiting for another neuradock apply/);
      expect(last).toMatch(
        /^error: (another neuradock apply is running|.*changed while the plan was shown)/,
      );
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }
    for (const s of secrets) expect(r.stdout + r.stderr).not.toContain(s);
  }
  expect(runs.filter((r) => r.code === 0).length).toBeGreaterThan(0);
  return runs;
}

/** The files are valid, carry the bound keys, and keep the user's own content. */
async function expectFullyApplied(): Promise<void> {
  const settings = JSON.parse(await readFile(join(home, ".claude", "settings.json"), "utf8"));
  expect(settings.env.ANTHROPIC_AUTH_TOKEN).toBe(claudeKey());
  expect(settings.env.ANTHROPIC_BASE_URL).toBe(gw.url);
  expect(settings.env.DISABLE_TELEMETRY).toBe("1");
  expect(settings.permissions).toEqual({ allow: ["Bash(ls:*)"] });

  const auth = JSON.parse(await readFile(join(home, ".codex", "auth.json"), "utf8"));
  expect(auth.OPENAI_API_KEY).toBe(codexKey());
  expect(auth.auth_mode).toBe("apikey");
  expect(auth.tokens.refresh_token).toBe("ref-xyz");

  const configText = await readFile(join(home, ".codex", "config.toml"), "utf8");
  expect(configText.startsWith("# my codex settings\n")).toBe(true);
  const config = parseToml(configText) as Record<string, unknown>;
  expect(config.model_provider).toBe("work");
  expect(config.model).toBe("gpt-5");
  expect((config.projects as Record<string, unknown>)["/home/me/src"]).toEqual({
    trust_level: "trusted",
  });

  const ledger = JSON.parse(await readFile(join(home, "state", "ledger.json"), "utf8"));
  expect(typeof ledger).toBe("object");
  // No lock left behind, no temp file beside any target.
  expect(existsSync(join(home, "state", "apply.lock"))).toBe(false);
  expect((await readdir(join(home, ".claude"))).sort()).toEqual(["settings.json"]);
  expect((await readdir(join(home, ".codex"))).sort()).toEqual(["auth.json", "config.toml"]);

  const plan = await runCli(["plan", "--detailed-exitcode"]);
  expect(plan.code, plan.stdout + plan.stderr).toBe(0);
  expect(plan.stdout).toContain("No changes");
}

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build with \`npx tsup\` first`);
  users = structuredClone(DEMO_USERS);
  // A little latency widens the window between planning and writing.
  gw = await startFakeGateway({ users, latencyMs: 20 });
  home = await mkdtemp(join(tmpdir(), "neuradock-concurrency-"));
  await mkdir(join(home, ".claude"));
  await mkdir(join(home, ".codex"));
  await writeFile(join(home, ".claude", "settings.json"), USER_SETTINGS);
  await writeFile(join(home, ".codex", "config.toml"), USER_CONFIG);
  await writeFile(join(home, ".codex", "auth.json"), USER_AUTH, { mode: 0o600 });
  await writeFile(join(home, "neuradock.yaml"), demoConfigYaml(gw.url) + BINDINGS);
});

afterAll(async () => {
  await gw?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

describe(`${PARALLEL} parallel apply -y on one home`, () => {
  it("first bind: all exit 0 or fail on the lock; the result is fully applied", async () => {
    const runs = await applyInParallel();
    // Exactly one run did the writing; the others found nothing left to do (or gave up).
    const writers = runs.filter((r) => r.stdout.includes("Apply complete"));
    expect(writers.length).toBe(1);
    await expectFullyApplied();
  });

  it("after both keys rotate: still one writer, still fully applied", async () => {
    users[0]!.tokens[0]!.key = "RotatedClaudeRotatedClaudeRotatedClaudeRot1111";
    users[1]!.tokens[0]!.key = "RotatedCodexRotatedCodexRotatedCodexRotate2222";
    const runs = await applyInParallel();
    const writers = runs.filter((r) => r.stdout.includes("Apply complete"));
    expect(writers.length).toBe(1);
    expect(writers[0]!.stdout).toMatch(/Apply complete: 0 added, 2 changed, 0 removed\./);
    await expectFullyApplied();
  });
});
