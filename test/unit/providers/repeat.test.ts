import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Account } from "../../../src/config/types.js";
import { ProviderError } from "../../../src/errors.js";
import { createTokenSource } from "../../../src/providers/index.js";
import { Secret } from "../../../src/secret.js";

// Broken servers the fake gateway does not model: a tiny raw server per case.
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function serve(
  answer: (p: number, n: number) => unknown,
): Promise<{ url: string; hits: () => number }> {
  let n = 0;
  const server = createServer((req, res) => {
    const p = Number(new URL(req.url ?? "/", "http://x").searchParams.get("p"));
    const body = JSON.stringify({ success: true, message: "", data: answer(p, n++) });
    res.writeHead(200, { "content-type": "application/json" }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  close = () => new Promise((r) => server.close(() => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => n };
}

const account = (url: string): Account => ({
  id: "broken",
  provider: "newapi",
  url,
  userId: 1,
  auth: { kind: "access_token", value: new Secret("tok-0123456789") },
  cookies: {},
  pos: { file: "x", line: 1, col: 1 },
});

const token = (id: number) => ({
  id,
  name: `t${id}`,
  key: `key-${id}-abcdefghijklmnop`,
  status: 1,
});

describe("paging guards", () => {
  it("stops when a plain server repeats the same page forever", async () => {
    const s = await serve(() => [token(1), token(2)]);
    const source = createTokenSource();
    const listed = await source.listTokens(account(s.url));
    await source.close();
    expect(listed.tokens.map((t) => t.id)).toEqual([1, 2]);
    expect(s.hits()).toBe(3);
  });

  it("stops when a paged server repeats a page and never reaches its total", async () => {
    const s = await serve(() => ({
      page: 1,
      page_size: 2,
      total: 50,
      items: [token(1), token(2)],
    }));
    const source = createTokenSource();
    const listed = await source.listTokens(account(s.url));
    await source.close();
    expect(listed.tokens).toHaveLength(2);
    expect(s.hits()).toBe(3);
  });

  it("gives up with an error on a server whose pages never end", async () => {
    const s = await serve((_p, n) => [token(n + 1)]);
    const source = createTokenSource();
    const err = await source.listTokens(account(s.url)).catch((e: unknown) => e);
    await source.close();
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as Error).message).toMatch(/did not end after 100 pages/);
  });

  it("accepts a paged envelope with null items as empty", async () => {
    const s = await serve(() => ({ page: 1, page_size: 10, total: 0, items: null }));
    const source = createTokenSource();
    const listed = await source.listTokens(account(s.url));
    await source.close();
    expect(listed.tokens).toEqual([]);
  });
});
