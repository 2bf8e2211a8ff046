import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type FakeUser, startFakeGateway } from "../test/support/fake-gateway/index.js";
import { type MeasureSummary, measureInterleaved, runMeasured } from "./apply.js";

// The relay side's costs: the WAF round trip (counted in requests) and what loading undici
// costs, through its index against the modules src/providers/undici.ts loads, and with and
// without the `--liftoff-only` flag it sets.

export interface RelayBench {
  accounts: number;
  /** Gateway requests of one run, without and with the WAF in front. */
  requests: { command: string; plain: number; waf: number }[];
  load: Map<string, MeasureSummary>;
  plan: Map<string, MeasureSummary>;
}

const DEEP = [
  "undici/lib/dispatcher/agent.js",
  "undici/lib/dispatcher/dispatcher.js",
  "undici/lib/api/api-request.js",
];

export async function benchRelay(opts: { cli: string; runs: number }): Promise<RelayBench> {
  const accounts = 3;
  const users: FakeUser[] = Array.from({ length: accounts }, (_, i) => ({
    id: i + 1,
    accessToken: `bench-relay-token-${i + 1}-0123456789abcdef`,
    quota: 5_000_000,
    tokens: [
      { id: 100 + i, name: "claude", key: `benchrelay${i}abcdefghijklmnopqrstuvwxyz012345` },
    ],
  }));
  const root = mkdtempSync(join(tmpdir(), "neuradock-bench-relay-"));
  const gateways = {
    plain: await startFakeGateway({ users }),
    waf: await startFakeGateway({ users, wafChallenge: true }),
  };
  try {
    const homes: Record<string, { home: string; env: NodeJS.ProcessEnv }> = {};
    for (const [mode, gw] of Object.entries(gateways)) {
      const home = join(root, mode);
      mkdirSync(home);
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH ?? "",
        NO_COLOR: "1",
        HOME: home,
        NEURADOCK_STATE_DIR: join(home, "state"),
      };
      const lines = ["version: 1", "accounts:"];
      users.forEach((u, i) => {
        lines.push(`  a${i}:`, "    provider: newapi", `    url: ${gw.url}`);
        lines.push(`    user_id: ${u.id}`, `    access_token: \${BENCH_TOKEN_${i}}`);
        env[`BENCH_TOKEN_${i}`] = u.accessToken;
      });
      lines.push("bindings:", "  claude-code:", "    account: a0", "    token: claude", "");
      writeFileSync(join(home, "neuradock.yaml"), lines.join("\n"));
      homes[mode] = { home, env };
    }
    const requests: RelayBench["requests"] = [];
    for (const [command, args] of [
      ["tokens --refresh", ["tokens", "--refresh"]],
      ["plan", ["plan"]],
    ] as const) {
      const row = { command, plain: 0, waf: 0 };
      for (const mode of ["plain", "waf"] as const) {
        const gw = gateways[mode];
        gw.resetLog();
        const h = homes[mode] as { home: string; env: NodeJS.ProcessEnv };
        await runMeasured([opts.cli, ...args], h.env, h.home);
        row[mode] = gw.state.log.length;
      }
      requests.push(row);
    }

    // Loading undici: its public index, against the modules neuradock loads.
    const cwd = resolve(".");
    const env = { PATH: process.env.PATH ?? "" };
    const importAll = (specs: string[]) =>
      `await Promise.all([${specs.map((s) => `import(${JSON.stringify(s)})`).join(",")}])`;
    const load = await measureInterleaved(
      [
        {
          name: "import('undici') (the public index)",
          run: () => runMeasured(["--input-type=module", "-e", importAll(["undici"])], env, cwd),
        },
        {
          name: "the three modules neuradock loads",
          run: () => runMeasured(["--input-type=module", "-e", importAll(DEEP)], env, cwd),
        },
      ],
      opts.runs,
    );
    // The whole plan, with undici's WebAssembly left to TurboFan against baseline-only.
    const plain = homes.plain as { home: string; env: NodeJS.ProcessEnv };
    const plan = await measureInterleaved(
      [
        {
          name: "plan (--liftoff-only, as shipped)",
          run: () => runMeasured([opts.cli, "plan"], plain.env, plain.home),
        },
        {
          name: "plan (TurboFan left on)",
          run: () =>
            runMeasured(
              [opts.cli, "plan"],
              { ...plain.env, NEURADOCK_UNDICI_TURBOFAN: "1" },
              plain.home,
            ),
        },
      ],
      opts.runs,
    );
    return { accounts, requests, load, plan };
  } finally {
    await Promise.all(Object.values(gateways).map((g) => g.close()));
    rmSync(root, { recursive: true, force: true });
  }
}

/** Extra requests per account per command that the WAF costs. */
export function wafExtraPerAccount(r: RelayBench): number {
  // tokens reads every account, plan only the bound one.
  const perCommand = r.requests.map((q) =>
    q.command === "plan" ? q.waf - q.plain : (q.waf - q.plain) / r.accounts,
  );
  return Math.max(...perCommand);
}

export function formatRelayBench(r: RelayBench): string {
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const lines = [
    `## Relays: the WAF round trip and loading undici (${r.accounts} accounts, one bound)`,
    "",
    "| command | requests, no WAF | requests, WAF in front | extra |",
    "| --- | ---: | ---: | ---: |",
    ...r.requests.map((q) => `| ${q.command} | ${q.plain} | ${q.waf} | ${q.waf - q.plain} |`),
    "",
    "| case | wall (median) | CPU (median) | peak RSS |",
    "| --- | ---: | ---: | ---: |",
    ...[...r.load, ...r.plan].map(
      ([name, s]) => `| ${name} | ${ms(s.wallMs)} | ${ms(s.cpuMs)} | ${s.maxRssMb.toFixed(1)} MB |`,
    ),
  ];
  return lines.join("\n");
}
