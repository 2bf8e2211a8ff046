import { setTimeout as sleep } from "node:timers/promises";
import type { Account } from "../config/types.js";
import { ProviderError } from "../errors.js";
import {
  describeFailure,
  describeRefusal,
  interpretResponse,
  isRetryable,
  retryReason,
  type Scrub,
  scrubber,
} from "./answers.js";
import {
  ProxyConfigError,
  type ProxyEnv,
  type ProxyRoute,
  readProxyEnv,
  routeFor,
} from "./proxy.js";
import { type Attempt, type Exchange, Transport } from "./transport.js";
import type { Dispatcher } from "./undici.js";
import {
  CookieJar,
  extractArg1,
  isWafChallenge,
  parseSetCookies,
  solveAcwScV2,
  WafSchemeError,
} from "./waf.js";

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
const MAX_TIMEOUT_MS = 2_147_483_647;

/** NEURADOCK_HTTP_TIMEOUT_MS / _RETRIES / _BACKOFF_MS (documented in the README). */
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

/** What a command may show while it waits for relays (progress on a terminal). */
export type RelayEvent =
  | { type: "request"; account: string; what: string }
  | {
      type: "retry";
      account: string;
      what: string;
      reason: string;
      /** The attempt about to be made (2 for the first retry) and how many there may be. */
      attempt: number;
      of: number;
    }
  | { type: "waf"; account: string; host: string }
  /** The request has its final answer (or failed for good). */
  | { type: "done"; account: string; what: string };

export interface ClientOptions extends Partial<HttpOptions> {
  /** Proxy variables (HTTPS_PROXY, …) come from here; default: none. */
  env?: NodeJS.ProcessEnv;
  onEvent?: (event: RelayEvent) => void;
  /** Send every request through this dispatcher (tests); default: neuradock's own agents. */
  dispatcher?: Dispatcher;
}

export type Method = "GET" | "POST" | "PUT" | "DELETE";

export interface CallOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** How progress names the request (default: method and path). */
  label?: string;
}

/** A 2xx JSON envelope: `success` false included, for callers that read it themselves. */
export interface Envelope {
  success: boolean;
  message: string;
  data: unknown;
}

/** The few new-api dashboard calls neuradock needs, with its auth, WAF, proxies, retries and errors. */
export class NewApiClient {
  readonly #transport: Transport;
  readonly #options: HttpOptions;
  readonly #proxies: ProxyEnv;
  readonly #onEvent: (event: RelayEvent) => void;
  readonly #jar = new CookieJar();
  /** Per account and host: settles when the first request there has its answer (see #gate). */
  readonly #firsts = new Map<string, Promise<void>>();

  constructor(options: ClientOptions = {}) {
    this.#transport = new Transport(options.dispatcher);
    this.#options = {
      // A timer cannot wait longer than 2^31-1 ms (node would fire it at once instead).
      timeoutMs: Math.min(MAX_TIMEOUT_MS, options.timeoutMs ?? DEFAULT_HTTP_OPTIONS.timeoutMs),
      backoffMs: options.backoffMs ?? DEFAULT_HTTP_OPTIONS.backoffMs,
      retries: Math.min(MAX_RETRIES, Math.max(0, options.retries ?? DEFAULT_HTTP_OPTIONS.retries)),
    };
    this.#proxies = readProxyEnv(options.env ?? {});
    this.#onEvent = options.onEvent ?? (() => {});
  }

  /** GET/POST/PUT/DELETE an `/api/*` path; returns the envelope's `data`, or throws a ProviderError. */
  async call(account: Account, method: Method, path: string, opts: CallOptions = {}) {
    const env = await this.envelope(account, method, path, opts);
    if (!env.success)
      throw this.#error(account, method, path, describeRefusal(account, env.message));
    return env.data;
  }

  /**
   * The 2xx JSON envelope of a call, `success: false` included (check-in reads "already" from
   * one); every other answer throws a ProviderError.
   */
  async envelope(
    account: Account,
    method: Method,
    path: string,
    opts: CallOptions = {},
  ): Promise<Envelope> {
    const url = new URL(`${account.url.replace(/\/+$/, "")}${path}`);
    let route: ProxyRoute | null;
    try {
      route = routeFor(url, this.#accountProxy(account), this.#proxies);
    } catch (err) {
      if (err instanceof ProxyConfigError) throw this.#error(account, method, path, err.message);
      throw err;
    }
    const what = opts.label ?? `${method} ${url.pathname}`;
    this.#onEvent({ type: "request", account: account.id, what });
    try {
      return await this.#envelope(account, method, path, url, route, what, opts.body);
    } finally {
      this.#onEvent({ type: "done", account: account.id, what });
    }
  }

  async #envelope(
    account: Account,
    method: Method,
    path: string,
    url: URL,
    route: ProxyRoute | null,
    what: string,
    body: unknown,
  ): Promise<Envelope> {
    const scrub = this.#scrubFor(account);
    // Only GETs are idempotent: a POST is never repeated, whatever happened to it.
    const attempts = method === "GET" ? 1 + this.#options.retries : 1;
    let outcome: Attempt = { kind: "failure", reason: "other", detail: "not attempted", route };
    for (let i = 0; i < attempts; i++) {
      if (i > 0) {
        this.#onEvent({
          type: "retry",
          account: account.id,
          what,
          reason: retryReason(outcome),
          attempt: i + 1,
          of: attempts,
        });
        await sleep(backoffDelay(this.#options.backoffMs, i));
      }
      outcome = await this.#sendPastWaf(account, method, url, route, body);
      if (!isRetryable(outcome)) break;
    }
    const tried = attempts > 1 && isRetryable(outcome) ? ` (after ${attempts} attempts)` : "";
    if (outcome.kind === "failure") {
      throw this.#error(
        account,
        method,
        path,
        `${describeFailure(outcome, account, scrub)}${tried}`,
      );
    }
    const answer = interpretResponse(account, outcome, tried, scrub);
    if (!answer.ok) throw this.#error(account, method, path, answer.why);
    return { success: answer.success, message: answer.message, data: answer.data };
  }

  #error(account: Account, method: Method, path: string, message: string): ProviderError {
    const where = `${method} ${`${account.url.replace(/\/+$/, "")}${path}`.replace(/\?.*$/, "")}`;
    return new ProviderError(account.id, `${where}: ${message}`);
  }

  /**
   * One request, and when the WAF answers with its challenge: solve it, keep the cookies it
   * set, and repeat the request once. A second challenge is an error, not another round.
   */
  async #sendPastWaf(
    account: Account,
    method: Method,
    url: URL,
    route: ProxyRoute | null,
    body: unknown,
  ): Promise<Attempt> {
    return this.#gated(account, url, () => this.#solving(account, method, url, route, body));
  }

  async #solving(
    account: Account,
    method: Method,
    url: URL,
    route: ProxyRoute | null,
    body: unknown,
  ): Promise<Attempt> {
    const first = await this.#sendOnce(account, method, url, route, body);
    if (first.kind !== "response" || !isWafChallenge(first.contentType, first.text)) return first;
    const arg1 = extractArg1(first.text);
    let solved: string;
    try {
      if (arg1 === undefined) throw new WafSchemeError("the page has no readable arg1");
      solved = solveAcwScV2(arg1);
    } catch (err) {
      if (!(err instanceof WafSchemeError)) throw err;
      throw this.#error(
        account,
        method,
        url.pathname,
        `the relay's web firewall (Aliyun WAF) answered with a challenge neuradock cannot solve: the WAF changed its scheme (${err.message}). As a fallback, copy the WAF cookies (acw_tc, cdn_sec_tc, acw_sc__v2) from a browser into this account's \`cookies:\`, and please report it.`,
      );
    }
    this.#jar.set(account.id, url.host, "acw_sc__v2", solved);
    this.#onEvent({ type: "waf", account: account.id, host: url.host });
    const again = await this.#sendOnce(account, method, url, route, body);
    if (again.kind === "response" && isWafChallenge(again.contentType, again.text)) {
      throw this.#error(
        account,
        method,
        url.pathname,
        "the relay's web firewall (Aliyun WAF) answered with a browser challenge page again after neuradock solved it. " +
          "As a fallback, open the dashboard in a browser, copy its WAF cookies (acw_tc, cdn_sec_tc, acw_sc__v2) " +
          "and add them under this account's `cookies:` key in neuradock.yaml.",
      );
    }
    return again;
  }

  /**
   * The first request to an account's host goes alone; the others wait for its answer. A WAF
   * challenge is then met (and solved) once per account and host, never once per concurrent
   * request: at most one extra request per account per command.
   */
  async #gated<T>(account: Account, url: URL, send: () => Promise<T>): Promise<T> {
    const key = `${account.id}\u0000${url.host}`;
    const first = this.#firsts.get(key);
    if (first) {
      await first;
      return send();
    }
    let open!: () => void;
    this.#firsts.set(
      key,
      new Promise<void>((resolve) => {
        open = resolve;
      }),
    );
    try {
      return await send();
    } finally {
      open();
    }
  }

  async #sendOnce(
    account: Account,
    method: Method,
    url: URL,
    route: ProxyRoute | null,
    body: unknown,
  ): Promise<Attempt> {
    const exchange: Exchange = {
      method,
      url,
      headers: this.#headers(account, url, body !== undefined),
      timeoutMs: this.#options.timeoutMs,
      route,
    };
    if (body !== undefined) exchange.body = JSON.stringify(body);
    const outcome = await this.#transport.send(exchange);
    if (outcome.kind === "response") {
      for (const [name, value] of parseSetCookies(outcome.setCookies)) {
        this.#jar.set(account.id, url.host, name, value);
      }
    }
    return outcome;
  }

  #headers(account: Account, url: URL, json: boolean): Record<string, string> {
    const userId = String(account.userId);
    const headers: Record<string, string> = {
      accept: "application/json",
      "user-agent": "neuradock",
      "new-api-user": userId,
      // new-api forks read the user id under their own names (docs/relay.md §1).
      "veloera-user": userId,
      "voapi-user": userId,
      "user-id": userId,
      "rix-api-user": userId,
      "neo-api-user": userId,
    };
    if (json) headers["content-type"] = "application/json";
    const cookies = new Map<string, string>();
    if (account.auth.kind === "session") cookies.set("session", account.auth.value.reveal());
    else headers.authorization = account.auth.value.reveal();
    // The user's cookies first; what the relay set since (a solved acw_sc__v2 included)
    // replaces a stale value of the same name.
    for (const [name, value] of Object.entries(account.cookies)) cookies.set(name, value.reveal());
    for (const [name, value] of this.#jar.get(account.id, url.host)) cookies.set(name, value);
    if (cookies.size > 0) {
      headers.cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    }
    return headers;
  }

  #accountProxy(account: Account): { value: string; source: string } | undefined {
    return account.proxy
      ? { value: account.proxy.reveal(), source: `accounts.${account.id}.proxy` }
      : undefined;
  }

  #scrubFor(account: Account): Scrub {
    return scrubber(() => [
      account.auth.value.reveal(),
      ...Object.values(account.cookies).map((s) => s.reveal()),
      ...this.#jar.values(),
      ...proxySecrets(account.proxy?.reveal()),
      ...proxySecrets(this.#proxies.http?.value),
      ...proxySecrets(this.#proxies.https?.value),
    ]);
  }

  async close(): Promise<void> {
    await this.#transport.close();
  }
}

/** A proxy URL's password and user name (and the URL itself), to keep out of messages. */
function proxySecrets(value: string | undefined): string[] {
  if (!value) return [];
  const out = [value];
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
    for (const part of [url.username, url.password]) {
      if (part) out.push(part, decodeURIComponent(part));
    }
  } catch {
    // not a URL: the value itself is scrubbed
  }
  return out;
}

function backoffDelay(base: number, retry: number): number {
  const d = base * 2 ** (retry - 1);
  return d + Math.random() * d * 0.5;
}
