import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runTokens } from "../../../src/commands/tokens.js";
import { usableUsd } from "../../../src/providers/index.js";
import { captureIo } from "../../support/capture-io.js";
import { type FakeGateway, startFakeGateway } from "../../support/fake-gateway/index.js";

describe("usableUsd (relay.md §2)", () => {
  const account = { balanceUsd: 20, usedUsd: 3 };
  it("is the token's remaining quota when the account has more", () => {
    expect(usableUsd({ unlimited: false, balanceUsd: 5 }, account)).toBe(5);
  });
  it("is the account balance for an unlimited token", () => {
    expect(usableUsd({ unlimited: true, balanceUsd: null }, account)).toBe(20);
  });
  it("is capped by the account balance", () => {
    expect(usableUsd({ unlimited: false, balanceUsd: 50 }, account)).toBe(20);
  });
  it("is never negative", () => {
    expect(usableUsd({ unlimited: true, balanceUsd: null }, { balanceUsd: -1, usedUsd: 0 })).toBe(
      0,
    );
  });
});

describe("tokens --json balances against the fake gateway", () => {
  let gw: FakeGateway | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await gw?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("carries balance_usd, used_usd and usable_usd for limited, unlimited and capped tokens", async () => {
    gw = await startFakeGateway({
      // A relay whose unit is 1,000,000 quota per USD: every amount follows /api/status.
      quotaPerUnit: 1_000_000,
      users: [
        {
          id: 9,
          accessToken: "tok-money-0123456789",
          quota: 4_000_000,
          tokens: [
            {
              id: 1,
              name: "limited",
              key: "k1".repeat(20),
              remain_quota: 1_000_000,
              used_quota: 500_000,
            },
            {
              id: 2,
              name: "unlimited",
              key: "k2".repeat(20),
              unlimited_quota: true,
              used_quota: 1_500_000,
            },
            { id: 3, name: "capped", key: "k3".repeat(20), remain_quota: 10_000_000 },
          ],
        },
      ],
    });
    dir = await mkdtemp(join(tmpdir(), "nd-money-"));
    await writeFile(
      join(dir, "neuradock.yaml"),
      `version: 1\naccounts:\n  a:\n    provider: newapi\n    url: ${gw.url}\n    user_id: 9\n    access_token: \${TOK}\n`,
    );
    const io = captureIo({
      cwd: dir,
      env: { TOK: "tok-money-0123456789", NEURADOCK_STATE_DIR: join(dir, "state") },
    });
    expect(await runTokens({ json: true }, io)).toBe(0);
    const out = JSON.parse(io.out());
    const a = out.accounts[0];
    expect(a.balance_usd).toBe(4);
    expect(a.used_usd).toBe(2);
    const usable = Object.fromEntries(
      a.tokens.map((t: { name: string; usable_usd: number; balance_usd: number | null }) => [
        t.name,
        [t.balance_usd, t.usable_usd],
      ]),
    );
    expect(usable).toEqual({ limited: [1, 1], unlimited: [null, 4], capped: [10, 4] });
  });
});
