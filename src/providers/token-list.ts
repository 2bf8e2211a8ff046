import type { Account } from "../config/types.js";
import { ProviderError } from "../errors.js";
import { keyHintOf } from "./api-key.js";
import type { NewApiClient } from "./client.js";
import { QUOTA_PER_USD, quotaToUsd } from "./money.js";
import type { TokenInfo, TokenStatus } from "./types.js";

/** A token as the relay lists it; only the fields neuradock reads (others are ignored). */
export interface RawToken {
  id: number;
  name: string;
  key: string;
  status: unknown;
  expired_time?: unknown;
  remain_quota?: unknown;
  unlimited_quota?: unknown;
  used_quota?: unknown;
  model_limits_enabled?: unknown;
  model_limits?: unknown;
  allow_ips?: unknown;
  group?: unknown;
  /** Fields of newer servers: kept, so a PUT of the whole object sends them back. */
  [field: string]: unknown;
}

const PAGE_SIZE = 100;
/** 100 pages of 100 tokens is far beyond any real account; past it the server is looping. */
const MAX_PAGES = 100;

/**
 * Every token of an account, across pages, on both envelopes and both page conventions.
 * Starts at p=0, which old servers read as the first 0-based page and new ones as page 1;
 * a paged answer then says which page it was, and the next request asks for the one after.
 */
export async function fetchRawTokens(client: NewApiClient, account: Account): Promise<RawToken[]> {
  const byId = new Map<number, RawToken>();
  let page = 0;
  let staleInARow = 0;
  for (let n = 0; n < MAX_PAGES; n++) {
    const data = await client.call(
      account,
      "GET",
      `/api/token/?p=${page}&size=${PAGE_SIZE}&page_size=${PAGE_SIZE}`,
    );
    const { items, paged } = readPage(account, data);
    let fresh = 0;
    for (const item of items) {
      const token = readToken(account, item);
      if (!byId.has(token.id)) {
        byId.set(token.id, token);
        fresh++;
      }
    }
    if (items.length === 0) return [...byId.values()];
    if (paged && byId.size >= paged.total) return [...byId.values()];
    // A plain-array server that is 1-based repeats page 1 once at p=1; a server that ignores
    // `p` repeats forever. Two pages in a row with nothing new ends the listing.
    staleInARow = fresh === 0 ? staleInARow + 1 : 0;
    if (staleInARow >= 2) return [...byId.values()];
    page = paged ? Math.max(paged.page, page) + 1 : page + 1;
  }
  throw new ProviderError(
    account.id,
    `the token list did not end after ${MAX_PAGES} pages; the server's paging looks broken`,
  );
}

export function readPage(
  account: Account,
  data: unknown,
): { items: unknown[]; paged: { page: number; total: number } | null } {
  if (Array.isArray(data)) return { items: data, paged: null };
  if (data === null || data === undefined) return { items: [], paged: null };
  if (typeof data === "object") {
    const d = data as { items?: unknown; page?: unknown; total?: unknown };
    const items = d.items === null || d.items === undefined ? [] : d.items;
    if (Array.isArray(items)) {
      const total = typeof d.total === "number" ? d.total : Number.POSITIVE_INFINITY;
      const page = typeof d.page === "number" ? d.page : 0;
      return { items, paged: { page, total } };
    }
  }
  throw new ProviderError(account.id, "unexpected token list: `data` is neither a list nor a page");
}

export function readToken(account: Account, item: unknown): RawToken {
  const t = item as Partial<RawToken> | null;
  if (!t || typeof t !== "object" || typeof t.id !== "number") {
    throw new ProviderError(account.id, "unexpected token list: an entry has no numeric id");
  }
  return {
    ...t,
    id: t.id,
    name: typeof t.name === "string" ? t.name : "",
    key: typeof t.key === "string" ? t.key : "",
    status: t.status,
  };
}

const STATUS_NAMES: Record<number, TokenStatus> = {
  1: "enabled",
  2: "disabled",
  3: "expired",
  4: "exhausted",
};

/** new-api's numeric status; some deployments send it as a numeric string (`"1"`). */
export function mapTokenStatus(status: unknown): TokenStatus {
  const n =
    typeof status === "number"
      ? status
      : typeof status === "string" && /^\s*\d+\s*$/.test(status)
        ? Number(status)
        : Number.NaN;
  return STATUS_NAMES[n] ?? "unknown";
}

/** The relay's token, as metadata safe to print and cache (only a key hint). */
export function toTokenInfo(raw: RawToken, quotaPerUnit: number = QUOTA_PER_USD): TokenInfo {
  const unlimited = raw.unlimited_quota === true;
  const limitsOn = raw.model_limits_enabled === true;
  return {
    id: raw.id,
    name: raw.name,
    status: mapTokenStatus(raw.status),
    balanceUsd: unlimited ? null : quotaToUsd(raw.remain_quota, quotaPerUnit),
    unlimited,
    usedUsd: quotaToUsd(raw.used_quota, quotaPerUnit),
    expires: toExpiry(raw.expired_time),
    modelLimits:
      limitsOn && typeof raw.model_limits === "string"
        ? raw.model_limits
            .split(",")
            .map((m) => m.trim())
            .filter((m) => m.length > 0)
        : [],
    group: typeof raw.group === "string" ? raw.group : "",
    keyHint: raw.key ? keyHintOf(raw.key) : "sk-…",
  };
}

function toExpiry(v: unknown): string | null {
  if (typeof v !== "number" || v === -1 || !Number.isFinite(v)) return null;
  return toIsoSeconds(new Date(v * 1000));
}

/** `2026-11-29T10:00:00Z`: the shape of dates in `tokens --json`. */
export function toIsoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}
