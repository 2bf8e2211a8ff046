/** The relay's money unit: 500000 quota = 1 USD (docs/relay.md §2). */
export const QUOTA_UNITS_PER_USD = 500_000;
/** new-api refuses longer names (Go's len: bytes of UTF-8). */
export const MAX_TOKEN_NAME_BYTES = 30;

/**
 * `expires:` as unix seconds (-1 = never): "never", a date (the end of that day, UTC) or an
 * RFC 3339 time. undefined when the text is none of those.
 */
export function parseExpiry(text: string): number | undefined {
  const t = text.trim();
  if (t === "never") return -1;
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  if (date) {
    const [y, m, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const ms = Date.UTC(y, m - 1, d, 23, 59, 59);
    const back = new Date(ms);
    // 2027-02-30 would roll over into March: not a date.
    if (back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== d) {
      return undefined;
    }
    return Math.floor(ms / 1000);
  }
  const rfc3339 =
    /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(t) &&
    Date.parse(t.replace(" ", "T"));
  if (typeof rfc3339 === "number" && Number.isFinite(rfc3339)) return Math.floor(rfc3339 / 1000);
  return undefined;
}

/** USD → the relay's integer quota units. */
export function usdToQuota(usd: number, unit = QUOTA_UNITS_PER_USD): number {
  return Math.round(usd * unit);
}

/** Why a token name cannot be used on the relay, or undefined. */
export function tokenNameProblem(name: string): string | undefined {
  if (name.trim() === "") return "is empty";
  if (name !== name.trim()) return "has leading or trailing whitespace";
  // Control characters would reach terminals and dashboards as they are.
  if (/[\x00-\x1f\x7f]/.test(name)) return "contains a control character";
  const bytes = Buffer.byteLength(name, "utf8");
  if (bytes > MAX_TOKEN_NAME_BYTES) {
    return `is ${bytes > name.length ? `${bytes} bytes` : `${name.length} characters`} long; the relay takes at most ${MAX_TOKEN_NAME_BYTES}${bytes > name.length ? " bytes (UTF-8)" : ""}`;
  }
  return undefined;
}
