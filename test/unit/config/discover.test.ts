import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
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

describe("findConfigFile", () => {
  it.each([
    "neuradock.yaml",
    "neuradock.yml",
    ".neuradockrc",
    ".neuradockrc.yaml",
    ".neuradockrc.yml",
    ".config/neuradockrc",
    ".config/neuradockrc.yaml",
  ])("finds %s in the cwd", async (name) => {
    const file = await put(join(cwd, name));
    expect(await findConfigFile(cwd, env, "linux")).toBe(file);
  });

  it("prefers neuradock.yaml over the rc files", async () => {
    await put(join(cwd, ".neuradockrc"));
    const file = await put(join(cwd, "neuradock.yaml"));
    expect(await findConfigFile(cwd, env, "linux")).toBe(file);
  });

  it("falls back to the user config dir ($XDG_CONFIG_HOME, else ~/.config)", async () => {
    const user = await put(join(home, ".config", "neuradock", "neuradock.yaml"));
    expect(await findConfigFile(cwd, env, "linux")).toBe(user);
    const xdg = await put(join(root, "xdg", "neuradock", "neuradock.yml"));
    expect(await findConfigFile(cwd, { ...env, XDG_CONFIG_HOME: join(root, "xdg") }, "linux")).toBe(
      xdg,
    );
  });

  it("does not walk up into parent directories", async () => {
    await put(join(home, "neuradock.yaml"));
    await expect(findConfigFile(cwd, env, "linux")).rejects.toBeInstanceOf(ConfigNotFoundError);
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
      `no neuradock.yaml found (looked in ${cwd} and ${join(home, ".config", "neuradock")}); run \`neuradock init\` or pass -c FILE`,
    );
  });
});

describe("loadConfig file names in messages", () => {
  it("shows a discovered file relative to the cwd", async () => {
    await put(join(cwd, ".config", "neuradockrc.yaml"), "version: 3\n");
    const err = (await loadConfig({ cwd, env, platform: "linux" }).catch((e) => e)) as ConfigError;
    expect(err.message).toBe(".config/neuradockrc.yaml:1:10: version must be 1");
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
