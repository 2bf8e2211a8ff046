import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import module from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliSync } from "../support/run-cli.js";

// src/cli.ts turns on Node's module compile cache where the runtime has it (Node >= 22.1):
// the first run fills <TMPDIR>/node-compile-cache, later runs load compiled code from it.
// The suite runs on Node 20, 22 and 24 in CI, so both branches below are exercised.
const hasCompileCache =
  typeof (module as { enableCompileCache?: unknown }).enableCompileCache === "function";

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "neuradock-compile-cache-"));
  await writeFile(
    join(home, "neuradock.yaml"),
    "version: 1\naccounts:\n  a:\n    provider: anyrouter\n    user_id: 1\n    session: ${A_SESSION}\n",
  );
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

/** Files under the compile cache folder of a run with TMPDIR=tmp. */
function cachedFiles(tmp: string): string[] {
  const root = join(tmp, "node-compile-cache");
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name);
}

describe(`the compile cache on Node ${process.version}`, () => {
  it(
    hasCompileCache
      ? "is filled by the first run and used by the next"
      : "is absent, and nothing breaks",
    async () => {
      const tmp = await mkdtemp(join(home, "tmp-"));
      const first = runCliSync(["validate"], {
        home,
        env: { TMPDIR: tmp, A_SESSION: "s3cr3t-session" },
      });
      expect(first.stderr).toBe("");
      expect(first.code).toBe(0);
      const files = cachedFiles(tmp);
      if (!hasCompileCache) {
        expect(files).toEqual([]);
        return;
      }
      // The command chunks, commander and yaml: far more than the entry file.
      expect(files.length).toBeGreaterThan(5);
      const second = runCliSync(["validate"], {
        home,
        env: { TMPDIR: tmp, A_SESSION: "s3cr3t-session" },
      });
      expect(second.code).toBe(0);
      expect(second.stdout).toBe(first.stdout);
      expect(cachedFiles(tmp).sort()).toEqual(files.sort());
    },
  );

  it("NODE_DISABLE_COMPILE_CACHE turns it off", async () => {
    const tmp = await mkdtemp(join(home, "tmp-"));
    const r = runCliSync(["validate"], {
      home,
      env: { TMPDIR: tmp, NODE_DISABLE_COMPILE_CACHE: "1", A_SESSION: "s3cr3t-session" },
    });
    expect(r.code).toBe(0);
    expect(cachedFiles(tmp)).toEqual([]);
  });
});
