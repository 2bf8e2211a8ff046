import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import {
  chmod,
  chown,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { itAsRoot } from "../support/as-root.js";
import {
  DEMO_USERS,
  demoConfigYaml,
  demoEnv,
  type FakeGateway,
  startFakeGateway,
} from "../support/fake-gateway/index.js";

// File system faults while `neuradock apply -y` (the built CLI) writes: a clear error,
// exit 1, and every target file exactly as it was (earlier writes rolled back).

const CLI = resolve("dist/cli.js");
const PRELOAD = resolve("test/reliability/support/fault-preload.mjs");
const NOBODY = 65534;

const USER_SETTINGS = '{\n  "model": "opus",\n  "permissions": {\n    "allow": []\n  }\n}\n';
const USER_CONFIG = '# mine\nmodel = "gpt-5"\n\n[features]\nweb_search = true\n';
const BINDINGS = `
bindings:
  claude-code:
    account: personal
    token: claude
  codex:
    account: personal
    token: codex
`;

let home: string;
let gw: FakeGateway;
const mounts: string[] = [];

const SETTINGS = () => join(home, ".claude", "settings.json");
const AUTH = () => join(home, ".codex", "auth.json");
const CONFIG = () => join(home, ".codex", "config.toml");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function runApply(env: Record<string, string> = {}, uid?: number): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ["--import", PRELOAD, CLI, "apply", "-y"], {
      cwd: home,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: home,
        NEURADOCK_STATE_DIR: join(home, "state"),
        NO_COLOR: "1",
        ...demoEnv(),
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
      ...(uid === undefined ? {} : { uid, gid: uid }),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", fail);
    child.on("close", (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

async function snapshot(): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const f of [SETTINGS(), AUTH(), CONFIG()]) {
    const st = await lstat(f).catch(() => null);
    out[f] =
      st === null
        ? null
        : st.isDirectory()
          ? "<directory>"
          : await readFile(f, "utf8").catch(() => "<unreadable>");
  }
  return out;
}

async function expectUntouched(before: Record<string, string | null>, run: Run): Promise<void> {
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/^error: /);
  expect(run.stderr).not.toMatch(/internal error|at .*\.js:\d+/);
  expect(await snapshot()).toEqual(before);
  expect(existsSync(join(home, "state", "ledger.json"))).toBe(false);
  expect(existsSync(join(home, "state", "apply.lock"))).toBe(false);
  for (const dir of [join(home, ".claude"), join(home, ".codex")]) {
    if (existsSync(dir)) expect((await readdir(dir)).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  }
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error("dist/cli.js is missing: build with `npx tsup` first");
});

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "nd-faults-"));
  gw = await startFakeGateway({ users: structuredClone(DEMO_USERS) });
  await writeFile(join(home, "neuradock.yaml"), demoConfigYaml(gw.url) + BINDINGS);
  await mkdir(join(home, ".claude"));
  await mkdir(join(home, ".codex"));
  await writeFile(SETTINGS(), USER_SETTINGS);
  await writeFile(CONFIG(), USER_CONFIG);
});

afterEach(async () => {
  while (mounts.length > 0) execFileSync("umount", [mounts.pop() as string]);
  await gw.close();
  await rm(home, { recursive: true, force: true });
});

describe("injected faults (portable)", () => {
  const cases: Array<[string, RegExp]> = [
    [
      "write:ENOSPC:config.toml",
      /config\.toml: cannot write: no space left on device \(ENOSPC\)\. The 2 file\(s\) already written were restored; nothing changed\./,
    ],
    ["write:EACCES:config.toml", /config\.toml: cannot write: permission denied \(EACCES\)/],
    ["write:EROFS:config.toml", /config\.toml: cannot write: read-only file system \(EROFS\)/],
    ["rename:EBUSY:config.toml", /config\.toml: cannot write: the file is busy \(EBUSY\)/],
    [
      "write:ENOSPC:auth.json",
      /auth\.json: cannot write: no space left on device \(ENOSPC\)\. The 1 file\(s\)/,
    ],
    ["rename:EXDEV:settings.json", /settings\.json: cannot write: .*EXDEV.*Nothing was written\./],
  ];
  for (const [fault, message] of cases) {
    it(`${fault}: clear error, files unchanged`, async () => {
      const before = await snapshot();
      const run = await runApply({ NEURADOCK_TEST_FAULT: fault });
      expect(run.stderr).toMatch(message);
      await expectUntouched(before, run);
    });
  }

  it("the same apply without the fault succeeds afterwards", async () => {
    expect((await runApply({ NEURADOCK_TEST_FAULT: "write:ENOSPC:config.toml" })).code).toBe(1);
    const ok = await runApply();
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(await readFile(CONFIG(), "utf8")).toContain("# mine");
  });
});

describe("shapes on disk", () => {
  it("target is a directory", async () => {
    await rm(CONFIG());
    await mkdir(CONFIG());
    const before = await snapshot();
    const run = await runApply();
    expect(run.stderr).toMatch(/config\.toml.*is a directory/);
    expect(await snapshot()).toEqual(before);
    expect(run.code).toBe(1);
  });

  it("dangling symlink", async () => {
    await rm(SETTINGS());
    await symlink(join(home, "dotfiles", "settings.json"), SETTINGS());
    const before = await snapshot();
    const run = await runApply();
    // Refused while planning already: the plan never promises a write that cannot happen.
    expect(run.stderr).toMatch(
      /settings\.json: is a symbolic link to a file that does not exist \(dangling link\)/,
    );
    await expectUntouched(before, run);
    expect((await lstat(SETTINGS())).isSymbolicLink()).toBe(true);
    expect(existsSync(join(home, "dotfiles"))).toBe(false);
  });
});

// The tools of tools.md: a fault on any of their files rolls back the ones already written
// (Gemini CLI's .env, opencode's JSONC, Qwen Code's settings.json with its array element).
describe("injected faults: Gemini CLI, opencode, Qwen Code", () => {
  const MORE = `
  gemini-cli:
    account: personal
    token: claude
    model: gemini-2.5-pro
  opencode:
    account: personal
    token: claude
    model: claude-sonnet-4-5
  qwen-code:
    account: personal
    token: claude
    model: qwen3-coder-plus
`;
  const more = () => ({
    geminiEnv: join(home, ".gemini", ".env"),
    geminiSettings: join(home, ".gemini", "settings.json"),
    opencode: join(home, ".config", "opencode", "opencode.json"),
    qwen: join(home, ".qwen", "settings.json"),
  });
  const snapshotMore = async () => {
    const out: Record<string, string | null> = await snapshot();
    for (const f of Object.values(more())) out[f] = await readFile(f, "utf8").catch(() => null);
    return out;
  };
  beforeEach(async () => {
    await writeFile(join(home, "neuradock.yaml"), demoConfigYaml(gw.url) + BINDINGS + MORE);
    await mkdir(join(home, ".gemini"));
    await mkdir(join(home, ".qwen"));
    await writeFile(more().geminiEnv, "# mine\nexport GEMINI_API_KEY='user-own'\n");
    await writeFile(
      more().qwen,
      '{\n  // mine\n  "modelProviders": {\n    "openai": [\n      { "id": "m", "envKey": "MY_KEY" }\n    ]\n  }\n}\n',
    );
  });
  for (const fault of [
    "write:ENOSPC:opencode.json",
    "rename:EBUSY:.env",
    "write:EROFS:settings.json",
    "rename:EBUSY:settings.json",
  ]) {
    it(`${fault}: clear error, every file as it was`, async () => {
      const before = await snapshotMore();
      const run = await runApply({ NEURADOCK_TEST_FAULT: fault });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^error: .*cannot write: /);
      expect(run.stderr).not.toMatch(/internal error|at .*\.js:\d+/);
      expect(await snapshotMore()).toEqual(before);
      expect(existsSync(join(home, "state", "ledger.json"))).toBe(false);
      for (const d of [".gemini", ".qwen", ".claude", ".codex"]) {
        expect((await readdir(join(home, d))).filter((n) => n.endsWith(".tmp"))).toEqual([]);
      }
    });
  }
  it("without the fault the same apply binds all of them, and removal gives every byte back", async () => {
    const before = await snapshotMore();
    expect((await runApply()).code).toBe(0);
    expect(await readFile(more().qwen, "utf8")).toContain("NEURADOCK_QWEN_CODE_API_KEY");
    await writeFile(join(home, "neuradock.yaml"), demoConfigYaml(gw.url));
    const removal = await runApply();
    expect(removal.stderr).toBe("");
    const after = await snapshotMore();
    for (const f of Object.values(more())) expect(after[f], f).toBe(before[f]);
  });
});

// Real faults need mounts or another user: only as root (CI containers usually are).
describe("real faults (as root; loud when not)", () => {
  const mountTmpfs = (dir: string, size: string) => {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size},mode=0755`, "tmpfs", dir]);
    mounts.push(dir);
  };

  itAsRoot("ENOSPC: ~/.codex on a full tmpfs", async () => {
    const codex = join(home, ".codex");
    await rm(CONFIG());
    mountTmpfs(codex, "64k");
    await writeFile(CONFIG(), USER_CONFIG);
    // Fill it up, leaving no room for a temp file.
    await writeFile(join(codex, "filler"), Buffer.alloc(60 * 1024)).catch(() => undefined);
    for (let i = 0; ; i++) {
      try {
        await writeFile(join(codex, `pad${i}`), Buffer.alloc(1024));
      } catch {
        break;
      }
    }
    const before = await snapshot();
    const run = await runApply();
    expect(run.stderr).toMatch(/ENOSPC/);
    await expectUntouched(before, run);
  });

  itAsRoot("EROFS: ~/.codex mounted read-only", async () => {
    const codex = join(home, ".codex");
    await rm(CONFIG());
    mountTmpfs(codex, "1m");
    await writeFile(CONFIG(), USER_CONFIG);
    execFileSync("mount", ["-o", "remount,ro", codex]);
    const before = await snapshot();
    const run = await runApply();
    expect(run.stderr).toMatch(/read-only file system \(EROFS\)/);
    await expectUntouched(before, run);
  });

  itAsRoot("EACCES: ~/.codex not writable by the user running apply", async () => {
    // Everything belongs to `nobody` except ~/.codex, which stays root's 0755.
    await chmod(home, 0o755);
    for (const p of [home, join(home, ".claude"), SETTINGS(), join(home, "neuradock.yaml")]) {
      await chown(p, NOBODY, NOBODY);
    }
    const before = await snapshot();
    const run = await runApply({}, NOBODY);
    expect(run.stderr).toMatch(/permission denied \(EACCES\)/);
    await expectUntouched(before, run);
  });
});
