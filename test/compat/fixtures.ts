import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { LoggedRequest } from "./llm-server.js";

/** Fake secrets: recognisable in logs, never real. */
export const FAKE = {
  boundClaude: "sk-compat-bound-claude-0001",
  boundCodex: "sk-compat-bound-codex-0002",
  userAnthropicKey: "sk-ant-api03-user-own-key-0003",
  /** Printed by the user's `apiKeyHelper` command. */
  helperKey: "sk-ant-api03-from-helper-0007",
  userOpenAiKey: "sk-user-own-openai-key-0004",
  chatgptRefresh: "rt-compat-chatgpt-refresh-0005",
  chatgptAccountId: "acct-compat-0006",
} as const;

/** A fresh temporary HOME; removed by the returned cleanup. */
export function makeTempHome(label: string): { home: string; cleanup: () => void } {
  const home = mkdtempSync(join(tmpdir(), `neuradock-compat-${label}-`));
  return { home, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

export function writeFileDeep(file: string, text: string, mode?: number): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text, mode === undefined ? undefined : { mode });
}

export function readBytes(file: string): Buffer {
  return readFileSync(file);
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** An unsigned JWT: Codex only decodes the claims, it does not verify the signature. */
function fakeJwt(claims: Record<string, unknown>): string {
  return `${base64url({ alg: "none", typ: "JWT" })}.${base64url(claims)}.c2ln`;
}

/** A ChatGPT login as `codex login` leaves it in auth.json (fresh, so no refresh attempt). */
export function chatgptTokens(): {
  id_token: string;
  access_token: string;
  refresh_token: string;
  account_id: string;
} {
  const exp = Math.floor(Date.now() / 1000) + 30 * 86400;
  const auth = {
    chatgpt_plan_type: "plus",
    chatgpt_account_id: FAKE.chatgptAccountId,
    chatgpt_user_id: "user-compat",
  };
  return {
    id_token: fakeJwt({ email: "user@example.com", exp, "https://api.openai.com/auth": auth }),
    access_token: fakeJwt({ exp, "https://api.openai.com/auth": auth, scp: ["openid"] }),
    refresh_token: FAKE.chatgptRefresh,
    account_id: FAKE.chatgptAccountId,
  };
}

/** Headers that carry (or identify) a credential. */
const CREDENTIAL_HEADERS = [
  "authorization",
  "proxy-authorization",
  "x-api-key",
  "x-goog-api-key",
  "api-key",
  "cookie",
  "chatgpt-account-id",
  "openai-organization",
  "openai-project",
];

/** The credential headers of one request, name → value. */
export function credentialHeaders(req: LoggedRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of CREDENTIAL_HEADERS) {
    const v = req.headers[name];
    if (v !== undefined) out[name] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

/** Every secret in `secrets` that appears anywhere in the request: headers, URL or body. */
export function findSecrets(req: LoggedRequest, secrets: readonly string[]): string[] {
  const haystack = `${req.url}\n${JSON.stringify(req.headers)}\n${req.body}`;
  return secrets.filter((s) => haystack.includes(s));
}
