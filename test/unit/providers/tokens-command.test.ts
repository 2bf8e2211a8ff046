import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runTokens } from "../../../src/commands/tokens.js";
import { readCachedTokens, writeCachedTokens } from "../../../src/providers/index.js";
import { captureIo } from "../../support/capture-io.js";
import {
  DEMO_USERS,
  demoConfigYaml,
  demoEnv,
  type FakeGateway,
  startFakeGateway,
} from "../../support/fake-gateway/index.js";
import { createMemorySystem } from "../../support/memory-system.js";
import { accountFor } from "./helpers.js";

let dir: string;
let gw: FakeGateway;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "nd-tokens-cmd-"));
  gw = await startFakeGateway({ users: structuredClone(DEMO_USERS) });
  await writeFile(join(dir, "neuradock.yaml"), demoConfigYaml(gw.url));
});
afterEach(async () => {
  await gw.close();
  await rm(dir, { recursive: true, force: true });
});

function io(stderrIsTTY: boolean) {
  return captureIo({
    cwd: dir,
    env: { ...demoEnv(), HOME: dir, NEURADOCK_STATE_DIR: join(dir, "state") },
    stderrIsTTY,
  });
}

describe("runTokens", () => {
  it("draws a progress line on stderr only when stderr is a terminal", async () => {
    const tty = io(true);
    expect(await runTokens({ json: true }, tty)).toBe(0);
    expect(tty.err()).toContain("fetching tokens");
    // It names the config that chose the relays (on a terminal; --json says `config`).
    expect(tty.err().startsWith("Using config neuradock.yaml\n")).toBe(true);
    expect(JSON.parse(tty.out()).config).toBe(join(dir, "neuradock.yaml"));
    expect(tty.err().endsWith("\r\x1b[K")).toBe(true);
    const pipe = io(false);
    expect(await runTokens({ json: true, refresh: true }, pipe)).toBe(0);
    expect(pipe.err()).toBe("");
    expect(JSON.parse(pipe.out()).accounts).toHaveLength(3);
  });

  it("says when there are no accounts, and fetches nothing", async () => {
    await writeFile(join(dir, "neuradock.yaml"), "version: 1\naccounts: {}\n");
    const out = io(true);
    expect(await runTokens({}, out)).toBe(0);
    expect(out.out()).toMatch(/^No accounts in .*neuradock\.yaml\.\n$/);
    expect(out.err()).toBe("Using config neuradock.yaml\n");
    expect(gw.state.log).toHaveLength(0);
  });

  it("prints an empty account list as JSON", async () => {
    await writeFile(join(dir, "neuradock.yaml"), "version: 1\n");
    const out = io(false);
    expect(await runTokens({ json: true }, out)).toBe(0);
    expect(JSON.parse(out.out())).toEqual({ config: join(dir, "neuradock.yaml"), accounts: [] });
  });
});

describe("token cache", () => {
  it("expires after an hour and ignores a different user", async () => {
    const system = createMemorySystem();
    const cacheDir = "/state/cache";
    const account = accountFor(gw.url, DEMO_USERS[0]!);
    const fetchedAt = "2026-01-01T10:00:00Z";
    await writeCachedTokens(system, cacheDir, account, {
      account: account.id,
      provider: "newapi",
      fetchedAt,
      tokens: [],
    });
    const at = (iso: string) => readCachedTokens(system, cacheDir, account, new Date(iso));
    expect(await at("2026-01-01T10:59:00Z")).not.toBeNull();
    expect(await at("2026-01-01T11:00:01Z")).toBeNull();
    expect(
      await readCachedTokens(
        system,
        cacheDir,
        { ...account, userId: 9 },
        new Date("2026-01-01T10:01:00Z"),
      ),
    ).toBeNull();
  });

  it("is written through the System: a 0600 file in a directory made private again", async () => {
    const system = createMemorySystem({ "/state/cache": { kind: "dir", mode: 0o755 } });
    const account = accountFor(gw.url, DEMO_USERS[0]!);
    const listing = {
      account: account.id,
      provider: "newapi" as const,
      fetchedAt: "x",
      tokens: [],
    };
    await writeCachedTokens(system, "/state/cache", account, listing);
    const snap = system.snapshot();
    expect(snap["/state/cache"]).toEqual({ kind: "dir", mode: 0o700 });
    expect(snap[`/state/cache/tokens-${account.id}.json`]).toMatchObject({
      kind: "file",
      mode: 0o600,
    });
    expect(system.log.map((l) => l.op)).toEqual(["write"]);
    // Damaged or absent: no listing, no error.
    await system.writeFileAtomic(`/state/cache/tokens-${account.id}.json`, "{oops");
    expect(await readCachedTokens(system, "/state/cache", account)).toBeNull();
    expect(await readCachedTokens(createMemorySystem(), "/state/cache", account)).toBeNull();
  });
});
