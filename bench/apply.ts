import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type FakeUser, startFakeGateway } from "../test/support/fake-gateway/index.js";

/** One run of a child `node …`: wall time seen by the parent, CPU and peak RSS seen by the child. */
export interface Measured {
  wallMs: number;
  cpuMs: number;
  maxRssMb: number;
}

export interface MeasureSummary {
  runs: number;
  wallMs: number;
  cpuMs: number;
  /** Highest peak RSS over the runs. */
  maxRssMb: number;
}

// Preloaded into every measured child (and into `node -e 0` alike): getrusage of the child
// itself at exit, µs CPU and KB peak RSS, which /usr/bin/time would only give in 10 ms steps.
const PROBE = `"use strict";
const { appendFileSync } = require("node:fs");
const out = process.env.NEURADOCK_BENCH_PROBE;
if (out) {
  delete process.env.NEURADOCK_BENCH_PROBE;
  process.on("exit", () => {
    const u = process.resourceUsage();
    appendFileSync(out, JSON.stringify({ cpuUs: u.userCPUTime + u.systemCPUTime, rssKb: u.maxRSS }) + "\\n");
  });
}
`;

let probeDir: string | undefined;

function probePath(): string {
  if (!probeDir) {
    probeDir = mkdtempSync(join(tmpdir(), "neuradock-bench-probe-"));
    writeFileSync(join(probeDir, "probe.cjs"), PROBE);
  }
  return join(probeDir, "probe.cjs");
}

export function removeProbe(): void {
  if (probeDir) rmSync(probeDir, { recursive: true, force: true });
  probeDir = undefined;
}

/**
 * Spawn `node <args>` asynchronously (an in-process fake gateway must keep answering) and
 * measure it. A non-zero exit is an error: a bench of a failing command measures nothing.
 */
export function runMeasured(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  expectCode = 0,
  /** The node binary: another version's (bench/node-versions.ts), else the one running the bench. */
  node = process.execPath,
): Promise<Measured> {
  const probe = probePath();
  const out = join(probeDir as string, `r-${process.hrtime.bigint()}.jsonl`);
  return new Promise((done, fail) => {
    const started = process.hrtime.bigint();
    const child = spawn(node, ["-r", probe, ...args], {
      env: { ...env, NEURADOCK_BENCH_PROBE: out },
      cwd,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.on("error", fail);
    child.on("close", (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== expectCode) {
        fail(new Error(`bench: \`node ${args.join(" ")}\` exited ${code}: ${err.slice(0, 2000)}`));
        return;
      }
      try {
        const rec = JSON.parse(readFileSync(out, "utf8").trim()) as {
          cpuUs: number;
          rssKb: number;
        };
        rmSync(out, { force: true });
        done({ wallMs, cpuMs: rec.cpuUs / 1000, maxRssMb: rec.rssKb / 1024 });
      } catch (e) {
        fail(new Error(`bench: no probe record for \`node ${args.join(" ")}\`: ${String(e)}`));
      }
    });
  });
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function summarize(rs: readonly Measured[]): MeasureSummary {
  return {
    runs: rs.length,
    wallMs: median(rs.map((r) => r.wallMs)),
    cpuMs: median(rs.map((r) => r.cpuMs)),
    maxRssMb: Math.max(...rs.map((r) => r.maxRssMb)),
  };
}

/**
 * Run every case `runs` times, round-robin, after one warm-up each: on a shared machine load
 * comes and goes, and interleaving spreads it over all cases instead of a single one.
 */
export async function measureInterleaved(
  cases: readonly { name: string; run: () => Promise<Measured>; before?: () => void }[],
  runs: number,
): Promise<Map<string, MeasureSummary>> {
  const results = new Map<string, Measured[]>(cases.map((c) => [c.name, []]));
  for (const c of cases) {
    c.before?.();
    await c.run();
  }
  for (let i = 0; i < runs; i++) {
    for (const c of cases) {
      c.before?.();
      results.get(c.name)?.push(await c.run());
    }
  }
  return new Map([...results].map(([name, rs]) => [name, summarize(rs)]));
}

/** A settings.json of about `bytes` bytes: a long permissions list, as heavy users have. */
/** The bench's neuradock.yaml: one new-api account (secret from $BENCH_TOKEN), Claude Code bound. */
export function benchConfig(url: string, token: string, bindingExtra: string[] = []): string {
  return [
    "version: 1",
    "accounts:",
    "  acct:",
    "    provider: newapi",
    `    url: ${url}`,
    "    user_id: 1",
    "    access_token: ${BENCH_TOKEN}",
    "bindings:",
    "  claude-code:",
    "    account: acct",
    `    token: ${token}`,
    ...bindingExtra,
    "",
  ].join("\n");
}

export function bigSettingsJson(bytes: number): string {
  const allow: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const rule = `Bash(./scripts/task-${i}.sh --flag value-${i}:*)`;
    allow.push(rule);
    size += rule.length + 8;
  }
  return `${JSON.stringify({ model: "opus", permissions: { allow }, env: { DISABLE_TELEMETRY: "1" } }, null, 2)}\n`;
}

export interface FileSizeRow {
  label: string;
  bytes: number;
  plan: MeasureSummary;
  apply: MeasureSummary;
}

export interface FileSizeBench {
  baseline: MeasureSummary;
  rows: FileSizeRow[];
}

export const FILE_SIZES: readonly { label: string; bytes: number }[] = [
  { label: "10 KB", bytes: 10 * 1024 },
  { label: "1 MB", bytes: 1024 * 1024 },
  { label: "10 MB", bytes: 10 * 1024 * 1024 },
];

/**
 * `neuradock plan` and `neuradock apply -y` (built CLI, fake gateway, no latency) on a
 * settings.json of each size. Every apply starts from the same unapplied file and an empty
 * state dir, so each one really edits, backs up and writes the file.
 */
export async function benchFileSizes(
  opts: { cli?: string; runs?: number; sizes?: readonly { label: string; bytes: number }[] } = {},
): Promise<FileSizeBench> {
  const cli = resolve(opts.cli ?? "dist/cli.js");
  const runs = opts.runs ?? 5;
  const users: FakeUser[] = [
    {
      id: 1,
      accessToken: "bench-access-token-apply-0123456789",
      tokens: [{ id: 10, name: "main", key: "benchapplykeyabcdefghijklmnopqrstuvwxyz0123" }],
    },
  ];
  const gateway = await startFakeGateway({ users });
  const root = mkdtempSync(join(tmpdir(), "neuradock-bench-apply-"));
  try {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? "",
      NO_COLOR: "1",
      BENCH_TOKEN: users[0]?.accessToken,
    };
    const yaml = benchConfig(gateway.url, "main");
    const baselineDir = join(root, "baseline");
    mkdirSync(baselineDir);
    const cases: Parameters<typeof measureInterleaved>[0][number][] = [
      { name: "node -e 0", run: () => runMeasured(["-e", "0"], env, baselineDir) },
    ];
    const texts = new Map<string, string>();
    for (const size of opts.sizes ?? FILE_SIZES) {
      const text = bigSettingsJson(size.bytes);
      texts.set(size.label, text);
      for (const cmd of ["plan", "apply"] as const) {
        const home = join(root, `${cmd}-${size.bytes}`);
        mkdirSync(join(home, ".claude"), { recursive: true });
        writeFileSync(join(home, "neuradock.yaml"), yaml);
        const settings = join(home, ".claude", "settings.json");
        const state = join(home, "state");
        writeFileSync(settings, text);
        const homeEnv = { ...env, HOME: home, NEURADOCK_STATE_DIR: state };
        const args = cmd === "plan" ? [cli, "plan"] : [cli, "apply", "-y"];
        cases.push({
          name: `${cmd} ${size.label}`,
          // Outside the timed part: put the unapplied file back, forget ledger and backups.
          before:
            cmd === "apply"
              ? () => {
                  writeFileSync(settings, text);
                  if (existsSync(state)) rmSync(state, { recursive: true, force: true });
                }
              : undefined,
          run: () => runMeasured(args, homeEnv, home),
        });
      }
    }
    const results = await measureInterleaved(cases, runs);
    const get = (name: string) => results.get(name) as MeasureSummary;
    return {
      baseline: get("node -e 0"),
      rows: (opts.sizes ?? FILE_SIZES).map((s) => ({
        label: s.label,
        bytes: Buffer.byteLength(texts.get(s.label) as string),
        plan: get(`plan ${s.label}`),
        apply: get(`apply ${s.label}`),
      })),
    };
  } finally {
    await gateway.close();
    rmSync(root, { recursive: true, force: true });
  }
}

export interface Slope {
  /** ms per MB between the smallest and the largest file. */
  perMbMs: number;
  /** Per-MB cost of the upper segment over that of the lower one: ~1 when linear. */
  curvature: number;
}

/** Cost per MB from a row list (wall or CPU), and whether it stays flat across sizes. */
export function slopeOf(rows: readonly FileSizeRow[], pick: (r: FileSizeRow) => number): Slope {
  const mb = (r: FileSizeRow) => r.bytes / 1024 / 1024;
  const first = rows[0] as FileSizeRow;
  const mid = rows[Math.floor(rows.length / 2)] as FileSizeRow;
  const last = rows[rows.length - 1] as FileSizeRow;
  const seg = (a: FileSizeRow, b: FileSizeRow) => (pick(b) - pick(a)) / (mb(b) - mb(a));
  return { perMbMs: seg(first, last), curvature: seg(mid, last) / seg(first, mid) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await benchFileSizes({ runs: Number(process.argv[2] ?? 3) });
  removeProbe();
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
