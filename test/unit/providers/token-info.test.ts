import { describe, expect, it } from "vitest";
import { mapTokenStatus, toTokenInfo } from "../../../src/providers/token-list.js";

const base = { id: 7, name: "claude", key: "abcdefghijklmnopqrstuvwxyz", status: 1 };

describe("toTokenInfo", () => {
  it("maps statuses 1..4 (numbers or numeric strings) and anything else to unknown", () => {
    expect([1, 2, 3, 4, 5, 0, "1", " 2 ", "x", "1.5", null].map(mapTokenStatus)).toEqual([
      "enabled",
      "disabled",
      "expired",
      "exhausted",
      "unknown",
      "unknown",
      "enabled",
      "disabled",
      "unknown",
      "unknown",
      "unknown",
    ]);
  });

  it("converts quota to USD at 500000 per dollar", () => {
    const info = toTokenInfo({ ...base, remain_quota: 2_500_000, used_quota: 125_000 });
    expect(info.balanceUsd).toBe(5);
    expect(info.usedUsd).toBe(0.25);
    expect(info.unlimited).toBe(false);
  });

  it("has no balance when unlimited", () => {
    const info = toTokenInfo({ ...base, remain_quota: 123, unlimited_quota: true });
    expect(info.balanceUsd).toBeNull();
    expect(info.unlimited).toBe(true);
  });

  it("reads -1 as never expiring and unix seconds as an ISO date", () => {
    expect(toTokenInfo({ ...base, expired_time: -1 }).expires).toBeNull();
    expect(toTokenInfo({ ...base, expired_time: 1_735_689_600 }).expires).toBe(
      "2025-01-01T00:00:00Z",
    );
  });

  it("splits model limits only when they are enabled", () => {
    const limits = { model_limits: "gpt-5, claude-sonnet-4,," };
    expect(toTokenInfo({ ...base, ...limits, model_limits_enabled: true }).modelLimits).toEqual([
      "gpt-5",
      "claude-sonnet-4",
    ]);
    expect(toTokenInfo({ ...base, ...limits, model_limits_enabled: false }).modelLimits).toEqual(
      [],
    );
  });

  it("keeps only a hint of the key, masked or not", () => {
    expect(toTokenInfo(base).keyHint).toBe("sk-abcd…wxyz");
    expect(toTokenInfo({ ...base, key: "abcd**********wxyz" }).keyHint).toBe("sk-abcd…wxyz");
    expect(JSON.stringify(toTokenInfo(base))).not.toContain("efghijklmnop");
  });

  it("ignores unknown fields", () => {
    const info = toTokenInfo({ ...base, cross_group_retry: true, group: "vip" } as typeof base);
    expect(info.group).toBe("vip");
    expect(Object.keys(info)).not.toContain("cross_group_retry");
  });
});
