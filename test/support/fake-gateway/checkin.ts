import type { FakeUser } from "./server.js";

/**
 * The daily check-in (new-api.md "Check-in"), both styles: AnyRouter's `POST /api/user/sign_in`
 * (`message` empty = already today) and upstream new-api's `POST /api/user/checkin` (`data.
 * quota_awarded`; "already" as success:false), plus Veloera's `/api/user/check_in` path.
 */
export interface FakeCheckin {
  /** Quota awarded by a check-in (default 250000 = $0.50). */
  award?: number;
  /** Answer the upstream style with a Turnstile captcha demand. */
  captcha?: boolean;
  /** Answer with success:false and this message. */
  fail?: string;
}

/** Users checked in "today", by id. */
export type CheckinLedger = Set<number>;

export function handleCheckin(
  opts: FakeCheckin,
  checkedIn: CheckinLedger,
  user: FakeUser,
  method: string,
  path: string,
): { status: number; body: unknown } | undefined {
  if (method !== "POST") return undefined;
  const award = opts.award ?? 250_000;
  if (path === "/api/user/sign_in") {
    if (opts.fail) return { status: 200, body: { success: false, message: opts.fail } };
    if (checkedIn.has(user.id)) return { status: 200, body: { success: true, message: "" } };
    checkedIn.add(user.id);
    user.quota = (user.quota ?? 0) + award;
    return { status: 200, body: { success: true, message: "签到成功" } };
  }
  if (path === "/api/user/checkin" || path === "/api/user/check_in") {
    if (opts.captcha) {
      return {
        status: 200,
        body: { success: false, message: "请先完成 Turnstile 人机验证 (turnstile token is empty)" },
      };
    }
    if (opts.fail) return { status: 200, body: { success: false, message: opts.fail } };
    if (checkedIn.has(user.id)) {
      return { status: 200, body: { success: false, message: "今日已签到" } };
    }
    checkedIn.add(user.id);
    user.quota = (user.quota ?? 0) + award;
    const date = new Date().toISOString().slice(0, 10);
    return {
      status: 200,
      body: { success: true, message: "", data: { quota_awarded: award, checkin_date: date } },
    };
  }
  return undefined;
}
