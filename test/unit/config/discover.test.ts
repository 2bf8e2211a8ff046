import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigNotFoundError, findConfigFile, loadConfig } from "../../../src/config/index.js";
import { ConfigError, formatDiagnostic } from "../../../src/errors.js";

let root: string;
let home: string;
let cwd: string;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "neuradock-discover-"));
  home = join(root, "home");
  cwd = join(home, "project");
  await mkdir(cwd, { recursive: true });
  env = { HOME: home };
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function put(path: string, text = "version: 1\n"): Promise<string> {
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, text);
  return path;
}

describe("findConfigFile (design.md: Config discovery)", () => {
  it.each(["neuradock.yaml", "neuradock.yml"])("finds %s in the cwd", async (name) => {
    const file = await put(join(cwd, name));
    expect(await findConfigFile(cwd, env, "linux")).toBe(file);
  });

  it.each([
    ".neuradockrc",
    ".neuradockrc.yaml",
    ".neuradockrc.yml",
    ".config/neuradockrc",
    ".config/neuradockrc.yaml",
  ])(
    "never reads the hidden %s: the user's own config wins, and the error names it",
    async (name) => {
      await put(join(cwd, name), "version: 1\naccounts: {}\n");
      const err = await findConfigFile(cwd, env, "linux").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigNotFoundError);
      expect((err as Error).message).toContain(`${name} is not read`);
      const user = await put(join(home, ".config", "neuradock", "neuradock.yaml"));
      expect(await findConfigFile(cwd, env, "linux")).toBe(user);
    },
  );

  it("ignores a cosmiconfig meta-config (.config/config.yaml) that would redirect the search", async () => {
    await put(join(cwd, ".config", "config.yaml"), "neuradock:\n  searchPlaces: [evil.yaml]\n");
    await put(join(cwd, "evil.yaml"));
    const user = await put(join(home, ".config", "neuradock", "neuradock.yaml"));
    expect(await findConfigFile(cwd, env, "linux")).toBe(user);
  });

  it("prefers neuradock.yaml over neuradock.yml", async () => {
    await put(join(cwd, "neuradock.yml"));
    const file = await put(join(cwd, "neuradock.yaml"));
    expect(await findConfigFile(cwd, env, "linux")).toBe(file);
  });

  it("walks up to the home directory, the nearest file first", async () => {
    const deep = join(cwd, "a", "b");
    await mkdir(deep, { recursive: true });
    const atHome = await put(join(home, "neuradock.yaml"));
    expect(await findConfigFile(deep, env, "linux")).toBe(atHome);
    const inProject = await put(join(cwd, "neuradock.yml"));
    expect(await findConfigFile(deep, env, "linux")).toBe(inProject);
  });

  it("does not walk above home from inside it", async () => {
    await put(join(root, "neuradock.yaml"));
    await expect(findConfigFile(cwd, env, "linux")).rejects.toBeInstanceOf(ConfigNotFoundError);
  });

  it("walks up to / from outside home", async () => {
    const outside = join(root, "elsewhere", "deep");
    await mkdir(outside, { recursive: true });
    const file = await put(join(root, "neuradock.yaml"));
    expect(await findConfigFile(outside, env, "linux")).toBe(file);
  });

  it("$NEURADOCK_CONFIG wins over the search (relative to the cwd)", async () => {
    await put(join(cwd, "neuradock.yaml"));
    const named = await put(join(cwd, "named.yaml"));
    expect(await findConfigFile(cwd, { ...env, NEURADOCK_CONFIG: "named.yaml" }, "linux")).toBe(
      named,
    );
  });

  it("falls back to the user config dir ($XDG_CONFIG_HOME, else ~/.config)", async () => {
    const user = await put(join(home, ".config", "neuradock", "neuradock.yaml"));
    expect(await findConfigFile(cwd, env, "linux")).toBe(user);
    const xdg = await put(join(root, "xdg", "neuradock", "neuradock.yml"));
    expect(await findConfigFile(cwd, { ...env, XDG_CONFIG_HOME: join(root, "xdg") }, "linux")).toBe(
      xdg,
    );
  });

  it("refuses a discovered file writable by group or others, saying why", async () => {
    const file = await put(join(cwd, "neuradock.yaml"));
    await chmod(file, 0o666);
    const err = await findConfigFile(cwd, env, "linux").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain("writable by group and others (mode 0666)");
    expect((err as Error).message).toContain("chmod go-w");
    await chmod(file, 0o620);
    const me = { uid: process.getuid!() };
    const shared = { ...me, isPrivateGroup: async () => false };
    await expect(findConfigFile(cwd, env, "linux", shared)).rejects.toThrow(
      /writable by group \(mode 0620\)/,
    );
    // As ssh: the group write bit of a user-private group (umask 002) is harmless.
    const own = { ...me, isPrivateGroup: async () => true };
    expect(await findConfigFile(cwd, env, "linux", own)).toBe(file);
    // Named explicitly, it is the user's choice.
    expect(await findConfigFile(cwd, { ...env, NEURADOCK_CONFIG: file }, "linux")).toBe(file);
    await chmod(file, 0o644);
    expect(await findConfigFile(cwd, env, "linux")).toBe(file);
  });

  it("refuses a discovered file owned by another user (a shared /tmp must not choose)", async () => {
    const file = await put(join(home, ".config", "neuradock", "neuradock.yaml"));
    const me = process.getuid!();
    const err = await findConfigFile(cwd, env, "linux", { uid: me + 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(`${file}:1:1: refusing to use this config`);
    expect((err as Error).message).toContain(
      `owned by another user (uid ${me}, you are uid ${me + 1})`,
    );
  });

  it("finds an empty file, so that it is reported as empty rather than missing", async () => {
    await put(join(cwd, "neuradock.yaml"), "");
    const err = await loadConfig({ cwd, env, platform: "linux" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).diagnostics.map(formatDiagnostic)).toEqual([
      "neuradock.yaml:1:1: the file is empty; it needs at least `version: 1`",
    ]);
  });

  it("says where it looked when there is no config", async () => {
    const err = await findConfigFile(cwd, env, "linux").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigNotFoundError);
    expect((err as Error).message).toBe(
      `no neuradock.yaml found (looked in ${cwd} and its parents up to ${home} and ${join(home, ".config", "neuradock")}); run \`neuradock init\`, pass -c FILE or set NEURADOCK_CONFIG`,
    );
  });
});

describe("loadConfig file names in messages", () => {
  it("shows a discovered file relative to the cwd", async () => {
    await put(join(cwd, "neuradock.yml"), "version: 3\n");
    const err = (await loadConfig({ cwd, env, platform: "linux" }).catch((e) => e)) as ConfigError;
    expect(err.message).toBe("neuradock.yml:1:10: version must be 1");
  });

  it("shows a user-dir file by its absolute path", async () => {
    const file = await put(join(home, ".config", "neuradock", "neuradock.yaml"), "versoin: 1\n");
    const err = (await loadConfig({ cwd, env, platform: "linux" }).catch((e) => e)) as ConfigError;
    expect(err.diagnostics.map(formatDiagnostic)).toEqual([
      `${file}:1:1: missing required key 'version'`,
      `${file}:1:1: unknown key 'versoin' at top level — did you mean 'version'?`,
    ]);
  });

  it("prefers -c over any discovered file", async () => {
    await put(join(cwd, "neuradock.yaml"), "version: 2\n");
    await put(join(cwd, "other.yaml"), "version: 1\n");
    const config = await loadConfig({ configPath: "other.yaml", cwd, env, platform: "linux" });
    expect(config.file).toBe(join(cwd, "other.yaml"));
  });
});

describe("discovery reads the disk through the System it is given", () => {
  it("finds the file the System holds, and applies the trust check to the System's owner and mode", async () => {
    const { createMemorySystem } = await import("../../support/memory-system.js");
    const { findConfig } = await import("../../../src/config/discover.js");
    const uid = 1000;
    const files = {
      "/home/u/work/neuradock.yaml": { content: "version: 1\n", mode: 0o600, uid, gid: uid },
    };
    const system = createMemorySystem(files);
    const found = await findConfig("/home/u/work/sub", { HOME: "/home/u" }, "linux", {
      uid,
      system,
    });
    expect(found).toEqual({ file: "/home/u/work/neuradock.yaml", source: "search" });
    // Nothing of it is on the real disk: the same search without the System finds nothing.
    await expect(
      findConfig("/home/u/work/sub", { HOME: "/home/u" }, "linux", { uid }),
    ).rejects.toBeInstanceOf(ConfigNotFoundError);
    const shared = createMemorySystem({
      "/home/u/work/neuradock.yaml": { content: "version: 1\n", mode: 0o666, uid, gid: uid },
    });
    await expect(
      findConfig("/home/u/work", { HOME: "/home/u" }, "linux", { uid, system: shared }),
    ).rejects.toThrow(/writable by group and others/);
  });
});
