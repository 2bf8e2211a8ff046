import { afterEach, describe, expect, it } from "vitest";
import { ProviderError } from "../../../src/errors.js";
import { createTokenSource, fetchAllTokens } from "../../../src/providers/index.js";
import { Secret } from "../../../src/secret.js";
import { type FakeGateway, startFakeGateway } from "../../support/fake-gateway/index.js";
import { accountFor, makeTokens } from "./helpers.js";

const SESSION = "sess-secret-0123456789abcdefghij";
const ACCESS = "access-secret-9876543210zyxwvuts";
const WAF = {
  acw_tc: "waf-tc-0123456789",
  cdn_sec_tc: "waf-cdn-0123456789",
  acw_sc__v2: "waf-v2-0123456789",
};
const userS = { id: 42, session: SESSION, tokens: makeTokens(3) };
const userA = { id: 43, accessToken: ACCESS, tokens: makeTokens(3, 10) };
const ALL_SECRETS = [SESSION, ACCESS, ...Object.values(WAF), ...userS.tokens.map((t) => t.key)];

let gw: FakeGateway | undefined;
let source: ReturnType<typeof createTokenSource> | undefined;
afterEach(async () => {
  await source?.close();
  await gw?.close();
  source = undefined;
  gw = undefined;
});

async function start(opts: Partial<Parameters<typeof startFakeGateway>[0]> = {}) {
  gw = await startFakeGateway({ users: structuredClone([userS, userA]), ...opts });
  source = createTokenSource({ timeoutMs: 400, backoffMs: 10 });
  return gw;
}

async function failure(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  const message = (err as Error).message;
  for (const s of ALL_SECRETS) expect(message).not.toContain(s);
  return err as ProviderError;
}

describe("requests", () => {
  it("sends the session cookie, extra cookies and New-Api-User", async () => {
    await start();
    await source!.listTokens(accountFor(gw!.url, userS, { cookies: { acw_tc: "abc" } }));
    const h = gw!.state.log[0]!.headers;
    expect(h.cookie).toBe(`session=${SESSION}; acw_tc=abc`);
    expect(h["new-api-user"]).toBe("42");
    expect(h.authorization).toBeUndefined();
  });

  it("sends an access token in Authorization", async () => {
    await start();
    await source!.listTokens(accountFor(gw!.url, userA));
    const h = gw!.state.log[0]!.headers;
    expect(h.authorization).toBe(ACCESS);
    expect(h["new-api-user"]).toBe("43");
    expect(h.cookie).toBeUndefined();
  });

  it("reuses connections (keep-alive)", async () => {
    await start({ maxPageSize: 1, envelope: "plain", pageBase: 0 });
    await source!.listTokens(accountFor(gw!.url, userS));
    expect(gw!.state.log.length).toBe(4);
    // undici may open a second socket while the first is finishing; never one per request.
    expect(new Set(gw!.state.log.map((e) => e.remotePort)).size).toBeLessThan(4);
  });
});

describe("errors", () => {
  it("explains an expired session (401) and names the account", async () => {
    await start();
    const acct = accountFor(gw!.url, { ...userS, session: "expired-session-value-000" });
    const err = await failure(source!.listTokens(acct));
    expect(err.account).toBe("acct42");
    expect(err.message).toMatch(/account 'acct42'/);
    expect(err.message).toMatch(/401/);
    expect(err.message).toMatch(/`session` cookie/);
    expect(err.message).toMatch(/user_id/);
    expect(err.message).not.toContain("expired-session-value-000");
  });

  it("explains a wrong access token", async () => {
    await start();
    const err = await failure(
      source!.listTokens(accountFor(gw!.url, { ...userA, accessToken: "wrong-token-123456" })),
    );
    expect(err.message).toMatch(/access token/);
    expect(err.message).toMatch(/access_token/);
  });

  it("points at user_id when New-Api-User does not match", async () => {
    await start();
    const err = await failure(source!.listTokens(accountFor(gw!.url, userS, { userId: 7 })));
    expect(err.message).toMatch(/user id was refused/);
    expect(err.message).toContain("New-Api-User");
    expect(err.message).toContain("不匹配");
  });

  it("reports success:false with the server's message", async () => {
    await start({ faults: [{ kind: "success-false", message: "系统维护中" }] });
    const err = await failure(source!.listTokens(accountFor(gw!.url, userS)));
    expect(err.message).toContain("系统维护中");
  });

  it("explains a WAF challenge and mentions the cookies: key", async () => {
    await start({ waf: WAF });
    const err = await failure(source!.listTokens(accountFor(gw!.url, userS)));
    expect(err.message).toMatch(/WAF/);
    expect(err.message).toContain("cookies:");
    expect(err.message).toContain("acw_sc__v2");
  });

  it("passes the WAF with its cookies", async () => {
    await start({ waf: WAF });
    const listed = await source!.listTokens(accountFor(gw!.url, userS, { cookies: WAF }));
    expect(listed.tokens).toHaveLength(3);
  });

  it("reports other HTML as non-JSON", async () => {
    await start({ faults: [{ kind: "html" }] });
    const err = await failure(source!.listTokens(accountFor(gw!.url, userS)));
    expect(err.message).toMatch(/expected JSON, got an HTML page/);
  });

  it("reports truncated JSON without crashing", async () => {
    await start({ faults: [{ kind: "truncated" }] });
    const err = await failure(source!.listTokens(accountFor(gw!.url, userS)));
    expect(err.message).toMatch(/truncated/);
    expect(gw!.state.log).toHaveLength(1);
  });

  it("retries a GET on a 5xx burst and succeeds", async () => {
    await start({ faults: [{ kind: "status", status: 502, times: 2 }] });
    const listed = await source!.listTokens(accountFor(gw!.url, userS));
    expect(listed.tokens).toHaveLength(3);
    expect(gw!.state.log).toHaveLength(3);
  });

  it("gives up after 2 retries on 5xx", async () => {
    await start({ faults: [{ kind: "status", status: 503, times: 10 }] });
    const err = await failure(source!.listTokens(accountFor(gw!.url, userS)));
    expect(err.message).toMatch(/HTTP 503.*3 attempts/);
    expect(gw!.state.log).toHaveLength(3);
  });

  it("never retries a 4xx", async () => {
    await start({ faults: [{ kind: "unauthorized", times: 10 }] });
    await failure(source!.listTokens(accountFor(gw!.url, userS)));
    expect(gw!.state.log).toHaveLength(1);
  });

  it("never retries a POST", async () => {
    await start({
      maskKeys: true,
      faults: [{ kind: "status", status: 502, method: "POST", times: 5 }],
    });
    const err = await failure(source!.resolveToken(accountFor(gw!.url, userS), { id: 1 }));
    expect(err.message).toMatch(/POST .*502/);
    expect(gw!.state.log.filter((e) => e.method === "POST")).toHaveLength(1);
  });

  it("retries after a connection reset", async () => {
    await start({ faults: [{ kind: "reset" }] });
    const listed = await source!.listTokens(accountFor(gw!.url, userS));
    expect(listed.tokens).toHaveLength(3);
    expect(gw!.state.log).toHaveLength(2);
  });

  it("times out a hanging server, retrying twice", async () => {
    await start({ faults: [{ kind: "hang", times: 3 }] });
    const err = await failure(source!.listTokens(accountFor(gw!.url, userS)));
    expect(err.message).toMatch(/timed out/);
    expect(gw!.state.log).toHaveLength(3);
  });

  it("times out a body that stalls past the timeout, but not one that is just slow", async () => {
    await start({ faults: [{ kind: "slow-body", ms: 100 }] });
    expect((await source!.listTokens(accountFor(gw!.url, userS))).tokens).toHaveLength(3);
    gw!.inject({ kind: "slow-body", ms: 2000, times: 3 });
    const err = await failure(source!.listTokens(accountFor(gw!.url, userS)));
    expect(err.message).toMatch(/timed out/);
  });

  it("reports a 401 in the middle of the pages", async () => {
    await start({
      maxPageSize: 1,
      faults: [{ kind: "unauthorized", path: "/api/token/", skip: 1 }],
    });
    const err = await failure(source!.listTokens(accountFor(gw!.url, userS)));
    expect(err.message).toMatch(/401/);
    expect(gw!.state.log).toHaveLength(2);
  });

  it("reports connection refused", async () => {
    const g = await start();
    const url = g.url;
    await g.close();
    gw = undefined;
    const err = await failure(source!.listTokens(accountFor(url, userS)));
    expect(err.message).toMatch(/connection refused/);
  });

  it("reports a TLS failure", async () => {
    await start();
    const err = await failure(
      source!.listTokens(accountFor(gw!.url.replace("http:", "https:"), userS)),
    );
    expect(err.message).toMatch(/TLS error/);
  });

  it("reports every failing account at once", async () => {
    await start();
    const bad1 = accountFor(gw!.url, { ...userS, session: "nope-nope-nope" }, { id: "one" });
    const bad2 = accountFor(gw!.url, userS, { id: "two", userId: 1 });
    const good = accountFor(gw!.url, userA, { id: "three" });
    const err = (await fetchAllTokens(source!, [bad1, good, bad2]).catch((e: unknown) => e)) as {
      message: string;
      details: string[];
    };
    expect(err.message).toMatch(/2 relay requests failed/);
    expect(err.details[0]).toMatch(/account 'one'/);
    expect(err.details[1]).toMatch(/account 'two'/);
  });
});

describe("scrubbing the server's words, not neuradock's", () => {
  it("a short wrong access token does not blank out the hint text", async () => {
    await start();
    const wrong = accountFor(gw!.url, userA, {
      auth: { kind: "access_token", value: new Secret("wrong") },
    });
    const err = await failure(source!.listTokens(wrong));
    expect(err.message).toContain("The access token is wrong or was regenerated");
    expect(err.message).not.toContain("(sensitive)");
  });

  it("a secret the server echoes across the cut-off is removed whole, before cutting", async () => {
    const echo = `${"x".repeat(190)}${ACCESS}`;
    await start({ faults: [{ kind: "success-false", message: echo }] });
    const err = await failure(source!.listTokens(accountFor(gw!.url, userA)));
    // The cut may fall inside the placeholder, never inside the secret.
    expect(err.message).toContain(`${"x".repeat(190)}(sensitiv…`);
    expect(err.message).not.toContain(ACCESS.slice(0, 8));
  });
});
