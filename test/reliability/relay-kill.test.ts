import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type FakeGateway,
  type FakeToken,
  type FakeUser,
  startFakeGateway,
} from "../support/fake-gateway/index.js";

// SIGKILL the built CLI at every step of `apply -y` creating a declared token and of
// `apply -y --replace` rotating it (relay.md §4). Steps are counted, never timed: each relay
// request leaving, its answer arriving, each atomic file commit before and after. After
// each kill: the tools hold a key the gateway accepts, at most one extra token exists, and
// the next `apply -y` converges.
const BUILT = resolve("dist");
/** A private copy of dist/: a rebuild meanwhile (tsup cleans dist/) cannot pull the CLI away. */
let CLI: string;
const PRELOAD = resolve("test/reliability/support/step-preload.mjs");
// The acceptance bar is 10 kills per step (~50 steps, two CLI runs each); fewer for a dev loop.
const HITS = Number(process.env.NEURADOCK_RELAY_KILL_HITS ?? 10);
const SEED = Number(process.env.NEURADOCK_KILL_SEED ?? 20260101);
const SESSION = "relay-kill-session-0123456789abcdef";
const OLD = { id: 41, name: "old", key: "OldKeyOldKeyOldKeyOldKeyOldKeyOldKeyOldKey000041" };

let gw: FakeGateway;
let user: FakeUser;
let root: string;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function yaml(declared: boolean): string {
  return `version: 1
accounts:
  personal:
    provider: newapi
    url: ${gw.url}
    user_id: 1001
    session: \${KILL_SESSION}
${declared ? "    tokens:\n      ci-claude:\n        quota_usd: 20\n        models: [claude-sonnet-4-5]\n" : ""}bindings:
  claude-code: { account: personal, token: ${declared ? "ci-claude" : "old"} }
`;
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function cli(home: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      ["--import", PRELOAD, CLI, ...args, "-c", join(home, "neuradock.yaml")],
      {
        cwd: home,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: home,
          NEURADOCK_STATE_DIR: join(home, "state"),
          NO_COLOR: "1",
          NEURADOCK_HTTP_BACKOFF_MS: "5",
          KILL_SESSION: SESSION,
          ...env,
        },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", fail);
    child.on("close", (code, signal) => done({ code, signal, stderr }));
  });
}

async function boundKey(home: string): Promise<string | undefined> {
  const file = join(home, ".claude", "settings.json");
  if (!existsSync(file)) return undefined;
  return JSON.parse(await readFile(file, "utf8")).env?.ANTHROPIC_AUTH_TOKEN;
}

/** The tools hold a key of an enabled token on the gateway (or, before any write, none). */
async function expectAcceptedKey(home: string, where: string): Promise<string> {
  const key = await boundKey(home);
  const accepted = user.tokens.filter((t) => (t.status ?? 1) === 1).map((t) => `sk-${t.key}`);
  expect(accepted, `${where}: the bound key is not accepted by the gateway`).toContain(key);
  return key as string;
}

async function calibrate(home: string, args: string[]): Promise<string[]> {
  const log = join(root, `steps-${Date.now()}.log`);
  const r = await cli(home, args, { NEURADOCK_TEST_STEPS: log });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return (await readFile(log, "utf8")).trim().split("\n");
}

interface World {
  home: string;
  tokens: FakeToken[];
}

/** Every run uses the same HOME path: the ledger records absolute paths. */
const HOME = () => join(root, "home");

async function snapshot(): Promise<World> {
  const copy = await mkdtemp(join(root, "snap-"));
  await cp(HOME(), copy, { recursive: true });
  return { home: copy, tokens: structuredClone(user.tokens) };
}

async function restore(world: World): Promise<string> {
  await rm(HOME(), { recursive: true, force: true });
  await cp(world.home, HOME(), { recursive: true });
  user.tokens.splice(0, user.tokens.length, ...structuredClone(world.tokens));
  return HOME();
}

async function fresh(): Promise<string> {
  await rm(HOME(), { recursive: true, force: true });
  await mkdir(HOME(), { recursive: true });
  return HOME();
}

/** Every step index, HITS times each, in a seeded order. */
function schedule(steps: number, random: () => number): number[] {
  const all = Array.from({ length: steps * HITS }, (_, i) => 1 + (i % steps));
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [all[i], all[j]] = [all[j] as number, all[i] as number];
  }
  return all;
}

const ciTokens = () => user.tokens.filter((t) => t.name.startsWith("ci-claude"));

beforeAll(async () => {
  if (!existsSync(join(BUILT, "cli.js"))) throw new Error("dist/cli.js is missing: build first");
  root = await mkdtemp(join(tmpdir(), "nd-relay-kill-"));
  await cp(BUILT, join(root, "dist"), { recursive: true });
  CLI = join(root, "dist", "cli.js");
  user = { id: 1001, session: SESSION, tokens: [{ ...OLD, remain_quota: 5_000_000 }] };
  gw = await startFakeGateway({ users: [user], maskKeys: true });
});

afterAll(async () => {
  await gw?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe("SIGKILL at every step of a relay apply", () => {
  it("apply -y creating a declared token: every step killed, the next apply converges", async () => {
    // Start: the tool bound to an existing token; the yaml now declares ci-claude and binds it.
    const start = await fresh();
    await writeFile(join(start, "neuradock.yaml"), yaml(false));
    expect((await cli(start, ["apply", "-y"])).code).toBe(0);
    await writeFile(join(start, "neuradock.yaml"), yaml(true));
    const world = await snapshot();

    const steps = await calibrate(await restore(world), ["apply", "-y"]);
    // Counted, not timed: the same run takes the same steps.
    expect(await calibrate(await restore(world), ["apply", "-y"])).toEqual(steps);
    const random = mulberry32(SEED);
    const hits = new Map<number, number>();
    for (const at of schedule(steps.length, random)) {
      const home = await restore(world);
      const killed = await cli(home, ["apply", "-y"], { NEURADOCK_TEST_KILL_AT: String(at) });
      const where = `kill at step ${at} (${steps[at - 1]})`;
      expect(killed.signal, where).toBe("SIGKILL");
      hits.set(at, (hits.get(at) ?? 0) + 1);
      await expectAcceptedKey(home, where);
      expect(ciTokens().length, `${where}: extra tokens`).toBeLessThanOrEqual(1);

      const next = await cli(home, ["apply", "-y"]);
      expect(next.stderr, where).toBe("");
      expect(next.code, where).toBe(0);
      const made = ciTokens();
      expect(
        made.map((t) => t.name),
        where,
      ).toEqual(["ci-claude"]);
      expect(await expectAcceptedKey(home, `${where}, then apply`)).toBe(`sk-${made[0]!.key}`);
      const ledger = JSON.parse(await readFile(join(home, "state", "ledger.json"), "utf8"));
      expect(ledger.tokens.personal, where).toMatchObject({
        managed: { "ci-claude": { id: made[0]!.id, origin: "created" } },
        creating: [],
        replacing: {},
      });
    }
    for (let s = 1; s <= steps.length; s++)
      expect(hits.get(s), `step ${s}`).toBeGreaterThanOrEqual(HITS);
    console.log(`relay kill (create): ${steps.length} steps × ${HITS}: ${steps.join(" | ")}`);
  }, 3_600_000);

  it("apply -y --replace: every step killed, the tools always hold a working key, the next apply finishes the rotation", async () => {
    const start = await fresh();
    await writeFile(join(start, "neuradock.yaml"), yaml(true));
    user.tokens.splice(0, user.tokens.length, { ...OLD, remain_quota: 5_000_000 });
    expect((await cli(start, ["apply", "-y"])).code).toBe(0);
    const world = await snapshot();
    const oldId = ciTokens()[0]!.id;
    const args = ["apply", "-y", "--replace", "personal/ci-claude"];

    const steps = await calibrate(await restore(world), args);
    expect(await calibrate(await restore(world), args)).toEqual(steps);
    const random = mulberry32(SEED + 1);
    const hits = new Map<number, number>();
    for (const at of schedule(steps.length, random)) {
      const home = await restore(world);
      const killed = await cli(home, args, { NEURADOCK_TEST_KILL_AT: String(at) });
      const where = `--replace killed at step ${at} (${steps[at - 1]})`;
      expect(killed.signal, where).toBe("SIGKILL");
      hits.set(at, (hits.get(at) ?? 0) + 1);
      await expectAcceptedKey(home, where);
      expect(ciTokens().length, `${where}: extra tokens`).toBeLessThanOrEqual(2);

      const next = await cli(home, ["apply", "-y"]);
      expect(next.stderr, where).toBe("");
      expect(next.code, where).toBe(0);
      const now = ciTokens();
      expect(
        now.map((t) => t.name),
        where,
      ).toEqual(["ci-claude"]);
      expect(await expectAcceptedKey(home, `${where}, then apply`)).toBe(`sk-${now[0]!.key}`);
      const ledger = JSON.parse(await readFile(join(home, "state", "ledger.json"), "utf8"));
      expect(ledger.tokens.personal, where).toMatchObject({
        managed: { "ci-claude": { id: now[0]!.id, origin: "created" } },
        creating: [],
        replacing: {},
      });
      // Either the rotation had not started (old token kept) or it finished.
      if (now[0]!.id !== oldId)
        expect(
          user.tokens.some((t) => t.id === oldId),
          where,
        ).toBe(false);
    }
    for (let s = 1; s <= steps.length; s++)
      expect(hits.get(s), `step ${s}`).toBeGreaterThanOrEqual(HITS);
    console.log(`relay kill (replace): ${steps.length} steps × ${HITS}: ${steps.join(" | ")}`);
  }, 3_600_000);
});
