import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";

/**
 * The Aliyun WAF in front of AnyRouter, as new-api.md describes it: a request without a valid
 * pass gets an HTML challenge (HTTP 200) holding a fresh `arg1` and setting `acw_tc`; the pass
 * is that `acw_tc` together with `acw_sc__v2` computed from the `arg1` issued with it.
 * Written independently of neuradock's solver (the loop form of the challenge script).
 */
export interface WafChallengeState {
  /** acw_tc → the arg1 issued with it. */
  issued: Map<string, string>;
  /** Never accept a solution (a WAF neuradock cannot pass). */
  always: boolean;
  /** Serve this arg1 instead of a fresh one (e.g. a malformed one). */
  arg1?: string;
}

const BOX = [
  15, 35, 29, 24, 33, 16, 1, 38, 10, 9, 19, 31, 40, 27, 22, 23, 25, 13, 6, 11, 39, 18, 20, 8, 14,
  21, 32, 26, 2, 30, 7, 4, 17, 5, 3, 28, 34, 37, 12, 36,
];
const MASK = "3000176000856006061501533003690027800375";

/** The challenge script's own computation: unsbox, then hexXor with the mask. */
export function expectedSolution(arg1: string): string {
  const boxed: string[] = [];
  for (let i = 0; i < arg1.length; i++) {
    for (let k = 0; k < BOX.length; k++) if (BOX[k] === i + 1) boxed[k] = arg1[i] as string;
  }
  const unboxed = boxed.join("");
  let out = "";
  for (let i = 0; i < unboxed.length && i < MASK.length; i += 2) {
    const x =
      Number.parseInt(unboxed.slice(i, i + 2), 16) ^ Number.parseInt(MASK.slice(i, i + 2), 16);
    out += x.toString(16).padStart(2, "0");
  }
  return out;
}

export function passes(state: WafChallengeState, cookies: Record<string, string>): boolean {
  if (state.always) return false;
  const tc = cookies.acw_tc;
  const arg1 = tc === undefined ? undefined : state.issued.get(tc);
  return arg1 !== undefined && cookies.acw_sc__v2 === expectedSolution(arg1);
}

/** A fresh challenge: its HTML and the Set-Cookie header that goes with it. */
export function issueChallenge(state: WafChallengeState): { html: string; setCookie: string } {
  const arg1 = state.arg1 ?? randomBytes(20).toString("hex").toUpperCase();
  const tc = randomBytes(16).toString("hex");
  state.issued.set(tc, arg1);
  const html = `<html><head><meta charset="utf-8"></head><body><script>
var arg1='${arg1}';
var _0x5e8b26="3000176000856006061501533003690027800375";
function setCookie(name,value){var e=new Date();e.setTime(e.getTime()+3600*1000);document.cookie=name+'='+value+';expires='+e.toGMTString()+';max-age=3600;path=/';}
/* … the obfuscated unsbox/hexXor of arg1 → acw_sc__v2 … */ setCookie('acw_sc__v2', '');
document.location.reload();
</script></body></html>`;
  return { html, setCookie: `acw_tc=${tc};path=/;HttpOnly;Max-Age=1800` };
}

export function cookiesOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}
