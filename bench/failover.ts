import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeUser, startFakeGateway } from "../test/support/fake-gateway/index.js";
import { benchConfig, type MeasureSummary, measureInterleaved, runMeasured } from "./apply.js";

export interface FailoverBench {
  one: MeasureSummary;
  five: MeasureSummary;
  /** Gateway requests of one plan, by "METHOD path". */
  oneRequests: Record<string, number>;
  fiveRequests: Record<string, number>;
}

const USD = 500_000;

/**
 * plan with a single token (and a min_balance_usd, so its balance counts) against plan with a
 * 5-token failover list whose first four entries are unhealthy, so the whole list is judged:
 * the list must cost no more requests (one listing and one balance per account) and about
 * the same time.
 */
export async function benchFailover(opts: {
  cli: string;
  runs: number;
  latencyMs: number;
}): Promise<FailoverBench> {
  const user: FakeUser = {
    id: 1,
    accessToken: "bench-failover-access-token-0123456789",
    quota: 100 * USD,
    tokens: Array.from({ length: 5 }, (_, i) => ({
      id: 100 + i,
      name: `t${i}`,
      key: `benchfailover${i}abcdefghijklmnopqrstuvwxyz0123456`,
      remain_quota: 10 * USD,
      // The first four are each unhealthy in their own way.
      ...(i === 0 ? { status: 2 } : {}),
      ...(i === 1 ? { remain_quota: 0.5 * USD } : {}),
      ...(i === 2 ? { expired_time: 1_700_000_000 } : {}),
      ...(i === 3 ? { status: 4 } : {}),
    })),
  };
  const gateway = await startFakeGateway({ users: [user], latencyMs: opts.latencyMs });
  const root = mkdtempSync(join(tmpdir(), "neuradock-bench-failover-"));
  try {
    const setup = (name: string, token: string) => {
      const home = join(root, name);
      mkdirSync(home);
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH ?? "",
        NO_COLOR: "1",
        HOME: home,
        NEURADOCK_STATE_DIR: join(home, "state"),
        BENCH_TOKEN: user.accessToken,
      };
      const yaml = benchConfig(gateway.url, token, ["    min_balance_usd: 1"]);
      writeFileSync(join(home, "neuradock.yaml"), yaml);
      return { name, run: () => runMeasured([opts.cli, "plan"], env, home) };
    };
    const one = setup("one", "t4");
    const five = setup("five", "[t0, t1, t2, t3, t4]");
    const count = async (c: typeof one) => {
      gateway.resetLog();
      await c.run();
      const counts: Record<string, number> = {};
      for (const r of gateway.state.log) {
        const k = `${r.method} ${r.path}`;
        counts[k] = (counts[k] ?? 0) + 1;
      }
      return counts;
    };
    const oneRequests = await count(one);
    const fiveRequests = await count(five);
    const results = await measureInterleaved([one, five], opts.runs);
    return {
      one: results.get("one") as MeasureSummary,
      five: results.get("five") as MeasureSummary,
      oneRequests,
      fiveRequests,
    };
  } finally {
    await gateway.close();
    rmSync(root, { recursive: true, force: true });
  }
}

export function totalRequests(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
