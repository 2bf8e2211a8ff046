/**
 * AnyRouter's Aliyun WAF: recognising its JavaScript challenge page, computing the cookie a
 * browser would compute (`acw_sc__v2`), and keeping the cookies a relay sets, per account and
 * per host, for the rest of a command (docs/relay.md §1 and "Relay API").
 */

/** 1-based positions of arg1's characters, in output order. */
const POSITIONS = [
  15, 35, 29, 24, 33, 16, 1, 38, 10, 9, 19, 31, 40, 27, 22, 23, 25, 13, 6, 11, 39, 18, 20, 8, 14,
  21, 32, 26, 2, 30, 7, 4, 17, 5, 3, 28, 34, 37, 12, 36,
];
const XOR_KEY = "3000176000856006061501533003690027800375";

/** The WAF's scheme is not the one neuradock knows (arg1 of the wrong shape). */
export class WafSchemeError extends Error {}

/** `acw_sc__v2` for a challenge's `arg1` (40 hex characters). */
export function solveAcwScV2(arg1: string): string {
  if (arg1.length !== 40) {
    throw new WafSchemeError(`arg1 has ${arg1.length} characters, not 40`);
  }
  if (!/^[0-9a-fA-F]{40}$/.test(arg1)) {
    throw new WafSchemeError("arg1 is not hexadecimal");
  }
  const shuffled = POSITIONS.map((p) => arg1[p - 1]).join("");
  let out = "";
  for (let i = 0; i < 40; i += 2) {
    const a = Number.parseInt(shuffled.slice(i, i + 2), 16);
    const b = Number.parseInt(XOR_KEY.slice(i, i + 2), 16);
    out += (a ^ b).toString(16).padStart(2, "0");
  }
  return out;
}

/** An HTML answer carrying the challenge script, rather than the JSON asked for. */
export function isWafChallenge(contentType: string, text: string): boolean {
  const looksHtml = /html/i.test(contentType) || /^\s*</.test(text);
  return looksHtml && text.includes("acw_sc__v2") && /var\s+arg1\s*=/.test(text);
}

/** The challenge's `arg1`, or undefined when the page has none the solver can read. */
export function extractArg1(html: string): string | undefined {
  return /var\s+arg1\s*=\s*['"]([^'"]*)['"]/.exec(html)?.[1];
}

/** `name=value` pairs of Set-Cookie headers (attributes dropped; names the relay may not set skipped). */
export function parseSetCookies(headers: string | string[] | undefined): [string, string][] {
  const list = headers === undefined ? [] : Array.isArray(headers) ? headers : [headers];
  const out: [string, string][] = [];
  for (const header of list) {
    const pair = header.split(";", 1)[0] ?? "";
    const eq = pair.indexOf("=");
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    // A cookie value must be header-safe; a relay that sends otherwise is not followed.
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || /[\x00-\x1f\x7f;]/.test(value)) continue;
    out.push([name, value]);
  }
  return out;
}

/**
 * Cookies a relay set during one command, per account and per host (`host:port`), so a cookie
 * goes only to the host that set it, and one account's cookies never to another account.
 * The `session` cookie is never taken from a relay: the configured credential stays the one sent.
 */
export class CookieJar {
  readonly #jars = new Map<string, Map<string, string>>();

  #jar(account: string, host: string): Map<string, string> {
    const key = `${account}\u0000${host}`;
    let jar = this.#jars.get(key);
    if (!jar) {
      jar = new Map();
      this.#jars.set(key, jar);
    }
    return jar;
  }

  set(account: string, host: string, name: string, value: string): void {
    if (name.toLowerCase() === "session") return;
    this.#jar(account, host).set(name, value);
  }

  get(account: string, host: string): ReadonlyMap<string, string> {
    return this.#jars.get(`${account}\u0000${host}`) ?? new Map();
  }

  /** Every value held, for scrubbing error messages. */
  values(): string[] {
    return [...this.#jars.values()].flatMap((jar) => [...jar.values()]);
  }
}
