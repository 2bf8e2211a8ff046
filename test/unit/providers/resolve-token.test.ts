import { afterEach, describe, expect, it } from "vitest";
import { ProviderError } from "../../../src/errors.js";
import { createTokenSource, resolveAllTokens } from "../../../src/providers/index.js";
import {
  DEMO_USERS,
  demoSecrets,
  type FakeGateway,
  startFakeGateway,
} from "../../support/fake-gateway/index.js";
import { accountFor } from "./helpers.js";

let gw: FakeGateway | undefined;
let source: ReturnType<typeof createTokenSource> | undefined;
afterEach(async () => {
  await source?.close();
  await gw?.close();
  source = undefined;
  gw = undefined;
});

async function setup(opts: { maskKeys?: boolean } = {}) {
  const users = structuredClone(DEMO_USERS);
  gw = await startFakeGateway({ users, ...opts });
  source = createTokenSource({ retries: 0 });
  const [alice, bob] = users;
  return { alice: accountFor(gw.url, alice!), bob: accountFor(gw.url, bob!), users };
}

async function failure(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

describe("resolveToken", () => {
  it("resolves a token by name to an sk- key", async () => {
    const { alice } = await setup();
    const r = await source!.resolveToken(alice, { name: "claude" });
    expect(r.info.id).toBe(11);
    expect(r.key.secret.reveal()).toBe(`sk-${DEMO_USERS[0]!.tokens[0]!.key}`);
    expect(gw!.state.log.every((e) => e.method === "GET")).toBe(true);
  });

  it("resolves a token by id", async () => {
    const { bob } = await setup();
    const r = await source!.resolveToken(bob, { id: 22 });
    expect(r.info.id).toBe(22);
    expect(r.account).toBe(bob.id);
  });

  it("reveals a masked key through POST /api/token/<id>/key", async () => {
    const { alice } = await setup({ maskKeys: true });
    const r = await source!.resolveToken(alice, { name: "claude" });
    expect(r.key.secret.reveal()).toBe(`sk-${DEMO_USERS[0]!.tokens[0]!.key}`);
    const post = gw!.state.log.find((e) => e.method === "POST");
    expect(post?.path).toBe("/api/token/11/key");
  });

  it("refuses a relay that reveals a masked key again", async () => {
    const { alice, users } = await setup({ maskKeys: true });
    users[0]!.tokens[0]!.key = "abcd**********wxyz";
    const err = await failure(source!.resolveToken(alice, { name: "claude" }));
    expect(err.message).toMatch(/no usable key.*masked/);
  });

  it("names both ids when a name is ambiguous", async () => {
    const { bob } = await setup();
    const err = await failure(source!.resolveToken(bob, { name: "default" }));
    expect(err.message).toMatch(/ambiguous/);
    expect(err.message).toContain("21");
    expect(err.message).toContain("22");
    expect(err.account).toBe(bob.id);
  });

  it("lists the available names and the nearest one when a name is missing", async () => {
    const { alice } = await setup();
    const err = await failure(source!.resolveToken(alice, { name: "claud" }));
    expect(err.message).toContain("did you mean 'claude'");
    expect(err.message).toMatch(/available: .*claude.*codex.*old/);
  });

  it("lists what exists when an id is missing", async () => {
    const { alice } = await setup();
    const err = await failure(source!.resolveToken(alice, { id: 99 }));
    expect(err.message).toMatch(/no token with id 99/);
    expect(err.message).toContain("claude (id 11)");
  });

  it("refuses a token that is not enabled and names its status", async () => {
    const { alice, users } = await setup();
    const e1 = await failure(source!.resolveToken(alice, { name: "old" }));
    expect(e1.message).toMatch(/'old' \(id 13\) is disabled/);
    users[0]!.tokens[0]!.status = 4;
    const e2 = await failure(source!.resolveToken(alice, { name: "claude" }));
    expect(e2.message).toMatch(/is exhausted/);
    users[0]!.tokens[0]!.status = 9;
    const e3 = await failure(source!.resolveToken(alice, { name: "claude" }));
    expect(e3.message).toMatch(/is unknown \(status 9\)/);
  });

  it("resolves several bindings concurrently and reports every failure", async () => {
    const { alice, bob } = await setup();
    const ok = await resolveAllTokens(source!, [
      { account: alice, selector: { name: "codex" } },
      { account: bob, selector: { id: 21 } },
    ]);
    expect(ok.map((r) => r.info.id)).toEqual([12, 21]);
    const err = await resolveAllTokens(source!, [
      { account: alice, selector: { name: "nope" } },
      { account: bob, selector: { name: "default" } },
    ]).catch((e: Error & { details: string[] }) => e);
    expect((err as { details: string[] }).details).toHaveLength(2);
    expect((err as { details: string[] }).details.join("\n")).toMatch(/nope[\s\S]*ambiguous/);
  });

  it("never puts a secret into an error message", async () => {
    const { alice, bob } = await setup();
    const messages: string[] = [];
    for (const [acct, sel] of [
      [alice, { name: "x" }],
      [bob, { name: "default" }],
      [alice, { id: 1 }],
      [alice, { name: "old" }],
    ] as const) {
      messages.push((await failure(source!.resolveToken(acct, sel))).message);
    }
    const text = messages.join("\n");
    for (const secret of demoSecrets()) expect(text).not.toContain(secret);
  });
});

describe("two bindings on one account", () => {
  it("share one listing, and a failure is reported once", async () => {
    const { alice, users } = await setup();
    const requests = [
      { account: alice, selector: { name: "claude" } },
      { account: alice, selector: { name: "codex" } },
    ];
    const resolved = await resolveAllTokens(source!, requests);
    expect(resolved.map((r) => r.info.name)).toEqual(["claude", "codex"]);
    const listings = gw!.state.log.filter((r) => r.path === "/api/token/");
    expect(listings).toHaveLength(1);

    users[0]!.session = "rotated-elsewhere";
    gw!.state.users = users;
    const err = await resolveAllTokens(source!, requests).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).details).toEqual([]);
  });
});
