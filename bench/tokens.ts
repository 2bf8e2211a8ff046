import { pathToFileURL } from "node:url";
import type { Account } from "../src/config/types.js";
import { createTokenSource, fetchAllTokens } from "../src/providers/index.js";
import { Secret } from "../src/secret.js";
import { type FakeUser, startFakeGateway } from "../test/support/fake-gateway/index.js";

export interface TokensBenchResult {
  accounts: number;
  latencyMs: number;
  /** Median wall time to list one account, ms. */
  singleMs: number;
  /** Median wall time to list all accounts, ms. */
  manyMs: number;
  /** manyMs / singleMs; the target is < 3. */
  ratio: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/**
 * Listing N accounts should cost about as much as listing one: they are fetched concurrently
 * over one keep-alive dispatcher. Measured against the fake gateway with injected latency.
 */
export async function benchTokens(
  opts: { accounts?: number; latencyMs?: number; rounds?: number } = {},
): Promise<TokensBenchResult> {
  const count = opts.accounts ?? 50;
  const latencyMs = opts.latencyMs ?? 100;
  const rounds = opts.rounds ?? 3;
  const users: FakeUser[] = Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    session: `bench-session-${i + 1}-0123456789abcdef`,
    tokens: Array.from({ length: 5 }, (_, j) => ({
      id: (i + 1) * 100 + j,
      name: `token-${j}`,
      key: `benchkey${i}x${j}abcdefghijklmnopqrstuvwxyz`,
      remain_quota: 1_000_000,
    })),
  }));
  const gateway = await startFakeGateway({ users, latencyMs });
  const accounts: Account[] = users.map((u) => ({
    id: `acct-${u.id}`,
    provider: "newapi",
    url: gateway.url,
    userId: u.id,
    auth: { kind: "session", value: new Secret(u.session as string) },
    cookies: {},
    pos: { file: "bench", line: 1, col: 1 },
  }));
  const source = createTokenSource();
  try {
    const time = async (list: Account[]) => {
      const started = performance.now();
      await fetchAllTokens(source, list);
      return performance.now() - started;
    };
    await time(accounts.slice(0, 1)); // warm-up: connection set-up is not what we measure
    const single: number[] = [];
    const many: number[] = [];
    for (let r = 0; r < rounds; r++) {
      single.push(await time(accounts.slice(0, 1)));
      many.push(await time(accounts));
    }
    const singleMs = median(single);
    const manyMs = median(many);
    return { accounts: count, latencyMs, singleMs, manyMs, ratio: manyMs / singleMs };
  } finally {
    await source.close();
    await gateway.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await benchTokens();
  const verdict = r.ratio < 3 ? "ok" : "SLOW";
  process.stdout.write(
    `tokens: 1 account ${r.singleMs.toFixed(0)} ms, ${r.accounts} accounts ${r.manyMs.toFixed(0)} ms ` +
      `(${r.latencyMs} ms latency): ratio ${r.ratio.toFixed(2)}x (target < 3x) ${verdict}\n`,
  );
}
