import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/index.js";
import { ConfigError, formatDiagnostic } from "../../../src/errors.js";
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
    const started = Date.now();
    const err = await loadError({ configPath: big, cwd: dir, env: {} });
    expect(err.diagnostics.map(formatDiagnostic)).toEqual([
      `${big}:1:1: the file is 5.0 MB; a config file may be at most 1 MB`,
    ]);
    expect(Date.now() - started).toBeLessThan(2000);
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
});
