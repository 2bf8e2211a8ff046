import type { Account } from "../config/types.js";
import { ProviderError } from "../errors.js";
import type { NewApiClient } from "./client.js";
import { quotaToUsd } from "./money.js";

/** docs/relay.md §5: what a check-in came to, per account. */
export type CheckinStatus = "checked-in" | "already" | "unsupported" | "failed";

export interface CheckinOutcome {
  status: CheckinStatus;
  /** Why (failed), what the relay said, or why not supported; never a secret. */
  message: string;
  /** What the check-in awarded, when the relay says. */
  awardedUsd: number | null;
}

/** How an account checks in: the endpoint and its answer style, or why it does not. */
export type CheckinRoute =
  | { style: "anyrouter" | "newapi"; path: string }
  | { style: "none"; why: string };

export function checkinRoute(account: Account): CheckinRoute {
  if (account.checkin === false) {
    return { style: "none", why: "check-in is turned off for this account (checkin: false)" };
  }
  if (account.checkin?.path) {
    // A fork's own endpoint answers in the upstream style.
    return {
      style: account.provider === "anyrouter" ? "anyrouter" : "newapi",
      path: account.checkin.path,
    };
  }
  switch (account.provider) {
    case "anyrouter":
      return { style: "anyrouter", path: "/api/user/sign_in" };
    case "agentrouter":
      return {
        style: "none",
        why: "AgentRouter has no check-in; its credit comes with a browser login",
      };
    default:
      return { style: "newapi", path: "/api/user/checkin" };
  }
}

const ALREADY = /already|已签到|已经签到|今日已|重复签到/i;
const CAPTCHA = /captcha|turnstile|人机|验证码/i;

/**
 * One check-in POST. Never repeated: a POST whose answer was lost may have checked in, so the
 * outcome is then `failed` with that said, and the next run reports `already`.
 */
export async function checkIn(
  client: NewApiClient,
  account: Account,
  quotaPerUnit: () => Promise<number>,
): Promise<CheckinOutcome> {
  const route = checkinRoute(account);
  if (route.style === "none")
    return { status: "unsupported", message: route.why, awardedUsd: null };
  let answer: Awaited<ReturnType<NewApiClient["envelope"]>>;
  try {
    answer = await client.envelope(account, "POST", route.path, {
      body: {},
      label: `POST ${route.path} (check in)`,
    });
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err;
    const lost = /timed out|reset/.test(err.message)
      ? " — the check-in may have happened anyway; it is not repeated (the next run says whether it did)"
      : "";
    return {
      status: "failed",
      message: `${err.message.replace(/^account '[^']*': /, "")}${lost}`,
      awardedUsd: null,
    };
  }
  const said = answer.message;
  if (!answer.success) {
    if (ALREADY.test(said)) return { status: "already", message: said, awardedUsd: null };
    if (CAPTCHA.test(said)) {
      return {
        status: "failed",
        message: `the relay asks for a captcha (Turnstile), which only a browser can solve: "${said}"; check in on the dashboard`,
        awardedUsd: null,
      };
    }
    return {
      status: "failed",
      message: `the relay refused: "${said || "(no message)"}"`,
      awardedUsd: null,
    };
  }
  if (route.style === "anyrouter") {
    // AnyRouter: success with an empty message = already checked in today.
    return said === ""
      ? { status: "already", message: "", awardedUsd: null }
      : { status: "checked-in", message: said, awardedUsd: null };
  }
  const awarded = (answer.data as { quota_awarded?: unknown } | null)?.quota_awarded;
  return {
    status: "checked-in",
    message: said,
    awardedUsd: typeof awarded === "number" ? quotaToUsd(awarded, await quotaPerUnit()) : null,
  };
}
