import type { ProxyRoute } from "./proxy.js";
import { type Dispatcher, loadAgent, loadProxyAgent } from "./undici.js";

/** One HTTP exchange with a relay: what was sent, through which route. */
export interface Exchange {
  method: "GET" | "POST" | "PUT" | "DELETE";
  url: URL;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** null: a direct connection. */
  route: ProxyRoute | null;
}

export type FailureReason =
  | "timeout"
  | "reset"
  | "refused"
  | "dns"
  | "tls"
  | "too-large"
  | "proxy-refused"
  | "proxy-auth"
  | "proxy-tunnel"
  | "other";

export type Attempt =
  | {
      kind: "response";
      status: number;
      contentType: string;
      text: string;
      setCookies: string[];
    }
  | { kind: "failure"; reason: FailureReason; detail: string; route: ProxyRoute | null };

const MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * The connections of one command: a keep-alive Agent for direct requests and one ProxyAgent
 * per proxy, each created on first use (closing an unused transport loads nothing).
 */
export class Transport {
  #direct: Promise<Dispatcher> | undefined;
  readonly #proxied = new Map<string, Promise<Dispatcher>>();
  readonly #injected: Dispatcher | undefined;

  /** `dispatcher`: use this one for every request (tests). */
  constructor(dispatcher?: Dispatcher) {
    this.#injected = dispatcher;
  }

  #dispatcherFor(route: ProxyRoute | null): Promise<Dispatcher> {
    if (this.#injected) return Promise.resolve(this.#injected);
    const pool = { keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000, connections: 64 };
    if (!route) {
      this.#direct ??= loadAgent().then((Agent) => new Agent(pool));
      return this.#direct;
    }
    let d = this.#proxied.get(route.href);
    if (!d) {
      // proxyTunnel false: plain http relays go as absolute-form requests to the proxy, as
      // curl sends them; https relays always go through a CONNECT tunnel.
      d = loadProxyAgent().then(
        (ProxyAgent) => new ProxyAgent({ uri: route.href, proxyTunnel: false, ...pool }),
      );
      this.#proxied.set(route.href, d);
    }
    return d;
  }

  async send(ex: Exchange): Promise<Attempt> {
    // Loaded before the clock starts: module loading is not the server's time.
    const dispatcher = await this.#dispatcherFor(ex.route);
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, ex.timeoutMs);
    try {
      const res = await dispatcher.request({
        origin: ex.url.origin,
        path: `${ex.url.pathname}${ex.url.search}`,
        method: ex.method,
        headers: ex.headers,
        ...(ex.body !== undefined ? { body: ex.body } : {}),
        signal: controller.signal,
        headersTimeout: ex.timeoutMs,
        bodyTimeout: ex.timeoutMs,
      });
      const text = await readBody(res.body);
      const ct = res.headers["content-type"];
      const sc = res.headers["set-cookie"];
      return {
        kind: "response",
        status: res.statusCode,
        contentType: (Array.isArray(ct) ? ct[0] : ct) ?? "",
        text,
        setCookies: sc === undefined ? [] : Array.isArray(sc) ? sc : [sc],
      };
    } catch (err) {
      if (timedOut) return { kind: "failure", reason: "timeout", detail: "", route: ex.route };
      return classifyError(err, ex.route);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    const all = [this.#direct, ...this.#proxied.values()].filter((d) => d !== undefined);
    this.#direct = undefined;
    this.#proxied.clear();
    await Promise.all(all.map(async (d) => (await d).close()));
  }
}

async function readBody(body: Dispatcher.ResponseData["body"]): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) {
      body.destroy();
      throw Object.assign(new Error("response body too large"), { code: "NEURADOCK_TOO_LARGE" });
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** An undici/socket error as a reason neuradock can explain (and decide to retry on). */
export function classifyError(err: unknown, route: ProxyRoute | null): Attempt {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e?.code ?? "";
  const causeCode = e?.cause?.code ?? "";
  const codes = `${code} ${causeCode}`;
  const message = e?.message ?? String(err);
  const detail = code || causeCode || message;
  const fail = (reason: FailureReason, d = detail): Attempt => ({
    kind: "failure",
    reason,
    detail: d,
    route,
  });
  if (code === "NEURADOCK_TOO_LARGE") return fail("too-large");
  if (route) {
    // Through a proxy, the socket undici opens is to the proxy.
    if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN/.test(codes)) return fail("proxy-refused");
    if (/\b407\b/.test(message)) return fail("proxy-auth", "407");
    const tunnel = /Proxy response \((\d+)\)/.exec(message);
    if (tunnel) return fail("proxy-tunnel", `HTTP ${tunnel[1]}`);
  }
  if (/UND_ERR_(HEADERS|BODY|CONNECT)_TIMEOUT|ETIMEDOUT/.test(codes)) return fail("timeout");
  if (/ECONNREFUSED/.test(codes)) return fail("refused");
  if (/ENOTFOUND|EAI_AGAIN/.test(codes)) return fail("dns");
  if (/CERT|SSL|TLS|EPROTO|UNABLE_TO_VERIFY|HOSTNAME/.test(codes) || /ssl|tls/i.test(message)) {
    return fail("tls", `${detail}${e?.message ? `: ${e.message}` : ""}`);
  }
  if (/ECONNRESET|EPIPE|UND_ERR_SOCKET|UND_ERR_CLOSED/.test(codes)) return fail("reset");
  return fail("other");
}
