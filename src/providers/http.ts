import { setTimeout as sleep } from "node:timers/promises";
import { setFlagsFromString } from "node:v8";
import type { Dispatcher } from "undici";
import type { Account } from "../config/types.js";
import { ProviderError } from "../errors.js";

export interface HttpOptions {
  /** Per attempt, headers and body included. */
  timeoutMs: number;
  /** Extra attempts for idempotent GETs on 5xx, reset or timeout. */
  retries: number;
  /** First backoff delay; doubles per retry. */
  backoffMs: number;
}

export const DEFAULT_HTTP_OPTIONS: HttpOptions = { timeoutMs: 15_000, retries: 2, backoffMs: 300 };
const MAX_RETRIES = 2;
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** NEURADOCK_HTTP_TIMEOUT_MS / _RETRIES / _BACKOFF_MS, so tests can shorten the waits. */
export function readHttpOptionsFromEnv(env: NodeJS.ProcessEnv): Partial<HttpOptions> {
  const out: Partial<HttpOptions> = {};
  const num = (name: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === "") return undefined;
    const n = Number(raw);
    return Number.isFinite(n) && n >= 0 ? n : undefined;
  };
  const timeoutMs = num("NEURADOCK_HTTP_TIMEOUT_MS");
  const retries = num("NEURADOCK_HTTP_RETRIES");
  const backoffMs = num("NEURADOCK_HTTP_BACKOFF_MS");
  if (timeoutMs !== undefined && timeoutMs > 0) out.timeoutMs = timeoutMs;
  if (retries !== undefined) out.retries = Math.floor(retries);
  if (backoffMs !== undefined) out.backoffMs = backoffMs;
  return out;
}

type AgentClass = typeof import("undici").Agent;
let undici: Promise<AgentClass> | undefined;

/**
 * undici's index loads fetch, websockets, mocks and more (~50 ms); neuradock needs only the
 * Agent and `dispatcher.request`, so it loads just those modules, on the first request:
 * commands and paths that make none (validate, apply PLANFILE) never pay for it.
 */
function loadUndici(): Promise<AgentClass> {
  if (!undici) {
    // undici parses HTTP with WebAssembly. V8 would recompile it with TurboFan in the
    // background and node waits for that job before exiting (~100 ms per run); baseline
    // (Liftoff) code parses our few small answers just as well.
    setFlagsFromString("--liftoff-only");
    const load = <T>(m: T | { default: T }) => (m as { default?: T }).default ?? (m as T);
    undici = Promise.all([
      import("undici/lib/dispatcher/agent.js"),
      import("undici/lib/dispatcher/dispatcher.js"),
      import("undici/lib/api/api-request.js"),
    ]).then(([agent, dispatcher, request]) => {
      // What undici's index does for the request API (Object.assign(Dispatcher.prototype, api)).
      const proto = load(dispatcher).prototype as { request?: unknown };
      proto.request ??= load(request);
      return load(agent);
    });
  }
  return undici;
}

/** A keep-alive Agent created on first use; closing an unused one loads nothing. */
export interface LazyDispatcher {
  get(): Promise<Dispatcher>;
  close(): Promise<void>;
}

/** One keep-alive dispatcher for every account, so requests to the same relay share sockets. */
export function createDispatcher(): LazyDispatcher {
  let agent: Promise<Dispatcher> | undefined;
  return {
    get() {
      agent ??= loadUndici().then(
        (Agent) =>
          new Agent({ keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000, connections: 64 }),
      );
      return agent;
    },
    async close() {
      if (agent) await (await agent).close();
    },
  };
}

function isLazy(d: Dispatcher | LazyDispatcher): d is LazyDispatcher {
  return typeof (d as Partial<LazyDispatcher>).get === "function" && !("dispatch" in d);
}

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

type Attempt =
  | { kind: "response"; status: number; contentType: string; text: string }
  | {
      kind: "failure";
      reason: "timeout" | "reset" | "refused" | "dns" | "tls" | "other";
      detail: string;
    };

/** The few new-api dashboard calls neuradock needs, with its auth, retries and error mapping. */
export class NewApiClient {
  readonly #dispatcher: Dispatcher | LazyDispatcher;
  readonly #options: HttpOptions;

  constructor(dispatcher: Dispatcher | LazyDispatcher, options: Partial<HttpOptions> = {}) {
    this.#dispatcher = dispatcher;
    this.#options = {
      ...DEFAULT_HTTP_OPTIONS,
      ...options,
      retries: Math.min(MAX_RETRIES, Math.max(0, options.retries ?? DEFAULT_HTTP_OPTIONS.retries)),
    };
  }

  /**
   * Call an `/api/*` path (with a JSON body when given); returns the envelope's `data`, or
   * throws a ProviderError.
   */
  async call(account: Account, method: HttpMethod, path: string, body?: unknown): Promise<unknown> {
    const url = joinUrl(account.url, path);
    const where = `${method} ${redactQuery(url)}`;
    // Only GETs are idempotent: a POST is never repeated, whatever happened to it.
    const attempts = method === "GET" ? 1 + this.#options.retries : 1;
    let outcome: Attempt = { kind: "failure", reason: "other", detail: "not attempted" };
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await sleep(backoffDelay(this.#options.backoffMs, i));
      outcome = await this.#attempt(account, method, url, body);
      if (!isRetryable(outcome)) break;
    }
    const tried = attempts > 1 && isRetryable(outcome) ? ` (after ${attempts} attempts)` : "";
    if (outcome.kind === "failure") {
      throw new ProviderError(account.id, `${where}: ${describeFailure(outcome, account)}${tried}`);
    }
    return interpretResponse(account, where, outcome, tried);
  }

  async #attempt(account: Account, method: string, url: string, body: unknown): Promise<Attempt> {
    // Loaded before the clock starts: module loading is not the server's time.
    await loadUndici();
    const dispatcher = isLazy(this.#dispatcher) ? await this.#dispatcher.get() : this.#dispatcher;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.#options.timeoutMs);
    try {
      const target = new URL(url);
      const res = await dispatcher.request({
        origin: target.origin,
        path: `${target.pathname}${target.search}`,
        method: method as Dispatcher.HttpMethod,
        headers:
          body === undefined
            ? buildHeaders(account)
            : { ...buildHeaders(account), "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: controller.signal,
        headersTimeout: this.#options.timeoutMs,
        bodyTimeout: this.#options.timeoutMs,
      });
      const text = await readBody(res.body);
      const ct = res.headers["content-type"];
      return {
        kind: "response",
        status: res.statusCode,
        contentType: (Array.isArray(ct) ? ct[0] : ct) ?? "",
        text,
      };
    } catch (err) {
      if (timedOut) return { kind: "failure", reason: "timeout", detail: "" };
      return classifyError(err);
    } finally {
      clearTimeout(timer);
    }
  }
}

function buildHeaders(account: Account): Record<string, string> {
  const cookies: string[] = [];
  const headers: Record<string, string> = {
    accept: "application/json",
    "user-agent": "neuradock",
    "new-api-user": String(account.userId),
  };
  if (account.auth.kind === "session") cookies.push(`session=${account.auth.value.reveal()}`);
  else headers.authorization = account.auth.value.reveal();
  for (const [name, value] of Object.entries(account.cookies)) {
    cookies.push(`${name}=${value.reveal()}`);
  }
  if (cookies.length > 0) headers.cookie = cookies.join("; ");
  return headers;
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

function classifyError(err: unknown): Attempt {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e?.code ?? "";
  const causeCode = e?.cause?.code ?? "";
  const codes = `${code} ${causeCode}`;
  const detail = code || causeCode || (e?.message ?? String(err));
  if (/UND_ERR_(HEADERS|BODY|CONNECT)_TIMEOUT|ETIMEDOUT/.test(codes)) {
    return { kind: "failure", reason: "timeout", detail };
  }
  if (/ECONNREFUSED/.test(codes)) return { kind: "failure", reason: "refused", detail };
  if (/ENOTFOUND|EAI_AGAIN/.test(codes)) return { kind: "failure", reason: "dns", detail };
  if (
    /CERT|SSL|TLS|EPROTO|UNABLE_TO_VERIFY|HOSTNAME/.test(codes) ||
    /ssl|tls/i.test(e?.message ?? "")
  ) {
    return {
      kind: "failure",
      reason: "tls",
      detail: `${detail}${e?.message ? `: ${e.message}` : ""}`,
    };
  }
  if (/ECONNRESET|EPIPE|UND_ERR_SOCKET|UND_ERR_CLOSED/.test(codes)) {
    return { kind: "failure", reason: "reset", detail };
  }
  return { kind: "failure", reason: "other", detail };
}

function isRetryable(outcome: Attempt): boolean {
  if (outcome.kind === "response") return outcome.status >= 500;
  return outcome.reason === "reset" || outcome.reason === "timeout";
}

function describeFailure(outcome: Extract<Attempt, { kind: "failure" }>, account: Account): string {
  switch (outcome.reason) {
    case "timeout":
      return "no answer in time (request timed out)";
    case "reset":
      return `the connection was reset by the server (${outcome.detail})`;
    case "refused":
      return `connection refused: nothing is listening at ${originOf(account.url)}`;
    case "dns":
      return `cannot resolve the host of ${originOf(account.url)} (${outcome.detail})`;
    case "tls":
      return `TLS error talking to ${originOf(account.url)} (${scrub(outcome.detail, account)}); check the URL and the certificate`;
    default:
      return `request failed (${scrub(outcome.detail, account)})`;
  }
}

const WAF_MARKERS = ["acw_sc__v2", "var arg1="];

function interpretResponse(
  account: Account,
  where: string,
  res: Extract<Attempt, { kind: "response" }>,
  tried: string,
): unknown {
  // Only what the server said is scrubbed (before it is cut short, so no secret is split),
  // never neuradock's own words: a short wrong token must not blank out the hint text.
  const fail = (message: string): never => {
    throw new ProviderError(account.id, `${where}: ${message}`);
  };
  const looksHtml = /html/i.test(res.contentType) || /^\s*</.test(res.text);
  if (looksHtml && WAF_MARKERS.some((m) => res.text.includes(m))) {
    fail(
      "the relay's web firewall (Aliyun WAF) answered with a browser challenge page instead of JSON. " +
        "Open the dashboard in a browser, copy its WAF cookies (acw_tc, cdn_sec_tc, acw_sc__v2) and " +
        "add them under this account's `cookies:` key in neuradock.yaml.",
    );
  }
  let body: unknown;
  let parsed = false;
  try {
    body = JSON.parse(res.text);
    parsed = true;
  } catch {
    // handled below, after the status is known
  }
  const serverMessage =
    parsed &&
    body &&
    typeof body === "object" &&
    typeof (body as { message?: unknown }).message === "string"
      ? scrub((body as { message: string }).message, account).slice(0, 200)
      : "";
  if (res.status === 401 || res.status === 403) {
    fail(describeUnauthorized(account, res.status, serverMessage));
  }
  if (res.status >= 500) {
    fail(`server error HTTP ${res.status}${serverMessage ? ` (${serverMessage})` : ""}${tried}`);
  }
  if (!parsed) {
    const rawTitle = /<title>([^<]*)<\/title>/i.exec(res.text)?.[1]?.trim();
    const title = rawTitle === undefined ? undefined : scrub(rawTitle, account).slice(0, 80);
    if (looksHtml) {
      fail(
        `expected JSON, got an HTML page (HTTP ${res.status}${title ? `, "${title}"` : ""}); is the URL a new-api dashboard?`,
      );
    }
    fail(
      res.text.trim() === ""
        ? `expected JSON, got an empty answer (HTTP ${res.status})`
        : `expected JSON, got an unreadable or truncated answer (HTTP ${res.status}, ${res.text.length} bytes)`,
    );
  }
  if (res.status < 200 || res.status >= 300) {
    fail(`HTTP ${res.status}${serverMessage ? `: ${serverMessage}` : ""}`);
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    fail("unexpected answer: not a {success, data} envelope");
  }
  const envelope = body as { success?: unknown; data?: unknown };
  if (envelope.success === false) {
    const hint = /登录|login|log in|session|token|授权|权限|unauthori[sz]ed/i.test(serverMessage)
      ? ` — ${authHint(account)}`
      : "";
    fail(`the server refused: "${serverMessage || "(no message)"}"${hint}`);
  }
  return envelope.data;
}

function describeUnauthorized(account: Account, status: number, serverMessage: string): string {
  const said = serverMessage ? ` (server: "${serverMessage}")` : "";
  const userIdSuspect = /new-api-user/i.test(serverMessage);
  const lead = userIdSuspect
    ? `HTTP ${status}: the user id was refused${said}. Check \`user_id\` (sent as New-Api-User: ${account.userId}) — it must be the id of the user the credentials belong to. Otherwise: ${authHint(account)}`
    : `HTTP ${status}: not logged in${said}. ${authHint(account)}`;
  return lead;
}

function authHint(account: Account): string {
  return account.auth.kind === "session"
    ? "The `session` cookie has probably expired (or `user_id` does not match it): log in to the dashboard in a browser, copy the `session` cookie into `session:` (or the environment variable it reads), and check `user_id` (New-Api-User)."
    : "The access token is wrong or was regenerated (or `user_id` does not match it): create a system access token in the dashboard's personal settings, put it in `access_token:` (or the environment variable it reads), and check `user_id` (New-Api-User).";
}

/** A server could echo a credential back; never let one through into an error message. */
function scrub(text: string, account: Account): string {
  let out = text;
  const secrets = [account.auth.value, ...Object.values(account.cookies)].map((s) => s.reveal());
  for (const s of secrets) {
    if (s.length >= 4) out = out.split(s).join("(sensitive)");
  }
  return out;
}

function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}${path}`;
}

function redactQuery(url: string): string {
  return url.replace(/\?.*$/, "");
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

function backoffDelay(base: number, retry: number): number {
  const d = base * 2 ** (retry - 1);
  return d + Math.random() * d * 0.5;
}
