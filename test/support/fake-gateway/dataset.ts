import type { FakeUser } from "./server.js";

/**
 * A small, fixed demo world: three users, one per auth style and quirk. The secrets are
 * fake but shaped like real ones, so tests can scan output for leaks of exactly these.
 */
export interface DemoAccount {
  /** Account id to use in neuradock.yaml. */
  account: string;
  provider: "anyrouter" | "agentrouter" | "newapi";
  userId: number;
  /** Environment variable the demo config reads the secret from. */
  envVar: string;
  auth: "session" | "access_token";
  secret: string;
}

export const DEMO_USERS: FakeUser[] = [
  {
    id: 1001,
    username: "alice",
    session: "MTcwMDAwMDAwMHxEdi1CQkFFQ180SUFBUkFCRUFBQV9fZmFrZS1zZXNzaW9uLWFsaWNl",
    quota: 25_000_000,
    tokens: [
      {
        id: 11,
        name: "claude",
        key: "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdEFGH1111",
        remain_quota: 2_500_000,
        used_quota: 125_000,
      },
      {
        id: 12,
        name: "codex",
        key: "ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210zyxwVUTS2222",
        unlimited_quota: true,
        used_quota: 1_000_000,
        model_limits_enabled: true,
        model_limits: "gpt-5,gpt-5-codex",
      },
      {
        id: 13,
        name: "old",
        key: "OldOldOldOldOldOldOldOldOldOldOldOldOldOldOld3333",
        status: 2,
        remain_quota: 0,
        expired_time: 1_735_689_600,
      },
    ],
  },
  {
    id: 2002,
    username: "bob",
    accessToken: "fake-access-token-bob-5f1c2a9e7d3b4c6a8e0f",
    quota: 5_000_000,
    tokens: [
      {
        id: 21,
        name: "default",
        key: "BobKeyBobKeyBobKeyBobKeyBobKeyBobKeyBobKeyBob4444",
        remain_quota: 500_000,
        expired_time: 1_893_456_000,
      },
      {
        id: 22,
        name: "default",
        key: "BobKey2BobKey2BobKey2BobKey2BobKey2BobKey2Bob5555",
        remain_quota: 1_000_000,
      },
    ],
  },
  {
    id: 3,
    username: "relay",
    accessToken: "fake-access-token-relay-0a9b8c7d6e5f",
    quota: 0,
    tokens: [
      {
        id: 31,
        name: "main",
        key: "RelayRelayRelayRelayRelayRelayRelayRelayRela6666",
        remain_quota: 50_000_000,
        group: "vip",
      },
    ],
  },
];

export const DEMO_ACCOUNTS: DemoAccount[] = [
  {
    account: "personal",
    provider: "newapi",
    userId: 1001,
    envVar: "DEMO_PERSONAL_SESSION",
    auth: "session",
    secret: DEMO_USERS[0]!.session!,
  },
  {
    account: "work",
    provider: "newapi",
    userId: 2002,
    envVar: "DEMO_WORK_ACCESS_TOKEN",
    auth: "access_token",
    secret: DEMO_USERS[1]!.accessToken!,
  },
  {
    account: "relay",
    provider: "newapi",
    userId: 3,
    envVar: "DEMO_RELAY_ACCESS_TOKEN",
    auth: "access_token",
    secret: DEMO_USERS[2]!.accessToken!,
  },
];

/** Environment entries carrying the demo secrets (what the demo config's ${VAR}s read). */
export function demoEnv(): Record<string, string> {
  return Object.fromEntries(DEMO_ACCOUNTS.map((a) => [a.envVar, a.secret]));
}

/** A neuradock.yaml for the demo world against a gateway at `url` (all accounts as newapi). */
export function demoConfigYaml(url: string): string {
  const lines = ["version: 1", "", "accounts:"];
  for (const a of DEMO_ACCOUNTS) {
    lines.push(
      `  ${a.account}:`,
      `    provider: ${a.provider}`,
      `    url: ${url}`,
      `    user_id: ${a.userId}`,
    );
    lines.push(`    ${a.auth}: \${${a.envVar}}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Every secret of the demo world: keys (with and without sk-), sessions, access tokens. */
export function demoSecrets(users: FakeUser[] = DEMO_USERS): string[] {
  return users.flatMap((u) => [
    ...(u.session ? [u.session] : []),
    ...(u.accessToken ? [u.accessToken] : []),
    ...u.tokens.map((t) => t.key),
  ]);
}
