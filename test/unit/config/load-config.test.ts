import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/index.js";
import { ConfigError, formatDiagnostic } from "../../../src/errors.js";
import { createMemorySystem } from "../../support/memory-system.js";
import { BROKEN_CONFIGS, NEVER_SHOWN, SECRET_ENV } from "./broken-configs.js";

const BROKEN = resolve("test/fixtures/config/broken");

async function loadError(opts: Parameters<typeof loadConfig>[0]): Promise<ConfigError> {
  try {
    await loadConfig(opts);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("expected a ConfigError, the config loaded");
}

describe("loadConfig on the broken-config corpus", () => {
  it("has an expectation for every fixture, and at least 25 of them", async () => {
    const files = (await readdir(BROKEN)).filter((f) => f.endsWith(".yaml")).sort();
    expect(files).toEqual(Object.keys(BROKEN_CONFIGS).sort());
    expect(files.length).toBeGreaterThanOrEqual(25);
  });

  it.each(Object.entries(BROKEN_CONFIGS))("%s", async (name, expected) => {
    const err = await loadError({ configPath: name, cwd: BROKEN, env: { ...SECRET_ENV } });
    expect(err.diagnostics.map(formatDiagnostic)).toEqual(expected.map((e) => `${name}:${e}`));
    const text = [err.message, ...err.details].join("\n");
    for (const secret of NEVER_SHOWN) expect(text).not.toContain(secret);
  });
});

describe("loadConfig limits", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "neuradock-config-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses a 5 MB file before parsing it", async () => {
    const big = join(dir, "big.yaml");
    await writeFile(big, `version: 1\n# ${"x".repeat(5 * 1024 * 1024)}\n`);
    const err = await loadError({ configPath: big, cwd: dir, env: {} });
    expect(err.diagnostics.map(formatDiagnostic)).toEqual([
      `${big}:1:1: the file is 5.0 MB; a config file may be at most 1 MB`,
    ]);
  });

  it("accepts a file just under 1 MB", async () => {
    const file = join(dir, "padded.yaml");
    const body = "version: 1\n";
    await writeFile(file, `${body}#${"x".repeat(1024 * 1024 - body.length - 3)}\n`);
    const config = await loadConfig({ configPath: file, cwd: dir, env: {} });
    expect(config.accounts).toEqual({});
  });

  it("names a missing -c file as given", async () => {
    const err = await loadError({ configPath: "nope/neuradock.yaml", cwd: dir, env: {} });
    expect(err.diagnostics.map(formatDiagnostic)).toEqual([
      "nope/neuradock.yaml:1:1: no such file",
    ]);
  });

  it("reports a directory given as -c", async () => {
    const err = await loadError({ configPath: ".", cwd: dir, env: {} });
    expect(err.message).toBe(".:1:1: is a directory, not a config file");
  });

  it("reads through the System it is given, and refuses what is not a regular file", async () => {
    const system = createMemorySystem({
      "/w/neuradock.yaml": "version: 1\naccounts: {}\n",
      "/w/link.yaml": { kind: "symlink", target: "neuradock.yaml" },
    });
    const config = await loadConfig({ configPath: "link.yaml", cwd: "/w", env: {}, system });
    expect(config.accounts).toEqual({});
    // Not on the real disk: only the System has it.
    const missing = await loadError({ configPath: "neuradock.yaml", cwd: "/w", env: {} });
    expect(missing.message).toBe("neuradock.yaml:1:1: no such file");
    const fifo = join(dir, "fifo.yaml");
    execFileSync("mkfifo", [fifo]);
    const err = await loadError({ configPath: fifo, cwd: dir, env: {} });
    expect(err.message).toBe(`${fifo}:1:1: is not a regular file`);
  });
});

describe("accounts.<id>.proxy and checkin", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "neuradock-proxy-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const load = async (extra: string, env: Record<string, string> = {}) => {
    const file = join(dir, "neuradock.yaml");
    await writeFile(
      file,
      `version: 1\naccounts:\n  a:\n    provider: anyrouter\n    user_id: 1\n    session: s\n${extra}`,
    );
    return loadConfig({ configPath: file, cwd: dir, env });
  };

  it("keeps a proxy (credentials included) as a secret, and checkin settings", async () => {
    const config = await load("    proxy: ${PROXY}\n    checkin: { path: /api/user/check_in }\n", {
      PROXY: "http://me:pa55word@127.0.0.1:3128",
    });
    const a = config.accounts.a!;
    expect(a.proxy?.reveal()).toBe("http://me:pa55word@127.0.0.1:3128");
    expect(JSON.stringify(a)).not.toContain("pa55word");
    expect(a.checkin).toEqual({ path: "/api/user/check_in" });
    expect((await load("    checkin: false\n")).accounts.a!.checkin).toBe(false);
    expect((await load("    checkin: true\n")).accounts.a!.checkin).toBeUndefined();
  });

  it("refuses an unsupported proxy scheme, naming the field and never the value", async () => {
    const err = await loadError({
      configPath: await (async () => {
        const file = join(dir, "socks.yaml");
        await writeFile(
          file,
          "version: 1\naccounts:\n  a:\n    provider: anyrouter\n    user_id: 1\n    session: s\n    proxy: ${P}\n",
        );
        return file;
      })(),
      cwd: dir,
      env: { P: "socks5://me:pa55word@127.0.0.1:1080" },
    });
    const text = [err.message, ...err.details].join("\n");
    expect(text).toMatch(
      /socks\.yaml:7:\d+: accounts\.a\.proxy uses the unsupported proxy scheme socks5:\/\//,
    );
    expect(text).not.toContain("pa55word");
  });

  it("refuses a check-in path that is not an absolute path", async () => {
    const err = await loadError({
      configPath: await (async () => {
        const file = join(dir, "checkin.yaml");
        await writeFile(
          file,
          "version: 1\naccounts:\n  a:\n    provider: newapi\n    url: https://r.example.com\n    user_id: 1\n    session: s\n    checkin: { path: 'https://evil.example.com/x' }\n",
        );
        return file;
      })(),
      cwd: dir,
      env: {},
    });
    expect(err.diagnostics.map((d) => d.line)).toContain(8);
  });
});
