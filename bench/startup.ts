import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

export interface StartupCase {
  name: string;
  medianMs: number;
  /** median / median of `node -e 0`. */
  ratio: number;
}

export interface StartupResult {
  runs: number;
  baselineMs: number;
  cases: StartupCase[];
}

const CONFIG = `version: 1
accounts:
  personal:
    provider: anyrouter
    user_id: 12345
    session: \${BENCH_SESSION}
nodes:
  anyrouter:
    my-private: https://api.example.com
bindings:
  claude-code:
    account: personal
    token: claude
    node: my-private
`;

function medianOf(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function timeRuns(args: string[], runs: number, env: NodeJS.ProcessEnv, cwd: string): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { env, cwd, stdio: ["ignore", "ignore", "pipe"] });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (r.status !== 0)
      throw new Error(`bench: \`node ${args.join(" ")}\` exited ${r.status}: ${r.stderr}`);
  }
  return medianOf(times);
}

/**
 * Start-up cost of the built CLI: `--version` and `validate` against `node -e 0`, median of
 * `runs` spawns each (after one warm-up), so a later bench/run.ts can collect the numbers.
 */
export function measureStartup(opts: { runs?: number; cli?: string } = {}): StartupResult {
  const runs = opts.runs ?? 15;
  const cli = resolve(opts.cli ?? "dist/cli.js");
  const dir = mkdtempSync(join(tmpdir(), "neuradock-bench-"));
  try {
    const config = join(dir, "neuradock.yaml");
    writeFileSync(config, CONFIG);
    const env = { PATH: process.env.PATH ?? "", HOME: dir, BENCH_SESSION: "bench-session-value" };
    const cases: [string, string[]][] = [
      ["node -e 0", ["-e", "0"]],
      ["neuradock --version", [cli, "--version"]],
      ["neuradock validate", [cli, "validate", "-c", config]],
    ];
    for (const [, args] of cases) timeRuns(args, 1, env, dir);
    const medians = cases.map(([name, args]) => ({
      name,
      medianMs: timeRuns(args, runs, env, dir),
    }));
    const baselineMs = medians[0]?.medianMs ?? 1;
    return {
      runs,
      baselineMs,
      cases: medians.map((m) => ({ ...m, ratio: m.medianMs / baselineMs })),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatStartup(result: StartupResult): string {
  const lines = [`start-up, median of ${result.runs} runs:`];
  for (const c of result.cases) {
    lines.push(
      `  ${c.name.padEnd(22)} ${c.medianMs.toFixed(1).padStart(7)} ms  ${c.ratio.toFixed(2)}x`,
    );
  }
  return `${lines.join("\n")}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const runs = Number(process.argv[2] ?? 15);
  process.stdout.write(formatStartup(measureStartup({ runs })));
}
