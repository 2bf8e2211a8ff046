import type { Account } from "../config/types.js";
import { bound, safeText } from "../untrusted.js";
import type { Attempt } from "./transport.js";

/**
 * What a relay's answer (or the lack of one) means, in words a user can act on. Only what the
 * server said is scrubbed of secrets (before it is cut short, so no secret is split), never
 * neuradock's own words: a short wrong token must not blank out the hint text.
 */

type Failure = Extract<Attempt, { kind: "failure" }>;
type Response = Extract<Attempt, { kind: "response" }>;

/** The request could be repeated with a fair chance of a different outcome. */
export function isRetryable(outcome: Attempt): boolean {
  if (outcome.kind === "response") return outcome.status >= 500;
  return outcome.reason === "reset" || outcome.reason === "timeout";
}

/** A few words for a progress line: why a request is being repeated. */
export function retryReason(outcome: Attempt): string {
  if (outcome.kind === "response") return `HTTP ${outcome.status}`;
  return outcome.reason === "timeout" ? "timed out" : "connection reset";
}

export function describeFailure(outcome: Failure, account: Account, scrub: Scrub): string {
  const proxy = outcome.route
    ? `the proxy ${outcome.route.shown} (from ${outcome.route.source})`
    : "";
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
      return `TLS error talking to ${originOf(account.url)} (${scrub(outcome.detail)}); check the URL and the certificate`;
    case "too-large":
      return "the answer is larger than 16 MB, far more than any dashboard sends; is the URL a new-api dashboard?";
    case "proxy-refused":
      return `cannot connect to ${proxy} (${outcome.detail}); check that the proxy is running, or exempt ${hostOf(account.url)} with NO_PROXY`;
    case "proxy-auth":
      return `${proxy} wants credentials (HTTP 407); put them in the proxy URL (http://user:password@host:port)`;
    case "proxy-tunnel":
      return `${proxy} refused to open a tunnel to ${originOf(account.url)} (${outcome.detail})`;
    default:
      return `request failed (${scrub(outcome.detail)})`;
  }
}

export type Scrub = (text: string) => string;

/** A 2xx JSON `{success, message, data}` envelope (`success: false` included), or why not. */
export type Interpreted =
  | { ok: true; success: boolean; data: unknown; message: string }
  | { ok: false; why: string };

export function interpretResponse(
  account: Account,
  res: Response,
  tried: string,
  scrub: Scrub,
): Interpreted {
  const fail = (why: string): Interpreted => ({ ok: false, why });
  const looksHtml = /html/i.test(res.contentType) || /^\s*</.test(res.text);
  let body: unknown;
  let parsed = false;
  try {
    body = JSON.parse(res.text);
    parsed = true;
  } catch {
    // handled below, after the status is known
  }
  const serverMessage = messageOf(body, scrub);
  if (res.status === 401 || res.status === 403) {
    return fail(describeUnauthorized(account, res.status, serverMessage));
  }
  if (res.status >= 500) {
    return fail(
      `server error HTTP ${res.status}${serverMessage ? ` (${serverMessage})` : ""}${tried}`,
    );
  }
  if (!parsed) {
    const rawTitle = /<title>([^<]*)<\/title>/i.exec(res.text)?.[1]?.trim();
    const title = rawTitle === undefined ? undefined : bound(scrub(rawTitle), 80);
    if (looksHtml) {
      return fail(
        `expected JSON, got an HTML page (HTTP ${res.status}${title ? `, "${title}"` : ""}); is the URL a new-api dashboard?`,
      );
    }
    return fail(
      res.text.trim() === ""
        ? `expected JSON, got an empty answer (HTTP ${res.status})`
        : `expected JSON, got an unreadable or truncated answer (HTTP ${res.status}, ${res.text.length} bytes)`,
    );
  }
  if (res.status < 200 || res.status >= 300) {
    return fail(`HTTP ${res.status}${serverMessage ? `: ${serverMessage}` : ""}`);
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    return fail("unexpected answer: not a {success, data} envelope");
  }
  const envelope = body as { success?: unknown; data?: unknown };
  return {
    ok: true,
    success: envelope.success !== false,
    data: envelope.data,
    message: serverMessage,
  };
}

/** `success: false` with this (scrubbed) message, as an error text. */
export function describeRefusal(account: Account, serverMessage: string): string {
  const hint = /登录|login|log in|session|token|授权|权限|unauthori[sz]ed/i.test(serverMessage)
    ? ` — ${authHint(account)}`
    : "";
  return `the server refused: "${serverMessage || "(no message)"}"${hint}`;
}

/** The envelope's `message`, scrubbed and cut short; "" when there is none. */
export function messageOf(body: unknown, scrub: Scrub): string {
  const m = body && typeof body === "object" ? (body as { message?: unknown }).message : undefined;
  return typeof m === "string" ? bound(scrub(m), 200) : "";
}

function describeUnauthorized(account: Account, status: number, serverMessage: string): string {
  const said = serverMessage ? ` (server: "${serverMessage}")` : "";
  const userIdSuspect = /new-api-user/i.test(serverMessage);
  return userIdSuspect
    ? `HTTP ${status}: the user id was refused${said}. Check \`user_id\` (sent as New-Api-User: ${account.userId}) — it must be the id of the user the credentials belong to. Otherwise: ${authHint(account)}`
    : `HTTP ${status}: not logged in${said}. ${authHint(account)}`;
}

export function authHint(account: Account): string {
  return account.auth.kind === "session"
    ? "The `session` cookie has probably expired (or `user_id` does not match it): log in to the dashboard in a browser, copy the `session` cookie into `session:` (or the environment variable it reads), and check `user_id` (New-Api-User)."
    : "The access token is wrong or was regenerated (or `user_id` does not match it): create a system access token in the dashboard's personal settings, put it in `access_token:` (or the environment variable it reads), and check `user_id` (New-Api-User).";
}

/**
 * What a server said, made safe to print by the one sanitiser for untrusted text
 * (src/untrusted.ts): control characters stripped, key-shaped strings and every given
 * secret (4+ characters; a server could echo one back) scrubbed.
 */
export function scrubber(secrets: () => readonly string[]): Scrub {
  return (text) => safeText(text, { secrets: secrets() });
}

export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}
