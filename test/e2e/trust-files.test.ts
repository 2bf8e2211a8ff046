import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import {
  chmod,
  chown,
  cp,
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
import { itAsRoot } from "../support/as-root.js";
import {
  DEMO_USERS,
  demoConfigYaml,
  demoEnv,
  type FakeGateway,
  startFakeGateway,
} from "../support/fake-gateway/index.js";
import { CLI, type CliRun, runCli as run } from "../support/run-cli.js";

// design.md "Trust rules" through the built CLI: bytes, saved plans, the apply lock.

let home: string;
let gw: FakeGateway | undefined;
let configFile: string;

const SETTINGS = (h = home) => join(h, ".claude", "settings.json");
const AUTH = (h = home) => join(h, ".codex", "auth.json");
const CONFIG = (h = home) => join(h, ".codex", "config.toml");
const STATE = (h = home) => join(h, "state");

const CLAUDE_KEY = `sk-${DEMO_USERS[0]!.tokens[0]!.key}`;

const BINDINGS = `
bindings:
  claude-code:
    account: personal
    token: claude
  codex:
    account: personal
    token: { id: 12 }
`;

const runCli = (
  args: string[],
  opts: { home?: string; env?: Record<string, string> } = {},
): Promise<CliRun> => run(args, { home: opts.home ?? home, env: { ...demoEnv(), ...opts.env } });

async function writeConfig(bindings: string): Promise<void> {
  await writeFile(configFile, demoConfigYaml(gw!.url) + bindings);
}

/** Every file under a directory with its bytes (directories as "dir"). */
async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  for (const name of await readdir(dir, { recursive: true })) {
    const p = join(dir, name);
    out[name] = (await stat(p)).isDirectory() ? "dir" : (await readFile(p)).toString("hex");
  }
  return out;
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error("dist/cli.js is missing: build with `npx tsup` first");
});

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "neuradock-trust-"));
  gw = await startFakeGateway({ users: structuredClone(DEMO_USERS) });
  configFile = join(home, "neuradock.yaml");
  await writeConfig(BINDINGS);
});

afterEach(async () => {
  await gw?.close();
  gw = undefined;
  await rm(home, { recursive: true, force: true });
});

describe("bytes: target files are UTF-8, never re-encoded", () => {
  const latin1 = Buffer.from('{\n  "a": "caf\xe9"\n}\n', "latin1");
  const cases = [
    { name: "settings.json", path: () => SETTINGS(), bytes: latin1, line: 2, col: 12 },
    { name: "auth.json", path: () => AUTH(), bytes: latin1, line: 2, col: 12 },
    {
      name: "config.toml",
      path: () => CONFIG(),
      bytes: Buffer.from('# r\xe9sum\xe9\nmodel = "gpt-5"\n', "latin1"),
      line: 1,
      col: 4,
    },
  ];
  for (const c of cases) {
    it(`a ${c.name} that is not UTF-8 is refused by name; nothing is written`, async () => {
      await mkdir(join(c.path(), ".."), { recursive: true });
      await writeFile(c.path(), c.bytes);
      const before = await tree(home);
      for (const args of [["plan"], ["apply", "-y"]]) {
        const r = await runCli([...args, "-c", configFile]);
        expect(r.code, r.stderr).toBe(1);
        expect(r.stderr).toContain(
          `${c.path()}: is not valid UTF-8 (byte 0x${c.bytes[c.bytes.indexOf(0xe9)]!.toString(16)} at line ${c.line}, column ${c.col})`,
        );
        expect(r.stderr).not.toMatch(/^\s+at /m);
      }
      // The lock may have made an empty state dir; nothing else is there.
      const after = await tree(home);
      expect(Object.keys(after).filter((n) => n.startsWith("state/"))).toEqual([]);
      delete after.state;
      expect(after).toEqual(before);
    });
  }

  it("a BOM, CRLF and non-ASCII text are kept; the backup is the exact bytes read", async () => {
    const original = Buffer.from(
      '\uFEFF{\r\n  "statusLine": "café ✓ 🎉",\r\n  "model": "opus"\r\n}\r\n',
      "utf8",
    );
    await mkdir(join(home, ".claude"));
    await writeFile(SETTINGS(), original);
    const r = await runCli(["apply", "-y", "-c", configFile]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const written = await readFile(SETTINGS());
    expect([...written.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(JSON.parse(written.toString("utf8").slice(1)).env.ANTHROPIC_AUTH_TOKEN).toBe(CLAUDE_KEY);
    expect(written.toString("utf8")).toContain('"statusLine": "café ✓ 🎉",\r\n');

    const backups = (await readdir(join(STATE(), "backups"))).filter((n) =>
      n.startsWith("settings.json."),
    );
    expect(backups).toHaveLength(1);
    const backup = await readFile(join(STATE(), "backups", backups[0]!));
    expect(backup.equals(original)).toBe(true);

    // And the removal gives back exactly those bytes.
    await writeConfig("");
    const release = await runCli(["apply", "-y", "-c", configFile]);
    expect(release.code, release.stderr).toBe(0);
    expect((await readFile(SETTINGS())).equals(original)).toBe(true);
  });
});

describe("saved plans are bound to where they were made", () => {
  async function savePlan(): Promise<string> {
    const planFile = join(home, "p.plan");
    const r = await runCli(["plan", "--out", planFile, "-c", configFile]);
    expect(r.code, r.stderr).toBe(0);
    return planFile;
  }

  async function expectRefused(r: CliRun, why: RegExp, homes: string[]): Promise<void> {
    expect(r.code, r.stdout).toBe(1);
    expect(r.stderr).toMatch(/p\.plan cannot be applied here: /);
    expect(r.stderr).toMatch(why);
    expect(r.stderr).toContain("Nothing was written");
    for (const h of homes) {
      expect(existsSync(SETTINGS(h)), h).toBe(false);
      expect(existsSync(AUTH(h)), h).toBe(false);
    }
  }

  it("under another HOME (and its state dir): refused, neither home written", async () => {
    const planFile = await savePlan();
    const other = await mkdtemp(join(tmpdir(), "neuradock-trust-other-"));
    try {
      const r = await runCli(["apply", planFile], { home: other });
      await expectRefused(r, /made for the home directory .* and this is /, [home, other]);
      expect(existsSync(STATE(other))).toBe(false);
      expect(existsSync(STATE())).toBe(false);
      // Same HOME, another state dir: the ownership would be recorded elsewhere.
      const s = await runCli(["apply", planFile], {
        env: { NEURADOCK_STATE_DIR: join(other, "st") },
      });
      await expectRefused(s, /made with the state directory /, [home]);
      expect(existsSync(join(other, "st"))).toBe(false);
      // Same HOME, but Claude Code now reads another directory.
      const c = await runCli(["apply", planFile], {
        env: { CLAUDE_CONFIG_DIR: join(other, "claude") },
      });
      await expectRefused(c, /claude-code reads .* now/, [home]);
      expect(existsSync(join(other, "claude"))).toBe(false);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
    // Where it was made, it still applies.
    const ok = await runCli(["apply", planFile]);
    expect(ok.code, ok.stderr).toBe(0);
  });

  it("a hand-edited plan naming another path is refused, and nothing is created", async () => {
    const planFile = await savePlan();
    const evilDir = await mkdtemp(join(tmpdir(), "neuradock-evil-"));
    const evil = join(evilDir, "x", "evil.sh");
    try {
      const data = JSON.parse(await readFile(planFile, "utf8"));
      const edited = structuredClone(data);
      for (const fp of edited.private.plan.files) {
        if (fp.file !== SETTINGS()) continue;
        fp.file = evil;
        for (const c of fp.changes) c.file = evil;
      }
      edited.private.plan.ledger[evil] = edited.private.plan.ledger[SETTINGS()];
      delete edited.private.plan.ledger[SETTINGS()];
      await writeFile(planFile, JSON.stringify(edited));
      const r = await runCli(["apply", planFile]);
      await expectRefused(
        r,
        new RegExp(`it names ${evil}, which is not a file claude-code reads`),
        [home],
      );
      expect(existsSync(join(evilDir, "x"))).toBe(false);

      // Only the ledger part edited: still refused.
      const ledgerOnly = structuredClone(data);
      ledgerOnly.private.plan.ledger[evil] = ledgerOnly.private.plan.ledger[SETTINGS()];
      await writeFile(planFile, JSON.stringify(ledgerOnly));
      const l = await runCli(["apply", planFile]);
      await expectRefused(l, /its ledger part names .*evil\.sh, which the plan does not edit/, [
        home,
      ]);
      expect(existsSync(STATE())).toBe(false);

      // A plan saved without its origin (an older neuradock, or edited away) is refused.
      const noOrigin = structuredClone(data);
      delete noOrigin.private.plan.origin;
      await writeFile(planFile, JSON.stringify(noOrigin));
      const o = await runCli(["apply", planFile]);
      expect(o.code).toBe(1);
      expect(o.stderr).toContain("does not say which home it was made for");
      expect(existsSync(SETTINGS())).toBe(false);
    } finally {
      await rm(evilDir, { recursive: true, force: true });
    }
  });
});

describe("the apply lock", () => {
  it("a second apply waits while the first is inside its plan+apply, then finds nothing to do", async () => {
    // A barrier, not a race: the gateway holds the first apply inside its locked section for
    // as long as it takes the second one to either report that it waits for the lock (as it
    // must) or reach the gateway itself (which only happens when the lock does not serialise).
    const release = gw!.hold();
    const first = spawnCli(["apply", "-y", "-c", configFile]);
    await until(() => gw!.state.log.length > 0, first);
    const requestsOfFirst = gw!.state.log.length;
    const second = spawnCli(["apply", "-y", "-c", configFile]);
    const event = await until(
      () =>
        second.stderr().includes("Waiting for another neuradock apply")
          ? "waited"
          : gw!.state.log.length > requestsOfFirst
            ? "second reached the relay"
            : null,
      second,
    );
    expect(event).toBe("waited");
    expect(second.stderr()).toContain(`(pid ${first.pid})`);
    release();
    const [a, b] = await Promise.all([first.done, second.done]);
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
    expect(a.stdout).toMatch(/Apply complete: [1-9]\d* added/);
    expect(b.stdout).toContain("No changes");
    expect(existsSync(join(STATE(), "apply.lock"))).toBe(false);
  });

  it("a state dir that is a file: an immediate, clear error that blames no other apply", async () => {
    await writeFile(STATE(), "not a directory\n");
    const r = await runCli(["apply", "-y", "-c", configFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${STATE()}: the state directory is not a directory`);
    expect(r.stderr).not.toContain("another neuradock apply");
    expect(existsSync(SETTINGS())).toBe(false);
  });
});

describe("plan and apply count the same changes", () => {
  it("a removal with emptied containers: plan's remove count is apply's", async () => {
    const r = await runCli(["apply", "-y", "-c", configFile]);
    expect(r.code, r.stderr).toBe(0);
    // A file neuradock did not create keeps its emptied `env` object and provider table out.
    await writeConfig("");
    const plan = await runCli(["plan", "--json", "-c", configFile]);
    expect(plan.code, plan.stderr).toBe(0);
    const summary = JSON.parse(plan.stdout).summary;
    expect(summary.delete).toBeGreaterThan(3);
    const apply = await runCli(["apply", "-y", "-c", configFile]);
    expect(apply.stdout).toContain(
      `Plan: ${summary.create} to add, ${summary.update} to change, ${summary.delete} to remove.`,
    );
    expect(apply.stdout).toContain(
      `Apply complete: ${summary.create} added, ${summary.update} changed, ${summary.delete} removed.`,
    );
  });

  it("the same with user content around the emptied containers", async () => {
    await mkdir(join(home, ".claude"));
    await mkdir(join(home, ".codex"));
    await writeFile(SETTINGS(), '{\n  "model": "opus"\n}\n');
    await writeFile(CONFIG(), 'model = "gpt-5"\n');
    await cp(configFile, `${configFile}.bak`);
    expect((await runCli(["apply", "-y", "-c", configFile])).code).toBe(0);
    await writeConfig("");
    const plan = JSON.parse((await runCli(["plan", "--json", "-c", configFile])).stdout);
    const apply = await runCli(["apply", "-y", "-c", configFile]);
    expect(apply.code, apply.stderr).toBe(0);
    const s = plan.summary;
    expect(apply.stdout).toContain(
      `Apply complete: ${s.create} added, ${s.update} changed, ${s.delete} removed.`,
    );
    expect(await readFile(SETTINGS(), "utf8")).toBe('{\n  "model": "opus"\n}\n');
    expect(await readFile(CONFIG(), "utf8")).toBe('model = "gpt-5"\n');
  });
});

interface Spawned {
  pid: number | undefined;
  stderr(): string;
  done: Promise<CliRun & { exited: true }>;
  exited: boolean;
}

function spawnCli(args: string[]): Spawned {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: home,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: home,
      NEURADOCK_STATE_DIR: STATE(),
      NO_COLOR: "1",
      ...demoEnv(),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const s: Spawned = {
    pid: child.pid,
    stderr: () => stderr,
    exited: false,
    done: new Promise((done) =>
      child.on("close", (code) => {
        s.exited = true;
        done({ code: code ?? -1, stdout, stderr, exited: true });
      }),
    ),
  };
  return s;
}

/** Wait (by polling, with no time limit of its own) until `check` gives a value. */
async function until<T>(check: () => T | null | false, proc: Spawned): Promise<T> {
  for (;;) {
    const v = check();
    if (v !== null && v !== false) return v;
    if (proc.exited) {
      const r = await proc.done;
      throw new Error(`the CLI exited (${r.code}) before the awaited event: ${r.stderr}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("owners: root working on another user's home", () => {
  const UID = 12345;
  const GID = 23456;
  const owner = async (p: string) => {
    const s = await stat(p);
    return [s.uid, s.gid];
  };

  itAsRoot(
    "every file and folder apply creates belongs to the home's owner; existing files keep theirs",
    async () => {
      await chown(home, UID, GID);
      // An existing settings.json of the user's, and an auth.json someone else owns.
      await mkdir(join(home, ".claude"));
      await chown(join(home, ".claude"), UID, GID);
      await writeFile(SETTINGS(), '{\n  "theme": "dark"\n}\n');
      await chown(SETTINGS(), UID, GID);
      await mkdir(join(home, ".codex"));
      await writeFile(CONFIG(), 'model = "o3"\n');
      await chown(CONFIG(), 777, 778);

      const planned = await runCli(["plan", "--out", "saved.plan"]);
      expect(planned.code, planned.stderr).toBe(0);
      const applied = await runCli(["apply", "saved.plan"]);
      expect(applied.code, applied.stderr).toBe(0);
      expect(JSON.parse(await readFile(SETTINGS(), "utf8")).env.ANTHROPIC_AUTH_TOKEN).toBe(
        CLAUDE_KEY,
      );

      const created = [
        AUTH(),
        STATE(),
        join(STATE(), "ledger.json"),
        join(STATE(), "backups"),
        ...(await readdir(join(STATE(), "backups"))).map((n) => join(STATE(), "backups", n)),
        join(home, "saved.plan"),
      ];
      expect((await readdir(join(STATE(), "backups"))).length).toBe(2);
      for (const p of created) expect([p, await owner(p)]).toEqual([p, [UID, GID]]);
      // Replaced, not created: the owner each had stays (the temp file + rename keeps it).
      expect(await owner(SETTINGS())).toEqual([UID, GID]);
      expect(await owner(CONFIG())).toEqual([777, 778]);
      // A folder that was there before is not given away.
      expect(await owner(join(home, ".codex"))).toEqual([0, 0]);

      // `tokens` writes its cache: the user's too.
      const tokens = await runCli(["tokens"]);
      expect(tokens.code, tokens.stderr).toBe(0);
      const cache = join(STATE(), "cache");
      expect(await owner(cache)).toEqual([UID, GID]);
      for (const n of await readdir(cache)) expect(await owner(join(cache, n))).toEqual([UID, GID]);
    },
  );

  itAsRoot("new folders several levels deep are the user's, outermost first", async () => {
    await chown(home, UID, GID);
    await rm(join(home, ".codex"), { recursive: true, force: true });
    const applied = await runCli(["apply", "-y"], {
      env: { CODEX_HOME: join(home, "a", "b", "codex") },
    });
    expect(applied.code, applied.stderr).toBe(0);
    for (const p of [
      join(home, "a"),
      join(home, "a", "b"),
      join(home, "a", "b", "codex"),
      join(home, "a", "b", "codex", "auth.json"),
      join(home, ".claude"),
      SETTINGS(),
    ]) {
      expect([p, await owner(p)]).toEqual([p, [UID, GID]]);
    }
  });

  itAsRoot("a home that root owns: nothing is given away", async () => {
    const applied = await runCli(["apply", "-y"]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(await owner(AUTH())).toEqual([0, 0]);
    expect(await owner(join(STATE(), "ledger.json"))).toEqual([0, 0]);
  });
});

describe("modes: a file that holds a key is 0600", () => {
  const modeOf = async (p: string) => (await stat(p)).mode & 0o777;
  const ORIGINAL = '{\n  "theme": "dark"\n}\n';

  it("an existing 0644 settings.json is tightened with a note, idempotently, and given back on removal", async () => {
    await mkdir(join(home, ".claude"));
    await writeFile(SETTINGS(), ORIGINAL, { mode: 0o644 });
    await mkdir(join(home, ".codex"));
    await writeFile(AUTH(), "{}\n");
    await chmod(AUTH(), 0o664);
    await chmod(SETTINGS(), 0o644);

    const plan = await runCli(["plan"]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain("~ mode 0644 → 0600 (it holds a key");
    expect(plan.stdout).toContain("~ mode 0664 → 0600");
    const json = JSON.parse((await runCli(["plan", "--json"])).stdout);
    expect(json.files.find((f: { file: string }) => f.file === SETTINGS()).mode).toEqual({
      before: "0644",
      after: "0600",
      reason: "tighten",
    });

    const applied = await runCli(["apply", "-y"]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(await modeOf(SETTINGS())).toBe(0o600);
    expect(await modeOf(AUTH())).toBe(0o600);
    // config.toml holds no key: created as any config file.
    expect(await modeOf(CONFIG())).toBe(0o644);

    const again = await runCli(["plan", "--detailed-exitcode"]);
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toContain("No changes.");

    // Someone loosens it again: a plan with only the mode, which apply carries out.
    await chmod(SETTINGS(), 0o644);
    const modeOnly = await runCli(["plan", "--out", "mode.plan"]);
    expect(modeOnly.stdout).toContain("Plan: 0 to add, 1 to change, 0 to remove.");
    const fromFile = await runCli(["apply", "mode.plan"]);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(await modeOf(SETTINGS())).toBe(0o600);

    await writeConfig("");
    const removed = await runCli(["apply", "-y"]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toContain("~ mode 0600 → 0644 (given back");
    expect(await readFile(SETTINGS(), "utf8")).toBe(ORIGINAL);
    expect(await modeOf(SETTINGS())).toBe(0o644);
  });

  it("a key file linked into a git work tree gets a warning naming the file and the repository", async () => {
    const dotfiles = join(home, "dotfiles");
    await mkdir(join(dotfiles, "claude"), { recursive: true });
    const git = spawnSync("git", ["init", "-q", dotfiles]);
    if (git.status !== 0) await mkdir(join(dotfiles, ".git"));
    await writeFile(join(dotfiles, "claude", "settings.json"), "{}\n");
    await symlink(join(dotfiles, "claude"), join(home, ".claude"));

    const plan = await runCli(["plan"]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain(
      `${SETTINGS()} (through a symbolic link, it is ${join(dotfiles, "claude", "settings.json")}) is inside the git work tree ${dotfiles}:`,
    );
    const json = JSON.parse((await runCli(["plan", "--json"])).stdout);
    expect(json.warnings.filter((w: { code: string }) => w.code === "git-work-tree")).toEqual([
      expect.objectContaining({ tool: "claude-code", file: SETTINGS() }),
    ]);
    // A warning, not an error: apply says it too and writes.
    const applied = await runCli(["apply", "-y"]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain(`is inside the git work tree ${dotfiles}`);
    const written = JSON.parse(await readFile(join(dotfiles, "claude", "settings.json"), "utf8"));
    expect(written.env.ANTHROPIC_AUTH_TOKEN).toBe(CLAUDE_KEY);
    // Codex's files are not in a repository: nothing said about them.
    expect(json.warnings.some((w: { file: string }) => w.file === AUTH())).toBe(false);
  });
});
