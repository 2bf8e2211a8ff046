import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type FakeUser, startFakeGateway } from "../test/support/fake-gateway/index.js";

export interface PlanBenchResult {
  runs: number;
  settingsBytes: number;
  accounts: number;
  baselineMs: number;
  planMs: number;
  /** planMs / baselineMs (`node -e 0`). */
  ratio: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function timeSpawn(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  return new Promise((done, fail) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env, cwd, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", fail);
    child.on("close", (code) => {
      if (code !== 0) fail(new Error(`bench: \`node ${args.join(" ")}\` exited ${code}: ${err}`));
      else done(Number(process.hrtime.bigint() - started) / 1e6);
    });
  });
}

/** A settings.json of about `bytes` bytes: a long permissions list, as heavy users have. */
function bigSettings(bytes: number): string {
  const allow: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const rule = `Bash(./scripts/task-${i}.sh --flag value-${i}:*)`;
    allow.push(rule);
    size += rule.length + 8;
  }
  return `${JSON.stringify({ model: "opus", permissions: { allow }, env: { DISABLE_TELEMETRY: "1" } }, null, 2)}\n`;
}

/**
 * `neuradock plan` end to end (built CLI, fake gateway on 127.0.0.1) with a 2 MB settings.json
 * and 5 accounts, against `node -e 0`: parsing and planning must not dominate start-up.
 */
export async function benchPlan(
  opts: { runs?: number; settingsBytes?: number; cli?: string } = {},
): Promise<PlanBenchResult> {
  const runs = opts.runs ?? 7;
  const settingsBytes = opts.settingsBytes ?? 2 * 1024 * 1024;
  const cli = resolve(opts.cli ?? "dist/cli.js");
  const users: FakeUser[] = Array.from({ length: 5 }, (_, i) => ({
    id: i + 1,
    accessToken: `bench-access-token-${i + 1}-0123456789`,
    tokens: [{ id: 10 + i, name: "main", key: `benchplankey${i}abcdefghijklmnopqrstuvwxyz0123` }],
  }));
  const gateway = await startFakeGateway({ users });
  const home = mkdtempSync(join(tmpdir(), "neuradock-bench-plan-"));
  try {
    mkdirSync(join(home, ".claude"));
    const settings = bigSettings(settingsBytes);
    writeFileSync(join(home, ".claude", "settings.json"), settings);
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? "", HOME: home, NO_COLOR: "1" };
    env.NEURADOCK_STATE_DIR = join(home, "state");
    const lines = ["version: 1", "accounts:"];
    users.forEach((u, i) => {
      lines.push(`  acct${i}:`, "    provider: newapi", `    url: ${gateway.url}`);
      lines.push(`    user_id: ${u.id}`, `    access_token: \${BENCH_TOKEN_${i}}`);
      env[`BENCH_TOKEN_${i}`] = u.accessToken;
    });
    lines.push("bindings:", "  claude-code:", "    account: acct0", "    token: main");
    lines.push("  codex:", "    account: acct1", "    token: main");
    writeFileSync(join(home, "neuradock.yaml"), `${lines.join("\n")}\n`);

    const cases = [
      ["-e", "0"],
      [cli, "plan"],
    ];
    for (const args of cases) await timeSpawn(args, env, home);
    const medians: number[] = [];
    for (const args of cases) {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) times.push(await timeSpawn(args, env, home));
      medians.push(median(times));
    }
    const [baselineMs, planMs] = medians as [number, number];
    return {
      runs,
      settingsBytes: Buffer.byteLength(settings),
      accounts: users.length,
      baselineMs,
      planMs,
      ratio: planMs / baselineMs,
    };
  } finally {
    await gateway.close();
    rmSync(home, { recursive: true, force: true });
  }
}

export function formatPlanBench(r: PlanBenchResult): string {
  const mb = (r.settingsBytes / 1024 / 1024).toFixed(1);
  return [
    `plan, ${mb} MB settings.json, ${r.accounts} accounts, median of ${r.runs} runs:`,
    `  node -e 0        ${r.baselineMs.toFixed(1).padStart(7)} ms`,
    `  neuradock plan   ${r.planMs.toFixed(1).padStart(7)} ms  ${r.ratio.toFixed(2)}x`,
    "",
  ].join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const runs = Number(process.argv[2] ?? 7);
  benchPlan({ runs }).then(
    (r) => process.stdout.write(formatPlanBench(r)),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
