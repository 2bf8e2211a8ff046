import { afterEach, describe, expect, it } from "vitest";
import { type FakeGateway, maskKey, startFakeGateway } from "../../support/fake-gateway/index.js";
import { makeTokens } from "./helpers.js";

// The fake gateway is a test oracle: its new-api rules are checked here on their own.
let gw: FakeGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const users = () => [
  { id: 5, session: "sess-five", tokens: makeTokens(3) },
  { id: 6, accessToken: "acc-six", tokens: makeTokens(2, 50) },
];

async function get(path: string, headers: Record<string, string>) {
  const res = await fetch(`${gw!.url}${path}`, { headers });
  const text = await res.text();
  return { status: res.status, type: res.headers.get("content-type") ?? "", text };
}

describe("fake gateway auth", () => {
  it.each([
    [{ cookie: "session=sess-five" }, 401, "未提供 New-Api-User"],
    [{ cookie: "session=sess-five", "new-api-user": "five" }, 401, "格式错误"],
    [{ cookie: "session=sess-five", "new-api-user": "6" }, 401, "不匹配"],
    [{ cookie: "session=nope", "new-api-user": "5" }, 401, "未登录"],
    [{ cookie: "session=sess-five", "new-api-user": "5" }, 200, '"username"'],
    [{ authorization: "acc-six", "new-api-user": "6" }, 200, '"id":6'],
    [{ authorization: "Bearer acc-six", "new-api-user": "6" }, 200, '"id":6'],
  ])("GET /api/user/self with %j → %i", async (headers, status, needle) => {
    gw = await startFakeGateway({ users: users() });
    const r = await get("/api/user/self", headers);
    expect(r.status).toBe(status);
    expect(r.text).toContain(needle);
    expect(r.type).toMatch(/json/);
  });
});

describe("fake gateway listing", () => {
  const h = { cookie: "session=sess-five", "new-api-user": "5" };

  it("old servers: plain array, 0-based p, size", async () => {
    gw = await startFakeGateway({ users: users(), envelope: "plain", pageBase: 0 });
    const p0 = JSON.parse((await get("/api/token/?p=0&size=2", h)).text);
    const p1 = JSON.parse((await get("/api/token/?p=1&size=2", h)).text);
    const p2 = JSON.parse((await get("/api/token/?p=2&size=2", h)).text);
    expect(p0.data.map((t: { id: number }) => t.id)).toEqual([3, 2]);
    expect(p1.data.map((t: { id: number }) => t.id)).toEqual([1]);
    expect(p2.data).toEqual([]);
  });

  it("new servers: paged envelope, 1-based p (p=0 is page 1), page_size, capped", async () => {
    gw = await startFakeGateway({ users: users(), maxPageSize: 2 });
    const p0 = JSON.parse((await get("/api/token/?p=0&page_size=50", h)).text);
    const p1 = JSON.parse((await get("/api/token/?p=1&page_size=50", h)).text);
    const p2 = JSON.parse((await get("/api/token/?p=2&page_size=50", h)).text);
    expect(p0.data).toMatchObject({ page: 1, page_size: 2, total: 3 });
    expect(p1.data.items).toEqual(p0.data.items);
    expect(p2.data.items.map((t: { id: number }) => t.id)).toEqual([1]);
  });

  it("masks keys and reveals them by POST", async () => {
    gw = await startFakeGateway({ users: users(), maskKeys: true });
    const list = JSON.parse((await get("/api/token/?p=1", h)).text);
    const key = makeTokens(3)[2]!.key;
    expect(list.data.items[0].key).toBe(maskKey(key));
    const res = await fetch(`${gw.url}/api/token/3/key`, { method: "POST", headers: h });
    expect(((await res.json()) as { data: { key: string } }).data.key).toBe(key);
  });

  it("serves a WAF challenge unless the WAF cookies come along", async () => {
    gw = await startFakeGateway({ users: users(), waf: { acw_tc: "w1" } });
    const blocked = await get("/api/user/self", h);
    expect(blocked.status).toBe(200);
    expect(blocked.type).toMatch(/text\/html/);
    expect(blocked.text).toContain("var arg1=");
    const passed = await get("/api/user/self", { ...h, cookie: `${h.cookie}; acw_tc=w1` });
    expect(passed.type).toMatch(/json/);
  });

  it("logs requests with headers and counts concurrency", async () => {
    gw = await startFakeGateway({ users: users(), latencyMs: 100 });
    await Promise.all([1, 2, 3].map(() => get("/api/user/self", h)));
    expect(gw.state.log).toHaveLength(3);
    expect(gw.state.log[0]!.headers["new-api-user"]).toBe("5");
    expect(gw.state.maxInFlight).toBe(3);
    expect(gw.state.log.every((e) => e.status === 200)).toBe(true);
  });

  it("applies faults to matching requests only, after skip, for times", async () => {
    gw = await startFakeGateway({
      users: users(),
      faults: [{ kind: "status", status: 502, path: "/api/token/", skip: 1, times: 2 }],
    });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await get("/api/token/", h)).status);
    statuses.push((await get("/api/user/self", h)).status);
    expect(statuses).toEqual([200, 502, 502, 200, 200]);
  });
});
