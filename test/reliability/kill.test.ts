import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemorySystem, type MemoryEntry } from "../support/memory-system.js";
import { bundleDriver } from "./support/bundle.js";
import { runCycle } from "./support/cycle.js";
import {
  bigConfig,
  bigSettings,
  configYaml,
  userGeminiEnv,
  userGeminiSettings,
  userQwenSettings,
} from "./support/fixtures.js";

// SIGKILL `applyPlan` (real System, big files) at random moments, RUNS times, seeded: every
// target file must always be exactly its old or its new version, never torn or empty.
const RUNS = Number(process.env.NEURADOCK_KILL_RUNS ?? 200);
const SEED = Number(process.env.NEURADOCK_KILL_SEED ?? 20260101);
// Counted, not timed: RUNS runs whatever the machine's load (~90 s on 2 idle cores); the
// test's own timeout below only catches a hang.
const HANG_GUARD_MS = 3_600_000;

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

let driver: string;
let home: string;
let state: string;
let bindCfg: string;
let releaseCfg: string;

const files = () => ({
  settings: join(home, ".claude", "settings.json"),
  auth: join(home, ".codex", "auth.json"),
  config: join(home, ".codex", "config.toml"),
  geminiEnv: join(home, ".gemini", ".env"),
  geminiSettings: join(home, ".gemini", "settings.json"),
  opencode: join(home, ".config", "opencode", "opencode.json"),
  qwen: join(home, ".qwen", "settings.json"),
  ledger: join(state, "ledger.json"),
});

async function readAll(): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const [name, path] of Object.entries(files())) {
    out[name] = existsSync(path) ? await readFile(path, "utf8") : null;
  }
  return out;
}

/** What a complete run would leave, computed in memory from the same starting files. */
async function expectedAfter(old: Record<string, string | null>, cfg: string, seed: number) {
  const seedFiles: Record<string, MemoryEntry> = {};
  for (const [name, path] of Object.entries(files())) {
    const text = old[name];
    // With its mode: a file that holds a key and others may read is tightened (a mode change).
    if (text !== null && text !== undefined) {
      seedFiles[path] = { content: text, mode: (await stat(path)).mode & 0o7777 };
    }
  }
  const mem = createMemorySystem(seedFiles);
  // Every complete version a run writes on its way (the pending ledger before the files).
  const written: { path: string; data: string }[] = [];
  const write = mem.writeFileAtomic.bind(mem);
  mem.writeFileAtomic = async (path, data, options) => {
    written.push({ path, data });
    return write(path, data, options);
  };
  await runCycle(mem, { configPath: cfg, home, stateDir: state, seed });
  const out: Record<string, string | null> = {};
  const between: Record<string, string[]> = {};
  for (const [name, path] of Object.entries(files())) {
    out[name] = await mem.readFile(path);
    between[name] = written.filter((w) => w.path === path).map((w) => w.data);
  }
  return { out, between };
}

interface DriverRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  writes: number;
  ms: number;
}

/**
 * When to kill: `atWrite` k = after the k-th write marker (plus `delayMs`), or, with k = 0,
 * `delayMs` after the plan is made. null = let it finish.
 */
type Kill = { atWrite: number; delayMs: number } | null;

function runDriver(cfg: string, seed: number, kill: Kill): Promise<DriverRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [driver, cfg, home, state, String(seed)], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH ?? "" },
    });
    let stdout = "";
    let stderr = "";
    let timer: NodeJS.Timeout | undefined;
    let applyAt = 0;
    let writes = 0;
    const fire = () => {
      if (kill === null || timer !== undefined) return;
      if (kill.delayMs <= 0) child.kill("SIGKILL");
      else timer = setTimeout(() => child.kill("SIGKILL"), kill.delayMs);
    };
    child.stdout.on("data", (d: Buffer) => {
      const chunk = d.toString();
      stdout += chunk;
      if (applyAt === 0 && stdout.includes("apply\n")) {
        applyAt = performance.now();
        if (kill?.atWrite === 0) fire();
      }
      writes += chunk.split("w\n").length - 1;
      if (kill && kill.atWrite > 0 && writes >= kill.atWrite) fire();
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", fail);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      done({
        code,
        signal,
        stdout,
        stderr,
        writes,
        ms: applyAt > 0 ? performance.now() - applyAt : 0,
      });
    });
  });
}

beforeAll(async () => {
  driver = await bundleDriver("test/reliability/support/kill-driver.ts", "kill-driver");
  home = await mkdtemp(join(tmpdir(), "nd-kill-"));
  state = join(home, "state");
  await mkdir(join(home, ".claude"));
  await mkdir(join(home, ".codex"));
  await mkdir(join(home, ".gemini"));
  await writeFile(files().geminiEnv, userGeminiEnv());
  await writeFile(files().geminiSettings, userGeminiSettings());
  await mkdir(join(home, ".qwen"));
  await writeFile(files().qwen, userQwenSettings());
  await writeFile(files().settings, bigSettings());
  await writeFile(files().config, bigConfig());
  bindCfg = resolve(home, "bind.yaml");
  releaseCfg = resolve(home, "release.yaml");
  await writeFile(bindCfg, configYaml(true));
  await writeFile(releaseCfg, configYaml(false));
});

afterAll(async () => {
  if (home) await rm(home, { recursive: true, force: true });
});

describe("SIGKILL during apply", () => {
  it(
    `leaves every file old or new over ${RUNS} seeded runs`,
    async () => {
      const random = mulberry32(SEED);
      const started = Date.now();

      // Calibrate: how long the apply phase takes here, so kills spread over all of it.
      const calib = await runDriver(bindCfg, 0, null);
      expect(calib.stderr).toBe("");
      expect(calib.code).toBe(0);
      const full = Math.max(calib.ms, 5);
      const maxWrites = Math.max(calib.writes, 1);

      const outcomes = { killed: 0, completed: 0, old: 0, new: 0, mixed: 0 };
      for (let i = 1; i <= RUNS; i++) {
        const release = i % 5 === 0;
        const cfg = release ? releaseCfg : bindCfg;
        const old = await readAll();
        const { out: expected, between } = await expectedAfter(old, cfg, i);
        // Half the kills anywhere in the apply phase, half aimed just inside one of the writes.
        const kill: Kill =
          random() < 0.5
            ? { atWrite: 0, delayMs: Math.floor(random() * full * 1.1) }
            : { atWrite: 1 + Math.floor(random() * maxWrites), delayMs: Math.floor(random() * 3) };
        const run = await runDriver(cfg, i, kill);

        if (run.signal === "SIGKILL") outcomes.killed++;
        else {
          outcomes.completed++;
          expect(run.stderr, `run ${i}`).toBe("");
          expect(run.code, `run ${i}`).toBe(0);
        }
        const now = await readAll();
        let olds = 0;
        let news = 0;
        for (const name of Object.keys(now)) {
          const isOld = now[name] === old[name];
          const isNew = now[name] === expected[name];
          const isStep = now[name] !== null && between[name]?.includes(now[name] as string);
          if (!isOld && !isNew && !isStep) {
            throw new Error(
              `run ${i} (${release ? "release" : "bind"}, seed ${SEED}): ${name} is neither the old nor the new version ` +
                `(${now[name] === null ? "absent" : `${now[name]?.length} chars`}, old ${old[name]?.length ?? "absent"}, new ${expected[name]?.length ?? "absent"})`,
            );
          }
          // Whole files only: the strict JSON ones must parse (the others are checked above).
          if (now[name] !== null && ["settings", "auth", "ledger"].includes(name)) {
            JSON.parse(now[name] as string);
          }
          if (isOld && !isNew) olds++;
          if (isNew && !isOld) news++;
        }
        if (olds > 0 && news > 0) outcomes.mixed++;
        else if (news > 0) outcomes.new++;
        else outcomes.old++;
      }

      const leftBehind = (
        await Promise.all(
          [
            join(home, ".claude"),
            join(home, ".codex"),
            join(home, ".gemini"),
            join(home, ".qwen"),
            state,
          ].map((d) => readdir(d)),
        )
      )
        .flat()
        .filter((n) => n.endsWith(".tmp")).length;
      // After all that, a run to completion still works (stale lock taken over, etc.).
      const last = await runDriver(bindCfg, RUNS + 1, null);
      expect(last.stderr).toBe("");
      expect(last.code).toBe(0);
      const temps = [
        ...(await readdir(join(home, ".claude"))),
        ...(await readdir(join(home, ".codex"))),
        ...(await readdir(join(home, ".gemini"))),
        ...(await readdir(join(home, ".config", "opencode"))),
        ...(await readdir(join(home, ".qwen"))),
        ...(await readdir(state)),
        ...(await readdir(join(state, "backups"))),
      ].filter((n) => n.endsWith(".tmp"));
      console.log(
        `kill test: ${JSON.stringify(outcomes)}, apply phase ${Math.round(full)} ms, ` +
          `${leftBehind} temp files of killed writes before the last run, ${Math.round((Date.now() - started) / 1000)} s`,
      );
      // The completed last run removed the temp files the killed ones left behind.
      expect(temps).toEqual([]);
      // The kills must actually have landed inside applies, not only before or after them.
      expect(outcomes.killed).toBeGreaterThan(RUNS / 4);
      expect(outcomes.new + outcomes.mixed).toBeGreaterThan(0);
    },
    HANG_GUARD_MS,
  );
});
