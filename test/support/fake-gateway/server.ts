import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { type CheckinLedger, type FakeCheckin, handleCheckin } from "./checkin.js";
import { handleTokenCrud } from "./token-crud.js";
import { cookiesOf, issueChallenge, passes, type WafChallengeState } from "./waf.js";

/** A token as new-api stores it (`key` without `sk-`). Omitted fields get sensible defaults. */
export interface FakeToken {
  id: number;
  name: string;
  key: string;
  status?: number;
  remain_quota?: number;
  unlimited_quota?: boolean;
  used_quota?: number;
  expired_time?: number;
  model_limits_enabled?: boolean;
  model_limits?: string;
  group?: string;
  [extra: string]: unknown;
}

export interface FakeUser {
  id: number;
  username?: string;
  session?: string;
  accessToken?: string;
  quota?: number;
  tokens: FakeToken[];
}

/**
 * Old servers: plain array, `p` 0-based, page size from `size`.
 * New servers: paged envelope, `p` 1-based (values < 1 act as 1), page size from `page_size`.
 * Envelope and convention can be mixed to cover odd deployments.
 */
export type PageBase = 0 | 1;
export type Envelope = "plain" | "paged";

export type FaultKind =
  | { kind: "status"; status: number; body?: string }
  | { kind: "reset" }
  | { kind: "hang" }
  | { kind: "truncated" }
  | { kind: "slow-body"; ms: number }
  | { kind: "unauthorized"; message?: string }
  | { kind: "success-false"; message: string }
  | { kind: "html"; body?: string }
  | { kind: "delay"; ms: number }
  /** The request is carried out, then the connection is dropped: its answer is lost. */
  | { kind: "lose-answer" };

/** A fault applied to the next `times` matching requests (after skipping `skip` of them). */
export type Fault = FaultKind & {
  /** Only requests whose path starts with this (e.g. "/api/token/"). */
  path?: string;
  method?: string;
  times?: number;
  skip?: number;
};

export interface FakeGatewayOptions {
  port?: number;
  users: FakeUser[];
  envelope?: Envelope;
  pageBase?: PageBase;
  /** The server silently caps the page size at this (new-api: 100). */
  maxPageSize?: number;
  /** List keys as `abcd**********wxyz`; the full key only from POST /api/token/:id/key. */
  maskKeys?: boolean;
  /** Answer with an Aliyun WAF challenge page unless these cookies come with the request. */
  waf?: Record<string, string> | null;
  /**
   * A real Aliyun WAF in front (new-api.md "WAF challenge"): fresh challenges, passed only by
   * the `acw_tc` it set with the correctly solved `acw_sc__v2`. `"always"`: never passed;
   * `{ arg1 }`: every challenge carries that arg1 (e.g. a malformed one).
   */
  wafChallenge?: boolean | "always" | { arg1: string };
  /** Serve https with this key and certificate. */
  tls?: { key: string; cert: string };
  /** `quota_per_unit` of /api/status (default 500000). */
  quotaPerUnit?: number;
  /** How the check-in endpoints answer (see checkin.ts). */
  checkin?: FakeCheckin;
  /** Added before every answer. */
  latencyMs?: number;
  faults?: Fault[];
}

export interface RequestLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  startedAt: number;
  endedAt?: number;
  status?: number;
  /** Requests in flight when this one arrived (itself included). */
  inFlight: number;
  /** The client's port: equal ports on sequential requests mean a reused (keep-alive) socket. */
  remotePort: number | undefined;
  /** The request body as sent (token resources carry JSON). */
  body: string;
  /** In WAF challenge mode: whether this request was challenged or let through. */
  waf?: "challenged" | "passed";
}

export interface FakeGatewayState {
  users: FakeUser[];
  envelope: Envelope;
  pageBase: PageBase;
  maxPageSize: number;
  maskKeys: boolean;
  waf: Record<string, string> | null;
  wafChallenge: WafChallengeState | null;
  quotaPerUnit: number;
  checkin: FakeCheckin;
  /** Users who checked in "today". */
  checkedIn: CheckinLedger;
  latencyMs: number;
  faults: (Fault & { seen: number; used: number })[];
  log: RequestLogEntry[];
  inFlight: number;
  maxInFlight: number;
  /** Token ids are database ids: unique across users, never reused. */
  nextTokenId: number;
  /** Unix seconds "now" for expiry checks; the real clock unless a test pins it. */
  now: () => number;
  /** While set, every request waits for it before being answered (see FakeGateway.hold). */
  held: Promise<void> | null;
}

export interface FakeGateway {
  url: string;
  port: number;
  state: FakeGatewayState;
  /** Queue a fault (see Fault). */
  inject(fault: Fault): void;
  /** Forget the request log and the concurrency high-water mark. */
  resetLog(): void;
  /**
   * Hold every request (after it is logged) until the returned function is called: a barrier
   * that keeps a client inside whatever it was doing, for as long as a test needs.
   */
  hold(): () => void;
  close(): Promise<void>;
}

const MSG_NO_USER_HEADER = "无权进行此操作，未提供 New-Api-User";
const MSG_BAD_USER_HEADER = "无权进行此操作，New-Api-User 格式错误";
const MSG_USER_MISMATCH = "无权进行此操作，New-Api-User 与登录用户不匹配";
const MSG_NOT_LOGGED_IN = "无权进行此操作，未登录且未提供 access token";

/** A real new-api look-alike on 127.0.0.1, for tests, benches and demos. */
export async function startFakeGateway(opts: FakeGatewayOptions): Promise<FakeGateway> {
  const state: FakeGatewayState = {
    users: opts.users,
    envelope: opts.envelope ?? "paged",
    pageBase: opts.pageBase ?? 1,
    maxPageSize: opts.maxPageSize ?? 100,
    maskKeys: opts.maskKeys ?? false,
    waf: opts.waf ?? null,
    wafChallenge: opts.wafChallenge
      ? {
          issued: new Map(),
          always: opts.wafChallenge === "always",
          ...(typeof opts.wafChallenge === "object" ? { arg1: opts.wafChallenge.arg1 } : {}),
        }
      : null,
    quotaPerUnit: opts.quotaPerUnit ?? 500_000,
    checkin: opts.checkin ?? {},
    checkedIn: new Set(),
    latencyMs: opts.latencyMs ?? 0,
    faults: [],
    log: [],
    inFlight: 0,
    maxInFlight: 0,
    nextTokenId: 1 + Math.max(100, ...opts.users.flatMap((u) => u.tokens.map((t) => t.id))),
    now: () => Math.floor(Date.now() / 1000),
    held: null,
  };
  const inject = (fault: Fault) => state.faults.push({ ...fault, seen: 0, used: 0 });
  for (const f of opts.faults ?? []) inject(f);

  const sockets = new Set<Socket>();
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    void handle(state, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  };
  const server = opts.tls ? createHttpsServer(opts.tls, onRequest) : createServer(onRequest);
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${opts.tls ? "https" : "http"}://127.0.0.1:${port}`,
    port,
    state,
    inject,
    resetLog() {
      state.log = [];
      state.maxInFlight = 0;
    },
    hold() {
      let release = () => {};
      state.held = new Promise<void>((r) => {
        release = () => {
          state.held = null;
          r();
        };
      });
      return release;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function handle(state: FakeGatewayState, req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const entry: RequestLogEntry = {
    method: req.method ?? "GET",
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: { ...req.headers },
    startedAt: Date.now(),
    inFlight: ++state.inFlight,
    remotePort: req.socket.remotePort,
    body: "",
  };
  state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
  state.log.push(entry);
  res.on("close", () => {
    state.inFlight--;
    entry.endedAt = Date.now();
    entry.status = res.headersSent ? res.statusCode : undefined;
  });
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  entry.body = Buffer.concat(chunks).toString("utf8");
  if (state.held) await state.held;
  if (state.latencyMs > 0) await sleep(state.latencyMs);

  const fault = takeFault(state, entry);
  if (fault?.kind === "lose-answer") {
    // Carried out as usual, but the client never hears back.
    res.writeHead = (() => {
      req.socket.destroy();
      return res;
    }) as typeof res.writeHead;
  } else if (fault) {
    const done = await applyFault(fault, req, res);
    if (done) return;
  }

  if (state.waf && !hasWafCookies(req, state.waf)) {
    return sendHtml(res, 200, WAF_CHALLENGE);
  }
  if (state.wafChallenge) {
    if (!passes(state.wafChallenge, cookiesOf(req))) {
      entry.waf = "challenged";
      const { html, setCookie } = issueChallenge(state.wafChallenge);
      res.setHeader("set-cookie", setCookie);
      return sendHtml(res, 200, html);
    }
    entry.waf = "passed";
  }

  if (req.method === "GET" && url.pathname === "/api/status") {
    // Public: no login needed.
    return sendJson(res, 200, {
      success: true,
      message: "",
      data: { quota_per_unit: state.quotaPerUnit, system_name: "fake new-api" },
    });
  }

  const auth = authenticate(state, req);
  if ("error" in auth) return sendJson(res, 401, { success: false, message: auth.error });
  const user = auth.user;

  if (req.method === "GET" && url.pathname === "/api/user/self") {
    const used = user.tokens.reduce((sum, t) => sum + (t.used_quota ?? 0), 0);
    return sendJson(res, 200, {
      success: true,
      message: "",
      data: {
        id: user.id,
        username: user.username ?? `user${user.id}`,
        display_name: user.username ?? `user${user.id}`,
        quota: user.quota ?? 0,
        used_quota: used,
        request_count: 0,
        group: "default",
      },
    });
  }
  if (req.method === "GET" && (url.pathname === "/api/token/" || url.pathname === "/api/token")) {
    return sendJson(res, 200, listPage(state, user, url.searchParams));
  }
  const checkin = handleCheckin(
    state.checkin,
    state.checkedIn,
    user,
    req.method ?? "GET",
    url.pathname,
  );
  if (checkin) return sendJson(res, checkin.status, checkin.body);
  const crud = handleTokenCrud(
    {
      user,
      render: (t) => renderToken(state, user, t),
      nextId: () => state.nextTokenId++,
      now: state.now,
    },
    req.method ?? "GET",
    url.pathname,
    url.searchParams,
    entry.body,
  );
  if (crud) return sendJson(res, crud.status, crud.body);
  const reveal = /^\/api\/token\/(\d+)\/key$/.exec(url.pathname);
  if (req.method === "POST" && reveal) {
    const token = user.tokens.find((t) => t.id === Number(reveal[1]));
    if (!token) return sendJson(res, 200, { success: false, message: "令牌不存在" });
    return sendJson(res, 200, { success: true, message: "", data: { key: token.key } });
  }
  return sendJson(res, 404, { success: false, message: "Not Found" });
}

function listPage(state: FakeGatewayState, user: FakeUser, q: URLSearchParams) {
  const rawP = Number.parseInt(q.get("p") ?? "", 10);
  const sizeParam = state.pageBase === 0 ? q.get("size") : q.get("page_size");
  const rawSize = Number.parseInt(sizeParam ?? "", 10);
  const size = Math.min(state.maxPageSize, Number.isFinite(rawSize) && rawSize > 0 ? rawSize : 10);
  const page =
    state.pageBase === 0
      ? Number.isFinite(rawP) && rawP >= 0
        ? rawP
        : 0
      : Math.max(1, Number.isFinite(rawP) ? rawP : 1);
  const start = (page - state.pageBase) * size;
  // new-api lists newest first.
  const ordered = [...user.tokens].sort((a, b) => b.id - a.id);
  const items = ordered.slice(start, start + size).map((t) => renderToken(state, user, t));
  if (state.envelope === "plain") return { success: true, message: "", data: items };
  return {
    success: true,
    message: "",
    data: { page, page_size: size, total: ordered.length, items },
  };
}

function renderToken(state: FakeGatewayState, user: FakeUser, t: FakeToken) {
  return {
    user_id: user.id,
    status: 1,
    created_time: 1_700_000_000,
    accessed_time: 1_700_000_000,
    expired_time: -1,
    remain_quota: 0,
    unlimited_quota: false,
    used_quota: 0,
    model_limits_enabled: false,
    model_limits: "",
    allow_ips: "",
    group: "default",
    ...t,
    key: state.maskKeys ? maskKey(t.key) : t.key,
  };
}

export function maskKey(key: string): string {
  if (key.length <= 8) return "*".repeat(key.length);
  return `${key.slice(0, 4)}${"*".repeat(10)}${key.slice(-4)}`;
}

function authenticate(
  state: FakeGatewayState,
  req: IncomingMessage,
): { user: FakeUser } | { error: string } {
  const cookies = parseCookies(req.headers.cookie);
  const authz = req.headers.authorization;
  const bearer = typeof authz === "string" ? authz.replace(/^Bearer\s+/i, "").trim() : "";
  let user: FakeUser | undefined;
  if (cookies.session) user = state.users.find((u) => u.session && u.session === cookies.session);
  if (!user && bearer) user = state.users.find((u) => u.accessToken && u.accessToken === bearer);
  if (!user) return { error: MSG_NOT_LOGGED_IN };
  const header = req.headers["new-api-user"];
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value === "") return { error: MSG_NO_USER_HEADER };
  if (!/^\d+$/.test(value)) return { error: MSG_BAD_USER_HEADER };
  if (Number(value) !== user.id) return { error: MSG_USER_MISMATCH };
  return { user };
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

function hasWafCookies(req: IncomingMessage, waf: Record<string, string>): boolean {
  const cookies = parseCookies(req.headers.cookie);
  return Object.entries(waf).every(([k, v]) => cookies[k] === v);
}

const WAF_CHALLENGE = `<html><head><meta charset="utf-8"></head><body><script>
var arg1='3F2E1D0C9B8A7F6E5D4C3B2A1F0E9D8C7B6A5F4E';
function setCookie(name,value){document.cookie=name+'='+value+';path=/';}
setCookie('acw_sc__v2', arg1); location.reload();
</script></body></html>`;

function takeFault(state: FakeGatewayState, entry: RequestLogEntry) {
  for (const f of state.faults) {
    if (f.path && !entry.path.startsWith(f.path)) continue;
    if (f.method && f.method !== entry.method) continue;
    f.seen++;
    if (f.seen <= (f.skip ?? 0)) continue;
    if (f.used >= (f.times ?? 1)) continue;
    f.used++;
    return f;
  }
  return undefined;
}

/** Applies a fault; returns false when the request should then be answered normally. */
async function applyFault(
  f: FaultKind,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  switch (f.kind) {
    case "delay":
      await sleep(f.ms);
      return false;
    case "status":
      res.writeHead(f.status, { "content-type": "text/plain" }).end(f.body ?? `fake ${f.status}`);
      return true;
    case "reset":
      req.socket.destroy();
      return true;
    case "hang":
      // Never answer; close() destroys the socket.
      return true;
    case "truncated": {
      const body = '{"success":true,"message":"","data":[{"id":1,"name":"cla';
      res.writeHead(200, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
      });
      res.end(body);
      return true;
    }
    case "slow-body":
      // The real answer follows, its body stalled halfway (see sendJson).
      slowBodies.set(res, f.ms);
      return false;
    case "unauthorized":
      sendJson(res, 401, { success: false, message: f.message ?? MSG_NOT_LOGGED_IN });
      return true;
    case "success-false":
      sendJson(res, 200, { success: false, message: f.message });
      return true;
    case "lose-answer":
      return false;
    case "html":
      sendHtml(
        res,
        200,
        f.body ?? "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
      );
      return true;
  }
}

const slowBodies = new WeakMap<ServerResponse, number>();

function sendJson(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  const stall = slowBodies.get(res);
  if (stall === undefined) {
    res.end(text);
    return;
  }
  const half = Math.floor(text.length / 2);
  res.write(text.slice(0, half));
  setTimeout(() => {
    if (!res.destroyed) res.end(text.slice(half));
  }, stall);
}

function sendHtml(res: ServerResponse, status: number, html: string) {
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "content-length": Buffer.byteLength(html),
  });
  res.end(html);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
