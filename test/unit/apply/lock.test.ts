import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { acquireLock, LOCK_FILE } from "../../../src/apply/lock.js";
import { LockError } from "../../../src/errors.js";
import { createRealSystem } from "../../../src/system/real-system.js";
import type { System } from "../../../src/system/types.js";
import { createMemorySystem } from "../../support/memory-system.js";

const STATE = "/state";

describe("acquireLock (in memory)", () => {
  it("holds pid and time in a 0600 file and removes it on release", async () => {
    const sys = createMemorySystem();
    const lock = await acquireLock(sys, STATE, { now: () => new Date("2026-01-02T03:04:05Z") });
    const held = JSON.parse((await sys.readFile(`${STATE}/${LOCK_FILE}`)) ?? "null");
    expect(held).toEqual({
      pid: process.pid,
      host: hostname(),
      started: "2026-01-02T03:04:05.000Z",
    });
    expect((await sys.stat(`${STATE}/${LOCK_FILE}`))?.mode).toBe(0o600);
    await lock.release();
    expect(await sys.readFile(`${STATE}/${LOCK_FILE}`)).toBeNull();
  });

  it("a second taker waits for the first to release", async () => {
    const sys = counting(createMemorySystem());
    const first = await acquireLock(sys, STATE);
    let secondGot = false;
    let waited = 0;
    const second = acquireLock(sys, STATE, {
      pollMs: 1,
      timeoutMs: 3_600_000,
      onWait: () => waited++,
    }).then((l) => {
      secondGot = true;
      return l;
    });
    // Counted, not timed: the second taker has found the lock held several times over.
    await Promise.race([sys.attemptsReach(sys.attempts() + 5), second]);
    expect(secondGot).toBe(false);
    expect(waited).toBe(1);
    await first.release();
    const l2 = await second;
    expect(secondGot).toBe(true);
    expect(JSON.parse((await sys.readFile(l2.path)) ?? "{}").pid).toBe(process.pid);
    await l2.release();
  });

  it("gives up after the timeout with a LockError naming the holder", async () => {
    const sys = createMemorySystem();
    const first = await acquireLock(sys, STATE);
    const t0 = Date.now();
    const err = await acquireLock(sys, STATE, { timeoutMs: 150, pollMs: 20 }).catch(
      (e: unknown) => e,
    );
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(err).toBeInstanceOf(LockError);
    expect((err as Error).message).toContain(`pid ${process.pid}`);
    expect((err as Error).message).toContain(`${STATE}/${LOCK_FILE}`);
    await first.release();
  });

  it("takes over the lock of a dead process", async () => {
    const stale = JSON.stringify({
      pid: 999_999,
      host: hostname(),
      started: "2020-01-01T00:00:00Z",
    });
    const sys = createMemorySystem({ [`${STATE}/${LOCK_FILE}`]: stale });
    const lock = await acquireLock(sys, STATE, {
      isAlive: (pid) => pid !== 999_999,
      timeoutMs: 100,
    });
    expect(JSON.parse((await sys.readFile(lock.path)) ?? "{}").pid).toBe(process.pid);
    await lock.release();
  });

  it("never steals a lock held on another host", async () => {
    const other = JSON.stringify({ pid: 1, host: "elsewhere", started: "2020-01-01T00:00:00Z" });
    const sys = createMemorySystem({ [`${STATE}/${LOCK_FILE}`]: other });
    const err = await acquireLock(sys, STATE, {
      isAlive: () => false,
      timeoutMs: 50,
      pollMs: 10,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockError);
    expect((err as Error).message).toContain("pid 1 on elsewhere");
  });

  it("an unreadable old lock (killed before writing) is taken over", async () => {
    const sys = createMemorySystem({ [`${STATE}/${LOCK_FILE}`]: "" });
    const before = await sys.stat(`${STATE}/${LOCK_FILE}`);
    expect(Date.now() - (before?.mtimeMs ?? 0)).toBeGreaterThan(60_000);
    const lock = await acquireLock(sys, STATE, { timeoutMs: 100 });
    const held = JSON.parse((await sys.readFile(lock.path)) ?? "null");
    expect(held).toMatchObject({ pid: process.pid, host: hostname() });
    await lock.release();
    expect(await sys.readFile(lock.path)).toBeNull();
  });

  it("an unreadable lock that was just made (its writer may still be writing) is not taken", async () => {
    const mem = createMemorySystem({ [`${STATE}/${LOCK_FILE}`]: "" });
    const fresh: typeof mem = {
      ...mem,
      stat: async (p) => {
        const st = await mem.stat(p);
        return st && { ...st, mtimeMs: Date.now() };
      },
    };
    const err = await acquireLock(fresh, STATE, { timeoutMs: 50, pollMs: 5 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LockError);
    expect((err as Error).message).toContain("an unknown process");
    expect(await mem.readFile(`${STATE}/${LOCK_FILE}`)).toBe("");
  });

  it("release leaves a lock that is not ours alone", async () => {
    const sys = createMemorySystem();
    const lock = await acquireLock(sys, STATE);
    await sys.writeFileAtomic(lock.path, "someone else");
    await lock.release();
    expect(await sys.readFile(lock.path)).toBe("someone else");
  });
});

describe("acquireLock across processes", () => {
  let dir: string;
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const holdInChild = (stateDir: string, holdMs: number | "until-told") =>
    new Promise<ChildProcess>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          join(import.meta.dirname, "support", "hold-lock.ts"),
          stateDir,
          String(holdMs),
        ],
        { stdio: ["pipe", "pipe", "inherit"] },
      );
      children.push(child);
      child.stdout?.on("data", (b: Buffer) => {
        if (b.toString().includes("locked")) resolve(child);
      });
      child.on("exit", (code) => reject(new Error(`child exited early (${code})`)));
    });

  it("waits for another process, reports it, and takes over when it was killed", async () => {
    dir = await mkdtemp(join(tmpdir(), "nd-lock-"));
    const sys = createRealSystem();
    const child = await holdInChild(dir, 60_000);
    expect((await stat(join(dir, LOCK_FILE))).mode & 0o777).toBe(0o600);

    const err = await acquireLock(sys, dir, { timeoutMs: 300, pollMs: 50 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LockError);
    expect((err as Error).message).toContain(`pid ${child.pid}`);

    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
    // the dead holder's lock file is still there; it is taken over at once
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), "utf8")).pid).toBe(child.pid);
    const lock = await acquireLock(sys, dir, { timeoutMs: 1000 });
    expect(JSON.parse(await readFile(lock.path, "utf8")).pid).toBe(process.pid);
    await lock.release();
  });

  it("a second process gets the lock once the first releases it", async () => {
    dir = await mkdtemp(join(tmpdir(), "nd-lock-"));
    const child = await holdInChild(dir, "until-told");
    const sys = counting(createRealSystem());
    let got = false;
    const taking = acquireLock(sys, dir, { timeoutMs: 3_600_000, pollMs: 5 }).then((l) => {
      got = true;
      return l;
    });
    await Promise.race([sys.attemptsReach(5), taking]);
    expect(got).toBe(false);
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), "utf8")).pid).toBe(child.pid);
    child.stdin?.end("release\n");
    const lock = await taking;
    expect(JSON.parse(await readFile(lock.path, "utf8")).pid).toBe(process.pid);
    await lock.release();
  });
});

/** A System that counts lock attempts (createExclusive calls) and lets a test wait for them. */
function counting<S extends System>(
  base: S,
): S & { attempts(): number; attemptsReach(n: number): Promise<void> } {
  let attempts = 0;
  const waiters: { n: number; done: () => void }[] = [];
  return {
    ...base,
    async createExclusive(path, data, options) {
      const created = await base.createExclusive(path, data, options);
      attempts++;
      for (const w of waiters.filter((w) => attempts >= w.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.done();
      }
      return created;
    },
    attempts: () => attempts,
    attemptsReach: (n) =>
      attempts >= n ? Promise.resolve() : new Promise<void>((done) => waiters.push({ n, done })),
  };
}
