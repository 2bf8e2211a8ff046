import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { ProviderError } from "../../../src/errors.js";
import { createTokenSource } from "../../../src/providers/index.js";
import {
  CookieJar,
  extractArg1,
  isWafChallenge,
  parseSetCookies,
  solveAcwScV2,
  WafSchemeError,
} from "../../../src/providers/waf.js";
import { type FakeGateway, startFakeGateway } from "../../support/fake-gateway/index.js";
import { expectedSolution } from "../../support/fake-gateway/waf.js";
import { accountFor, makeTokens } from "./helpers.js";

describe("solveAcwScV2", () => {
  // Computed with the community's Python port of the challenge script (unsbox + hexXor).
  const vectors: [string, string][] = [
    ["E7FC4E89FD5A4E550E19A8BE2061BD16BE4C0DB3", "64bea28ddf94568d22f0bfcada63148c2371e3d9"],
    ["F806D672A2E5525838EF046B8156D7A059844D57", "68db4f9d2a6f1540837b59a11002ee761a869721"],
    ["3F2E1D0C9B8A7F6E5D4C3B2A1F0E9D8C7B6A5F4E", "569a695fb9cd80b411cd4c9fc3cc940e76aeb6df"],
    ["0000000000000000000000000000000000000000", "3000176000856006061501533003690027800375"],
  ];
  it.each(vectors)("solves %s", (arg1, expected) => {
    expect(solveAcwScV2(arg1)).toBe(expected);
    expect(solveAcwScV2(arg1.toLowerCase())).toBe(expected);
  });

  it("agrees with the challenge script's loop form on any 40 hex characters", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9A-F]{40}$/), (arg1) => {
        expect(solveAcwScV2(arg1)).toBe(expectedSolution(arg1));
      }),
    );
  });

  it.each([
    ["too short", "E7FC4E89FD5A4E550E19A8BE2061BD16BE4C0DB", /39 characters, not 40/],
    ["too long", "E7FC4E89FD5A4E550E19A8BE2061BD16BE4C0DB3A", /41 characters, not 40/],
    ["empty", "", /0 characters, not 40/],
    ["not hex", "G7FC4E89FD5A4E550E19A8BE2061BD16BE4C0DB3", /not hexadecimal/],
    ["with spaces", "E7FC4E89FD5A4E550E19 8BE2061BD16BE4C0DB3", /not hexadecimal/],
  ])("refuses an arg1 that is %s", (_, arg1, message) => {
    expect(() => solveAcwScV2(arg1)).toThrow(WafSchemeError);
    expect(() => solveAcwScV2(arg1)).toThrow(message);
  });
});

describe("challenge pages and cookies", () => {
  const page = `<html><script>var arg1='E7FC4E89FD5A4E550E19A8BE2061BD16BE4C0DB3';
    setCookie('acw_sc__v2', x)</script></html>`;
  it("recognises the challenge only in HTML carrying both markers", () => {
    expect(isWafChallenge("text/html", page)).toBe(true);
    expect(isWafChallenge("", page)).toBe(true);
    expect(isWafChallenge("application/json", '{"message":"acw_sc__v2 var arg1="}')).toBe(false);
    expect(isWafChallenge("text/html", "<html>acw_sc__v2</html>")).toBe(false);
    expect(extractArg1(page)).toBe("E7FC4E89FD5A4E550E19A8BE2061BD16BE4C0DB3");
    expect(extractArg1('var arg1 = "abc";')).toBe("abc");
    expect(extractArg1("<html></html>")).toBeUndefined();
  });

  it("reads Set-Cookie pairs and drops attributes and unsafe ones", () => {
    expect(
      parseSetCookies([
        "acw_tc=abc123;path=/;HttpOnly;Max-Age=1800",
        "cdn_sec_tc=x y; Path=/",
        "=novalue",
        "bad name=1",
      ]),
    ).toEqual([
      ["acw_tc", "abc123"],
      ["cdn_sec_tc", "x y"],
    ]);
    expect(parseSetCookies(undefined)).toEqual([]);
  });

  it("keeps cookies per account and host, and never a relay's session", () => {
    const jar = new CookieJar();
    jar.set("a", "h1:1", "acw_tc", "1");
    jar.set("a", "h1:1", "session", "stolen");
    jar.set("b", "h1:1", "acw_tc", "2");
    expect([...jar.get("a", "h1:1")]).toEqual([["acw_tc", "1"]]);
    expect([...jar.get("a", "h2:1")]).toEqual([]);
    expect([...jar.get("b", "h1:1")]).toEqual([["acw_tc", "2"]]);
  });
});

describe("through a WAF (fake gateway in challenge mode)", () => {
  const user = {
    id: 7,
    session: "sess-waf-0123456789abcdef",
    quota: 1_000_000,
    tokens: makeTokens(3),
  };
  const gateways: FakeGateway[] = [];
  let source: ReturnType<typeof createTokenSource> | undefined;
  afterEach(async () => {
    await source?.close();
    source = undefined;
    await Promise.all(gateways.splice(0).map((g) => g.close()));
  });
  const start = async (opts: Partial<Parameters<typeof startFakeGateway>[0]> = {}) => {
    const gw = await startFakeGateway({
      users: structuredClone([user]),
      wafChallenge: true,
      ...opts,
    });
    gateways.push(gw);
    return gw;
  };

  it("solves the challenge, repeats the request once, and sends the cookies after", async () => {
    const gw = await start({ maxPageSize: 1, envelope: "plain", pageBase: 0 });
    source = createTokenSource();
    const listed = await source.listTokens(accountFor(gw.url, user));
    expect(listed.tokens).toHaveLength(3);
    const log = gw.state.log;
    // 4 pages (3 tokens, one each, then an empty one) + the one challenged request.
    expect(log.map((e) => e.waf)).toEqual(["challenged", "passed", "passed", "passed", "passed"]);
    for (const e of log.slice(1)) {
      expect(e.headers.cookie).toMatch(
        /^session=sess-waf-[^;]*; acw_tc=[0-9a-f]+; acw_sc__v2=[0-9a-f]{40}$/,
      );
    }
  });

  it("meets one challenge per account even when requests start together", async () => {
    const gw = await start();
    source = createTokenSource();
    const listed = await source.listTokens(accountFor(gw.url, user), { balance: true });
    expect(listed.balance).toEqual({ balanceUsd: 2, usedUsd: 0 });
    expect(gw.state.log.filter((e) => e.waf === "challenged")).toHaveLength(1);
    // listing (1 page) + /api/user/self + /api/status + the challenged one
    expect(gw.state.log).toHaveLength(4);
  });

  it("sends a host's cookies only to that host, and one account's only for that account", async () => {
    const waf = await start();
    const plain = await start({ wafChallenge: false });
    source = createTokenSource();
    const other = { ...user, id: 7 };
    await Promise.all([
      source.listTokens(accountFor(waf.url, user, { id: "behind-waf" })),
      // the same relay by another name, and the same user on another host
      source.listTokens(
        accountFor(plain.url.replace("127.0.0.1", "localhost"), other, { id: "direct" }),
      ),
    ]);
    for (const e of plain.state.log) expect(e.headers.cookie).toBe(`session=${user.session}`);
    expect(waf.state.log.filter((e) => e.waf === "challenged")).toHaveLength(1);
  });

  it("replaces a stale acw_sc__v2 from the config with the solved one", async () => {
    const gw = await start();
    source = createTokenSource();
    await source.listTokens(accountFor(gw.url, user, { cookies: { acw_sc__v2: "stale0000" } }));
    const last = gw.state.log.at(-1)!;
    expect(last.waf).toBe("passed");
    expect(last.headers.cookie).not.toContain("stale0000");
    expect(gw.state.log[0]!.headers.cookie).toContain("acw_sc__v2=stale0000");
  });

  it("fails clearly when the WAF challenges again after the solved retry", async () => {
    const gw = await start({ wafChallenge: "always" });
    source = createTokenSource({ retries: 2, backoffMs: 1 });
    const err = await source.listTokens(accountFor(gw.url, user)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as Error).message).toMatch(/challenge page again after neuradock solved it/);
    expect((err as Error).message).toContain("cookies:");
    expect((err as Error).message).not.toContain(user.session);
    expect(gw.state.log).toHaveLength(2);
  });

  it("says the WAF changed when arg1 is malformed", async () => {
    const gw = await start({ wafChallenge: { arg1: "NOT-HEX-NOT-HEX-NOT-HEX-NOT-HEX-NOT-HEX!" } });
    source = createTokenSource();
    const err = await source.listTokens(accountFor(gw.url, user)).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /the WAF changed its scheme \(arg1 is not hexadecimal\)/,
    );
    expect(gw.state.log).toHaveLength(1);
  });
});

describe("fork headers", () => {
  let gw: FakeGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });
  it("sends the user id under every fork's header", async () => {
    const user = { id: 31, accessToken: "tok-forks-0123456789", tokens: makeTokens(1) };
    gw = await startFakeGateway({ users: [user] });
    const source = createTokenSource();
    await source.listTokens(accountFor(gw.url, user));
    await source.close();
    const h = gw.state.log[0]!.headers;
    for (const name of [
      "new-api-user",
      "veloera-user",
      "voapi-user",
      "user-id",
      "rix-api-user",
      "neo-api-user",
    ]) {
      expect(h[name]).toBe("31");
    }
  });
});

describe("timeouts", () => {
  it("a timeout beyond what a timer can hold waits instead of firing at once", async () => {
    const user = { id: 5, accessToken: "tok-timeout-0123456789", tokens: makeTokens(1) };
    const gw = await startFakeGateway({ users: [user], faults: [{ kind: "delay", ms: 100 }] });
    const source = createTokenSource({ timeoutMs: 1e13, retries: 0 });
    try {
      const listed = await source.listTokens(accountFor(gw.url, user));
      expect(listed.tokens).toHaveLength(1);
    } finally {
      await source.close();
      await gw.close();
    }
  });
});
