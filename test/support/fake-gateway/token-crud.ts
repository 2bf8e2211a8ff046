import { randomBytes } from "node:crypto";
import type { FakeToken, FakeUser } from "./server.js";

/**
 * Token resources as new-api's controller/token.go handles them (new-api.md "Token
 * resources"): POST answers without id or key, PUT overwrites every managed field from the
 * body (left out = zero/empty, as Go's JSON binding into a zero struct), names longer than 30
 * bytes are refused, every refusal is `{success:false}` with HTTP 200.
 */
export interface CrudAnswer {
  status: number;
  body: unknown;
}

/** The fields a PUT overwrites and a POST takes from its body. */
const WRITABLE = [
  "name",
  "expired_time",
  "remain_quota",
  "unlimited_quota",
  "model_limits_enabled",
  "model_limits",
  "allow_ips",
  "group",
] as const;

const MSG_NAME_TOO_LONG = "令牌名称过长";
const MSG_NOT_FOUND = "令牌不存在";
const MSG_BAD_BODY = "无效的参数";
const MSG_EXPIRED = "令牌已过期，无法启用，请先修改令牌过期时间，或者设置为永不过期";
const MSG_EXHAUSTED = "令牌可用额度已用尽，无法启用，请先修改令牌剩余额度，或者设置为无限额度";

/** Go's zero value for each writable field, with the JSON type it must have. */
const ZERO: Record<(typeof WRITABLE)[number], string | number | boolean> = {
  name: "",
  expired_time: 0,
  remain_quota: 0,
  unlimited_quota: false,
  model_limits_enabled: false,
  model_limits: "",
  allow_ips: "",
  group: "",
};

/** A body field as Go binds it: absent → zero; a wrong JSON type → a binding error (null). */
function bind(body: Record<string, unknown>): Record<string, string | number | boolean> | null {
  const out: Record<string, string | number | boolean> = {};
  for (const field of WRITABLE) {
    const v = body[field];
    const zero = ZERO[field];
    if (v === undefined || v === null) out[field] = zero;
    else if (typeof v !== typeof zero) return null;
    else if (typeof v === "number" && !Number.isInteger(v)) return null;
    else out[field] = v as string | number | boolean;
  }
  return out;
}

function parseBody(text: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const refuse = (message: string): CrudAnswer => ({
  status: 200,
  body: { success: false, message },
});
const ok = (data?: unknown): CrudAnswer => ({
  status: 200,
  body: data === undefined ? { success: true, message: "" } : { success: true, message: "", data },
});

/** Go's len(): bytes of the UTF-8 encoding. */
function tooLong(name: string): boolean {
  return Buffer.byteLength(name, "utf8") > 30;
}

export interface CrudContext {
  user: FakeUser;
  /** Render a stored token as the list shows it (defaults filled, key masked when masking). */
  render(token: FakeToken): Record<string, unknown>;
  /** The next token id (ids are global to the gateway, as database ids are). */
  nextId(): number;
  now(): number;
}

/** Answers a token-resource request, or returns undefined when the route is not one. */
export function handleTokenCrud(
  ctx: CrudContext,
  method: string,
  path: string,
  query: URLSearchParams,
  bodyText: string,
): CrudAnswer | undefined {
  const { user } = ctx;
  const collection = path === "/api/token/" || path === "/api/token";
  if (method === "GET" && path === "/api/token/search") {
    const keyword = query.get("keyword") ?? "";
    const found = [...user.tokens]
      .sort((a, b) => b.id - a.id)
      .filter((t) => t.name.includes(keyword))
      .map((t) => ctx.render(t));
    return ok(found);
  }
  const one = /^\/api\/token\/(\d+)$/.exec(path);
  if (one && method === "GET") {
    const token = user.tokens.find((t) => t.id === Number(one[1]));
    return token ? ok(ctx.render(token)) : refuse(MSG_NOT_FOUND);
  }
  if (one && method === "DELETE") {
    const i = user.tokens.findIndex((t) => t.id === Number(one[1]));
    if (i < 0) return refuse(MSG_NOT_FOUND);
    user.tokens.splice(i, 1);
    return ok();
  }
  if (collection && method === "POST") {
    const raw = parseBody(bodyText);
    const fields = raw && bind(raw);
    if (!fields) return refuse(MSG_BAD_BODY);
    if (tooLong(String(fields.name))) return refuse(MSG_NAME_TOO_LONG);
    const now = ctx.now();
    user.tokens.push({
      ...(fields as Omit<FakeToken, "id" | "key">),
      name: String(fields.name),
      id: ctx.nextId(),
      key: randomBytes(24).toString("base64url").replace(/[-_]/g, "x").slice(0, 48),
      status: 1,
      created_time: now,
      accessed_time: now,
      used_quota: 0,
    });
    // new-api answers a create with neither the id nor the key.
    return ok();
  }
  if (collection && method === "PUT") {
    const raw = parseBody(bodyText);
    if (!raw || typeof raw.id !== "number") return refuse(MSG_BAD_BODY);
    const token = user.tokens.find((t) => t.id === raw.id);
    if (!token) return refuse(MSG_NOT_FOUND);
    if (query.get("status_only")) {
      if (typeof raw.status !== "number") return refuse(MSG_BAD_BODY);
      const why = enableRefusal(token, raw.status, ctx.now());
      if (why) return refuse(why);
      token.status = raw.status;
      return ok(ctx.render(token));
    }
    const fields = bind(raw);
    if (!fields) return refuse(MSG_BAD_BODY);
    if (tooLong(String(fields.name))) return refuse(MSG_NAME_TOO_LONG);
    const status = typeof raw.status === "number" ? raw.status : 0;
    const why = enableRefusal(token, status, ctx.now());
    if (why) return refuse(why);
    // Every writable field comes from the body: what it left out is now zero or empty.
    Object.assign(token, fields);
    return ok(ctx.render(token));
  }
  return undefined;
}

/** new-api refuses to (keep) enable(d) a token that is expired or exhausted as stored. */
function enableRefusal(token: FakeToken, status: number, now: number): string | undefined {
  if (status !== 1) return undefined;
  const expired = token.expired_time ?? -1;
  if (token.status === 3 && expired !== -1 && expired <= now) return MSG_EXPIRED;
  if (token.status === 4 && (token.remain_quota ?? 0) <= 0 && !token.unlimited_quota) {
    return MSG_EXHAUSTED;
  }
  return undefined;
}
