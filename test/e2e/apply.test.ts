import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  DEMO_USERS,
  demoConfigYaml,
  demoEnv,
  demoSecrets,
  type FakeGateway,
  startFakeGateway,
} from "../support/fake-gateway/index.js";
import { CLI, type CliRun, runCli as run } from "../support/run-cli.js";

type Run = CliRun;

let home: string;
let gw: FakeGateway | undefined;
let configFile: string;

const SETTINGS = () => join(home, ".claude", "settings.json");
const AUTH = () => join(home, ".codex", "auth.json");
const CONFIG = () => join(home, ".codex", "config.toml");
const LEDGER = () => join(home, "state", "ledger.json");

const CLAUDE_KEY = `sk-${DEMO_USERS[0]!.tokens[0]!.key}`;
const CODEX_KEY = `sk-${DEMO_USERS[0]!.tokens[1]!.key}`;

const USER_SETTINGS = `{
    "model": "opus",
    "permissions": {
        "allow": ["Bash(ls:*)"]
    },
    "statusLine": {
        "type": "command",
        "command": "echo hi"
    }
}
`;
const USER_CONFIG = `# my own codex settings
model = "gpt-5"   # trailing comment

[features]
web_search = true

[projects."/home/me/src"]
trust_level = "trusted"
`;
const USER_AUTH = `{
  "auth_mode": "chatgpt",
  "tokens": { "id_token": "id-xyz", "access_token": "acc-xyz", "refresh_token": "ref-xyz" },
  "last_refresh": "2026-01-01T00:00:00Z"
}
`;

const BINDINGS = `
bindings:
  claude-code:
    account: personal
    token: claude
  codex:
    account: personal
    token: { id: 12 }
`;

const runCli = (args: string[], opts: { stdin?: string } = {}): Promise<Run> =>
  run(args, { home, env: demoEnv(), ...opts });

async function writeConfig(bindings: string): Promise<void> {
  await writeFile(configFile, demoConfigYaml(gw!.url) + bindings);
}

function expectNoSecrets(run: Run): void {
  for (const s of [...demoSecrets(), CLAUDE_KEY, CODEX_KEY]) {
    expect(run.stdout).not.toContain(s);
    expect(run.stderr).not.toContain(s);
  }
}

const mtimes = async (paths: string[]) =>
  Promise.all(paths.map(async (p) => (existsSync(p) ? (await stat(p)).mtimeMs : null)));

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error("dist/cli.js is missing: build with `npx tsup` first");
});

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "neuradock-apply-"));
  gw = await startFakeGateway({ users: structuredClone(DEMO_USERS) });
  configFile = join(home, "neuradock.yaml");
  await writeConfig(BINDINGS);
});

afterEach(async () => {
  await gw?.close();
  gw = undefined;
  await rm(home, { recursive: true, force: true });
});

describe("neuradock apply", () => {
  it("apply -y writes the bindings; then plan says No changes and a second apply writes nothing", async () => {
    const r = await runCli(["apply", "-y", "-c", configFile]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Apply complete: \d+ added, 0 changed, 0 removed\./);
    expectNoSecrets(r);

    const settings = JSON.parse(await readFile(SETTINGS(), "utf8"));
    expect(settings.env.ANTHROPIC_AUTH_TOKEN).toBe(CLAUDE_KEY);
    expect(settings.env.ANTHROPIC_BASE_URL).toBe(gw!.url);
    expect(JSON.parse(await readFile(AUTH(), "utf8")).OPENAI_API_KEY).toBe(CODEX_KEY);
    expect(await readFile(CONFIG(), "utf8")).toContain('model_provider = "personal"');
    for (const f of [SETTINGS(), AUTH(), LEDGER()]) {
      expect((await stat(f)).mode & 0o777, f).toBe(0o600);
    }
    // config.toml holds no secret (the key is in auth.json)
    expect((await stat(CONFIG())).mode & 0o777).toBe(0o644);
    expect((await stat(join(home, ".codex"))).mode & 0o777).toBe(0o700);
    expect((await stat(join(home, "state"))).mode & 0o777).toBe(0o700);
    expect(existsSync(join(home, "state", "apply.lock"))).toBe(false);
    const ledger = await readFile(LEDGER(), "utf8");
    expect(ledger).not.toContain(CLAUDE_KEY);
    expect(ledger).not.toContain(CODEX_KEY);

    const plan = await runCli(["plan", "-c", configFile]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain("No changes");

    const files = [SETTINGS(), AUTH(), CONFIG(), LEDGER()];
    const before = await mtimes(files);
    await new Promise((r) => setTimeout(r, 20));
    const again = await runCli(["apply", "-y", "-c", configFile]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("No changes");
    expect(again.stdout).not.toContain("Apply complete");
    expect(await mtimes(files)).toEqual(before);
    expect(await readdir(join(home, "state", "backups")).catch(() => [])).toEqual([]);
  });

  it("refuses without -y when stdin is not a terminal, writing nothing", async () => {
    const r = await runCli(["apply", "-c", configFile], { stdin: "yes\n" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "refusing to apply without confirmation: stdin is not a terminal; pass -y/--auto-approve or a saved plan file",
    );
    expect(r.stdout).toContain("to add"); // the plan was shown
    expectNoSecrets(r);
    expect(existsSync(join(home, ".claude"))).toBe(false);
    expect(existsSync(join(home, ".codex"))).toBe(false);
    expect(existsSync(LEDGER())).toBe(false);
  });

  it("removing the bindings gives back the original bytes, deletes created files, keeps pre-existing ones", async () => {
    await mkdir(join(home, ".claude"));
    await mkdir(join(home, ".codex"));
    await writeFile(SETTINGS(), USER_SETTINGS, { mode: 0o644 });
    await writeFile(CONFIG(), USER_CONFIG, { mode: 0o644 });

    const bind = await runCli(["apply", "-y", "-c", configFile]);
    expect(bind.code).toBe(0);
    expect(await readFile(CONFIG(), "utf8")).toContain("# my own codex settings");
    // An existing file that now holds the key is made private; config.toml keeps its mode.
    expect((await stat(SETTINGS())).mode & 0o777).toBe(0o600);
    expect((await stat(CONFIG())).mode & 0o777).toBe(0o644);
    expect(existsSync(AUTH())).toBe(true);
    expect((await readdir(join(home, "state", "backups"))).length).toBe(2);

    await writeConfig("");
    const release = await runCli(["apply", "-y", "-c", configFile]);
    expect(release.stderr).toBe("");
    expect(release.code).toBe(0);
    expect(release.stdout).toMatch(/Apply complete: 0 added, \d+ changed, [1-9]\d* removed\./);
    expect(await readFile(SETTINGS(), "utf8")).toBe(USER_SETTINGS);
    expect((await stat(SETTINGS())).mode & 0o777).toBe(0o644); // its mode given back too
    expect(await readFile(CONFIG(), "utf8")).toBe(USER_CONFIG);
    expect(existsSync(AUTH())).toBe(false);

    const plan = await runCli(["plan", "-c", configFile]);
    expect(plan.stdout).toContain("No changes");
  });

  it("a reader that goes away (apply -y | head -c1) neither crashes nor stops the apply", async () => {
    const result = await new Promise<{ code: number | null; stderr: string }>((done) => {
      const child = spawn(process.execPath, [CLI, "apply", "-y", "-c", configFile], {
        cwd: home,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: home,
          NEURADOCK_STATE_DIR: join(home, "state"),
          NO_COLOR: "1",
          ...demoEnv(),
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout.destroy(); // the reader is gone before the first line
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("close", (code) => done({ code, stderr }));
    });
    expect(result.stderr).not.toContain("EPIPE");
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.code).toBe(0);
    expect(JSON.parse(await readFile(SETTINGS(), "utf8")).env.ANTHROPIC_AUTH_TOKEN).toBe(
      CLAUDE_KEY,
    );
    expect(existsSync(join(home, "state", "apply.lock"))).toBe(false);
  });

  it("a pre-existing auth.json (ChatGPT login) is never deleted and comes back byte for byte", async () => {
    await mkdir(join(home, ".codex"));
    await writeFile(AUTH(), USER_AUTH, { mode: 0o600 });
    expect((await runCli(["apply", "-y", "-c", configFile])).code).toBe(0);
    const bound = JSON.parse(await readFile(AUTH(), "utf8"));
    expect(bound.auth_mode).toBe("apikey");
    expect(bound.tokens.refresh_token).toBe("ref-xyz");

    await writeConfig("");
    const r = await runCli(["apply", "-y", "-c", configFile]);
    expect(r.code).toBe(0);
    expect(await readFile(AUTH(), "utf8")).toBe(USER_AUTH);
    expect(existsSync(CONFIG())).toBe(false); // created by neuradock, deleted again
  });

  it("secrets never land in a file others can read: auth.json and a saved plan are tightened to 0600", async () => {
    await mkdir(join(home, ".codex"));
    await writeFile(AUTH(), USER_AUTH, { mode: 0o644 });
    const planFile = join(home, "old.plan");
    await writeFile(planFile, "{}", { mode: 0o644 });
    expect((await runCli(["plan", "--out", planFile, "-c", configFile])).code).toBe(0);
    expect((await stat(planFile)).mode & 0o777).toBe(0o600);
    expect((await runCli(["apply", planFile])).code).toBe(0);
    expect((await stat(AUTH())).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(AUTH(), "utf8")).OPENAI_API_KEY).toBe(CODEX_KEY);
  });

  it("a saved plan needs no -y, and is refused once a file changed", async () => {
    await mkdir(join(home, ".claude"));
    await writeFile(SETTINGS(), USER_SETTINGS);
    const planFile = join(home, "p.plan");
    expect((await runCli(["plan", "--out", planFile, "-c", configFile])).code).toBe(0);
    expect((await stat(planFile)).mode & 0o777).toBe(0o600);

    await writeFile(SETTINGS(), USER_SETTINGS.replace("opus", "sonnet")); // Claude Code wrote it
    const stale = await runCli(["apply", planFile]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain(
      `Saved plan is stale: ${SETTINGS()} changed since the plan was made`,
    );
    expect(await readFile(SETTINGS(), "utf8")).toBe(USER_SETTINGS.replace("opus", "sonnet"));
    expect(existsSync(AUTH())).toBe(false);

    await writeFile(SETTINGS(), USER_SETTINGS);
    const ok = await runCli(["apply", planFile]);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/Apply complete/);
    expectNoSecrets(ok);
    expect(JSON.parse(await readFile(SETTINGS(), "utf8")).env.ANTHROPIC_AUTH_TOKEN).toBe(
      CLAUDE_KEY,
    );
  });

  it("two applies at once: the second waits for the lock, then finds nothing to do", async () => {
    const [a, b] = await Promise.all([
      runCli(["apply", "-y", "-c", configFile]),
      runCli(["apply", "-y", "-c", configFile]),
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const outs = [a.stdout, b.stdout];
    expect(outs.filter((o) => o.includes("Apply complete"))).toHaveLength(1);
    expect(outs.filter((o) => o.includes("No changes"))).toHaveLength(1);
    expect(existsSync(join(home, "state", "apply.lock"))).toBe(false);
  });

  it("--target limits the apply to one tool", async () => {
    const r = await runCli(["apply", "-y", "--target", "claude-code", "-c", configFile]);
    expect(r.code).toBe(0);
    expect(existsSync(SETTINGS())).toBe(true);
    expect(existsSync(join(home, ".codex"))).toBe(false);
  });

  it("writes through a symlinked settings.json (dotfiles repo), keeping the link", async () => {
    const repo = join(home, "dotfiles");
    await mkdir(repo);
    await writeFile(join(repo, "settings.json"), USER_SETTINGS);
    await mkdir(join(home, ".claude"));
    await symlink(join(repo, "settings.json"), SETTINGS());
    const r = await runCli(["apply", "-y", "--target", "claude-code", "-c", configFile]);
    expect(r.code).toBe(0);
    expect((await lstat(SETTINGS())).isSymbolicLink()).toBe(true);
    expect(
      JSON.parse(await readFile(join(repo, "settings.json"), "utf8")).env.ANTHROPIC_AUTH_TOKEN,
    ).toBe(CLAUDE_KEY);
    expect(await readdir(repo)).toEqual(["settings.json"]);
  });

  it("a directory where config.toml should be: clear error, nothing written", async () => {
    await mkdir(CONFIG(), { recursive: true });
    const r = await runCli(["apply", "-y", "-c", configFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/config\.toml.*is a directory/);
    expect(existsSync(AUTH())).toBe(false);
    expect(existsSync(SETTINGS())).toBe(false);
    expect(existsSync(LEDGER())).toBe(false);
  });

  it("--json prints the plan and what was applied", async () => {
    const r = await runCli(["apply", "-y", "--json", "-c", configFile]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.format_version).toBe("1");
    expect(out.applied.summary.create).toBe(out.summary.create);
    expect(out.applied.files.map((f: { outcome: string }) => f.outcome)).toEqual([
      "created",
      "created",
      "created",
    ]);
    expectNoSecrets(r);
  });
});
