import { afterEach, describe, expect, it } from "vitest";
import type { RawToken } from "../../../src/providers/token-list.js";
import { createTokenSource } from "../../../src/providers/token-source.js";
import { type FakeGateway, startFakeGateway } from "../../support/fake-gateway/index.js";
import { accountFor, sessionUser } from "./helpers.js";

// The real relay client against the fake gateway: token CRUD as new-api does it.
let gw: FakeGateway | undefined;
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  await gw?.close();
  gw = undefined;
  close = undefined;
});

const BODY = {
  name: "ci-claude",
  remain_quota: 10_000_000,
  unlimited_quota: false,
  expired_time: -1,
  model_limits_enabled: true,
  model_limits: "claude-sonnet-4-5",
  allow_ips: "",
  group: "default",
};

async function setup(opts: { maskKeys?: boolean } = {}) {
  const user = sessionUser(5, [
    {
      id: 40,
      name: "adopted",
      key: "AdoptedKeyAdoptedKeyAdoptedKeyAdoptedKey0040",
      allow_ips: "10.0.0.1",
      future_field: "kept",
    },
  ]);
  gw = await startFakeGateway({ users: [user], maskKeys: opts.maskKeys ?? true });
  const source = createTokenSource({ retries: 0, timeoutMs: 2_000 });
  close = () => source.close();
  return { user, account: accountFor(gw.url, user), relay: source.relay };
}

describe("relay client: token resources", () => {
  it("creates a token (answer without id or key), finds it by name, reveals its key", async () => {
    const { user, account, relay } = await setup();
    await relay.createToken(account, BODY);
    const post = gw!.state.log.find((e) => e.method === "POST");
    expect(JSON.parse(post!.body)).toEqual(BODY);
    const found = await relay.findTokensByName(account, "ci-claude");
    expect(found).toHaveLength(1);
    const stored = user.tokens.find((t) => t.name === "ci-claude")!;
    expect(found[0]!.id).toBe(stored.id);
    // Listed masked: the key comes from the reveal endpoint.
    expect(found[0]!.key).toContain("*");
    const key = await relay.revealKey(account, found[0]!);
    expect(key.secret.reveal()).toBe(`sk-${stored.key}`);
  });

  it("search matches exact names only", async () => {
    const { account, relay } = await setup();
    await relay.createToken(account, { ...BODY, name: "ci" });
    await relay.createToken(account, { ...BODY, name: "ci-2" });
    const found = await relay.findTokensByName(account, "ci");
    expect(found.map((t) => t.name)).toEqual(["ci"]);
  });

  it("refuses a name over 30 bytes, with the relay's message", async () => {
    const { user, account, relay } = await setup();
    await expect(relay.createToken(account, { ...BODY, name: "x".repeat(31) })).rejects.toThrow(
      /令牌名称过长/,
    );
    expect(user.tokens).toHaveLength(1);
    await relay.createToken(account, { ...BODY, name: "x".repeat(30) });
    expect(user.tokens).toHaveLength(2);
  });

  it("PUT of the whole object as read changes only what differs; unknown fields survive", async () => {
    const { user, account, relay } = await setup();
    const read = await relay.getToken(account, 40);
    await relay.updateToken(account, { ...read, remain_quota: 42 } as RawToken);
    const stored = user.tokens[0]!;
    expect(stored.remain_quota).toBe(42);
    expect(stored.allow_ips).toBe("10.0.0.1");
    expect(stored.future_field).toBe("kept");
    expect(stored.expired_time).toBe(-1);
    expect(stored.key).toBe("AdoptedKeyAdoptedKeyAdoptedKeyAdoptedKey0040");
  });

  it("the fake zeroes what a PUT leaves out (new-api's rule, so partial PUTs are caught)", async () => {
    const { user, account, relay } = await setup();
    await relay.updateToken(account, { id: 40, name: "adopted", key: "", status: 1 });
    const stored = user.tokens[0]!;
    expect(stored.allow_ips).toBe("");
    expect(stored.expired_time).toBe(0);
    expect(stored.group).toBe("");
  });

  it("deletes by id; a missing id is the relay's refusal", async () => {
    const { user, account, relay } = await setup();
    await relay.deleteToken(account, 40);
    expect(user.tokens).toEqual([]);
    await expect(relay.deleteToken(account, 40)).rejects.toThrow(/令牌不存在/);
    await expect(relay.getToken(account, 40)).rejects.toThrow(/令牌不存在/);
  });

  it("status_only changes the status alone, and refuses enabling an expired token", async () => {
    const { user, account, relay } = await setup();
    user.tokens[0]!.status = 3;
    user.tokens[0]!.expired_time = 1_000;
    await expect(relay.setTokenStatus(account, 40, 1)).rejects.toThrow(/令牌已过期/);
    await relay.setTokenStatus(account, 40, 2);
    expect(user.tokens[0]!.status).toBe(2);
    expect(user.tokens[0]!.allow_ips).toBe("10.0.0.1");
  });

  it("a lost create answer: the token exists, the client saw a failure, never a retry", async () => {
    const { user, account, relay } = await setup();
    gw!.inject({ kind: "lose-answer", method: "POST", path: "/api/token" });
    await expect(relay.createToken(account, BODY)).rejects.toThrow();
    expect(user.tokens.filter((t) => t.name === "ci-claude")).toHaveLength(1);
    expect(gw!.state.log.filter((e) => e.method === "POST")).toHaveLength(1);
  });
});
