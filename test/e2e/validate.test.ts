import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliSync } from "../support/run-cli.js";
import { BROKEN_CONFIGS, NEVER_SHOWN, SECRET_ENV } from "../unit/config/broken-configs.js";

const _CLI = resolve(process.env.NEURADOCK_CLI ?? "dist/cli.js");
const BROKEN = resolve("test/fixtures/config/broken");
const EXAMPLE = resolve("neuradock.example.yaml");

let home: string;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "neuradock-validate-e2e-"));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

const run = (args: string[], cwd: string, env: Record<string, string> = {}) =>
  runCliSync(args, { home, cwd, env });

describe("neuradock validate (built CLI)", () => {
  it.each(Object.entries(BROKEN_CONFIGS))("rejects %s", (name, expected) => {
    const r = run(["validate", "-c", name], BROKEN, SECRET_ENV);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    for (const line of expected) expect(r.stderr).toContain(`${name}:${line}`);
    expect(r.stderr.startsWith("error: ")).toBe(true);
    expect(r.stderr).not.toContain("    at ");
    for (const secret of NEVER_SHOWN) expect(r.stdout + r.stderr).not.toContain(secret);
  });

  it("accepts the example config and summarises it", () => {
    const r = run(["validate", "-c", EXAMPLE], home, {
      ANYROUTER_SESSION: "example-session-secret-000",
      AGENTROUTER_ACCESS_TOKEN: "example-token-secret-000",
      RELAY_TOKEN: "example-relay-secret-000",
    });
    expect(r).toEqual({
      code: 0,
      stdout: `${EXAMPLE} is valid: 3 accounts, 1 custom node, 2 bindings.\n`,
      stderr: "",
    });
  });

  it("names the unset variables of the example, never a value", () => {
    const r = run(["validate", "-c", EXAMPLE], home, {
      ANYROUTER_SESSION: "only-this-one-is-set-000",
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("environment variable AGENTROUTER_ACCESS_TOKEN is not set");
    expect(r.stderr).toContain("environment variable RELAY_TOKEN is not set");
    expect(r.stderr).not.toContain("ANYROUTER_SESSION");
    expect(r.stderr).not.toContain("only-this-one-is-set-000");
  });

  it("finds neuradock.yaml in the cwd and names it relatively", async () => {
    const dir = await mkdtemp(join(home, "proj-"));
    await writeFile(
      join(dir, "neuradock.yaml"),
      "version: 1\naccounts:\n  me:\n    provider: agentrouter\n    user_id: 1\n    access_token: ${T}\nbindings:\n  codex:\n    account: me\n    token: main\n",
    );
    expect(run(["validate"], dir, { T: "tok-secret-0000" })).toEqual({
      code: 0,
      stdout: "neuradock.yaml is valid: 1 account, 0 custom nodes, 1 binding.\n",
      stderr: "",
    });
  });

  it("fails clearly when no config exists", async () => {
    const dir = await mkdtemp(join(home, "empty-"));
    const r = run(["validate"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: no neuradock\.yaml found \(looked in .+\); run `neuradock init`, pass -c FILE or set NEURADOCK_CONFIG\n$/,
    );
  });

  it("refuses a 5 MB file without parsing it", async () => {
    const big = join(home, "big.yaml");
    await writeFile(big, `version: 1\nx: "${"a".repeat(5 * 1024 * 1024)}"\n`);
    const r = run(["validate", "-c", big], home);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `error: ${big}:1:1: the file is 5.0 MB; a config file may be at most 1 MB\n`,
    );
  });
});
