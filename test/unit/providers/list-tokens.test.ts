import { afterEach, describe, expect, it } from "vitest";
import { createTokenSource, fetchAllTokens } from "../../../src/providers/index.js";
import {
  type Envelope,
  type FakeGateway,
  type PageBase,
  startFakeGateway,
} from "../../support/fake-gateway/index.js";
import { accountFor, makeTokens, sessionUser } from "./helpers.js";

let gw: FakeGateway | undefined;
let source: ReturnType<typeof createTokenSource> | undefined;
afterEach(async () => {
  await source?.close();
  await gw?.close();
  source = undefined;
  gw = undefined;
});

const conventions: [Envelope, PageBase][] = [
  ["plain", 0],
  ["plain", 1],
  ["paged", 0],
  ["paged", 1],
];

describe("listTokens", () => {
  for (const [envelope, pageBase] of conventions) {
    for (const count of [0, 3, 7, 23]) {
      it(`gets all ${count} tokens from a ${envelope} ${pageBase}-based server capping pages at 5`, async () => {
        const user = sessionUser(1, makeTokens(count));
        gw = await startFakeGateway({ users: [user], envelope, pageBase, maxPageSize: 5 });
        source = createTokenSource();
        const listed = await source.listTokens(accountFor(gw.url, user));
        expect(listed.tokens.map((t) => t.id).sort((a, b) => a - b)).toEqual(
          user.tokens.map((t) => t.id),
        );
        expect(listed.account).toBe("acct1");
        expect(gw.state.log.length).toBeLessThanOrEqual(Math.ceil(count / 5) + 3);
      });
    }
  }

  it("asks for p=0 first, then the page after the one a 1-based server says it sent", async () => {
    const user = sessionUser(1, makeTokens(12));
    gw = await startFakeGateway({ users: [user], envelope: "paged", pageBase: 1, maxPageSize: 5 });
    source = createTokenSource();
    await source.listTokens(accountFor(gw.url, user));
    expect(gw.state.log.map((r) => r.query.p)).toEqual(["0", "2", "3"]);
  });

  it("walks 0-based pages one by one on an old server", async () => {
    const user = sessionUser(1, makeTokens(12));
    gw = await startFakeGateway({ users: [user], envelope: "plain", pageBase: 0, maxPageSize: 5 });
    source = createTokenSource();
    await source.listTokens(accountFor(gw.url, user));
    expect(gw.state.log.map((r) => r.query.p)).toEqual(["0", "1", "2", "3"]);
    expect(gw.state.log[0]?.query.size).toBe("100");
  });

  it("dedupes tokens that a server repeats across pages", async () => {
    const user = sessionUser(1, makeTokens(6));
    gw = await startFakeGateway({ users: [user], envelope: "plain", pageBase: 1, maxPageSize: 4 });
    source = createTokenSource();
    const listed = await source.listTokens(accountFor(gw.url, user));
    const ids = listed.tokens.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(6);
  });

  it("fetches many accounts concurrently through one source", async () => {
    const users = Array.from({ length: 8 }, (_, i) =>
      sessionUser(i + 1, makeTokens(2, i * 10 + 1)),
    );
    gw = await startFakeGateway({ users, latencyMs: 150 });
    source = createTokenSource();
    const all = await fetchAllTokens(
      source,
      users.map((u) => accountFor(gw!.url, u)),
    );
    expect(all.map((a) => a.account)).toEqual(users.map((u) => `acct${u.id}`));
    // All eight were in flight at once: concurrency counted, not timed.
    expect(gw.state.maxInFlight).toBeGreaterThanOrEqual(8);
  });
});
