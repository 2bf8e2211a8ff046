import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  DEMO_USERS,
  demoConfigYaml,
  demoEnv,
  demoSecrets,
  type FakeGateway,
  type FakeUser,
  type Fault,
  startFakeGateway,
} from "../support/fake-gateway/index.js";
import { CLI, type CliRun, runCli as run } from "../support/run-cli.js";

// Through the built CLI: whatever the relay does wrong, `plan` either fails with one clear
// paragraph naming the account (no stack, no secret) or succeeds after retrying, and
// `apply -y` never writes a byte on a failed plan.

const TIMEOUT_MS = 300;

const USER_SETTINGS = `{
  "model": "opus",
  "permissions": { "allow": ["Bash(ls:*)"] },
  "env": { "DISABLE_TELEMETRY": "1" }
}
`;
const USER_CONFIG = `# my codex settings
model = "gpt-5"

[features]
web_search = true
`;
const USER_AUTH = `{
  "auth_mode": "chatgpt",
  "tokens": { "id_token": "id-xyz", "access_token": "acc-xyz", "refresh_token": "ref-xyz" }
}
`;

type Run = CliRun;

let gw: FakeGateway;
let users: FakeUser[];
let home: string;

const paths = () => ({
  settings: join(home, ".claude", "settings.json"),
  auth: join(home, ".codex", "auth.json"),
  config: join(home, ".codex", "config.toml"),
  ledger: join(home, "state", "ledger.json"),
  lock: join(home, "state", "apply.lock"),
});

const runCli = (args: string[], extraEnv: Record<string, string> = {}): Promise<Run> =>
  run(args, {
    home,
    env: {
      NEURADOCK_HTTP_TIMEOUT_MS: String(TIMEOUT_MS),
      NEURADOCK_HTTP_RETRIES: "2",
      ...demoEnv(),
      ...extraEnv,
    },
  });

/** Every byte neuradock could touch: the three target files, the ledger, backups, the lock. */
async function snapshot(): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const [name, p] of Object.entries(paths())) {
    out[name] = existsSync(p) ? await readFile(p, "latin1") : null;
  }
  const backups = join(home, "state", "backups");
  out.backups = existsSync(backups)
    ? (await readdir(backups, { recursive: true })).sort().join("\n")
    : null;
  out.claudeDir = existsSync(join(home, ".claude")) ? "present" : null;
  return out;
}

function allSecrets(): string[] {
  const keys = users.flatMap((u) => u.tokens.map((t) => t.key));
  return [...new Set([...demoSecrets(), ...demoSecrets(users), ...keys.map((k) => `sk-${k}`)])];
}

/** A failed plan: exit 1, one short paragraph naming the account, no stack, no secret. */
function expectClearFailure(r: Run, ...mentions: (string | RegExp)[]): void {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toMatch(/^error: /);
  expect(r.stderr).toContain("account 'personal'");
  for (const m of mentions) {
    if (typeof m === "string") expect(r.stderr).toContain(m);
    else expect(r.stderr).toMatch(m);
  }
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toContain("internal error");
  const text = r.stderr.trim();
  expect(text).not.toContain("\n\n");
  expect(text.split("\n").length).toBeLessThanOrEqual(3);
  for (const s of allSecrets()) {
    expect(r.stderr).not.toContain(s);
    expect(r.stdout).not.toContain(s);
  }
}

function setFaults(...faults: Fault[]): void {
  gw.state.faults = [];
  for (const f of faults) gw.inject(f);
}

const TOKEN_PATH = "/api/token/";
const forever = 1_000_000;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build with \`npx tsup\` first`);
  users = structuredClone(DEMO_USERS);
  // Two tokens a page: alice's three tokens take two pages, so a fault can land mid-listing.
  gw = await startFakeGateway({ users, maxPageSize: 2 });
});

afterAll(async () => {
  await gw.close();
});

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "neuradock-faults-"));
  await mkdir(join(home, ".claude"));
  await mkdir(join(home, ".codex"));
  await writeFile(paths().settings, USER_SETTINGS);
  await writeFile(paths().config, USER_CONFIG);
  await writeFile(paths().auth, USER_AUTH, { mode: 0o600 });
  const bindings = "\nbindings:\n  claude-code:\n    account: personal\n    token: claude\n";
  await writeFile(join(home, "neuradock.yaml"), demoConfigYaml(gw.url) + bindings);
  setFaults();
  users[0]!.tokens[0]!.key = DEMO_USERS[0]!.tokens[0]!.key;
});

afterEach(async () => {
  setFaults();
  await rm(home, { recursive: true, force: true });
});

/** Applied once without faults, then the bound key rotated: a real change is pending. */
async function appliedHomeWithPendingChange(): Promise<void> {
  const first = await runCli(["apply", "-y"]);
  expect(first.code, first.stderr).toBe(0);
  users[0]!.tokens[0]!.key = "RotatedRotatedRotatedRotatedRotatedRotatedRo7777";
}

const cases: { name: string; faults: Fault[]; mentions: (string | RegExp)[] }[] = [
  {
    name: "a relay that never answers (timeout, retried)",
    faults: [{ kind: "hang", path: TOKEN_PATH, times: forever }],
    mentions: ["no answer in time", "after 3 attempts"],
  },
  {
    name: "connections reset by the server",
    faults: [{ kind: "reset", path: TOKEN_PATH, times: forever }],
    mentions: ["connection was reset", "after 3 attempts"],
  },
  {
    name: "a burst of 5xx longer than the retries",
    faults: [{ kind: "status", status: 503, path: TOKEN_PATH, times: forever }],
    mentions: ["server error HTTP 503", "after 3 attempts"],
  },
  {
    name: "a body that stalls past the timeout",
    faults: [{ kind: "slow-body", ms: 5_000, path: TOKEN_PATH, times: forever }],
    mentions: ["no answer in time"],
  },
  {
    name: "truncated JSON",
    faults: [{ kind: "truncated", path: TOKEN_PATH, times: forever }],
    mentions: ["unreadable or truncated answer"],
  },
  {
    name: "an Aliyun WAF challenge page",
    faults: [
      {
        kind: "html",
        path: TOKEN_PATH,
        times: forever,
        body: "<html><script>var arg1='3F2E1D0C';document.cookie='acw_sc__v2='+arg1;</script></html>",
      },
    ],
    mentions: ["web firewall", "cookies:"],
  },
  {
    name: "an HTML error page with status 200",
    faults: [{ kind: "html", path: TOKEN_PATH, times: forever }],
    mentions: ["expected JSON, got an HTML page", "502 Bad Gateway"],
  },
  {
    name: "401 on the second page of the token list",
    faults: [{ kind: "unauthorized", path: TOKEN_PATH, skip: 1, times: forever }],
    mentions: ["HTTP 401", "session"],
  },
  {
    name: "success:false (expired session) mid-listing",
    faults: [
      {
        kind: "success-false",
        message: "未登录，请重新登录",
        path: TOKEN_PATH,
        skip: 1,
        times: forever,
      },
    ],
    mentions: ["the server refused", "session"],
  },
];

describe("gateway faults through the built CLI", () => {
  for (const c of cases) {
    it(`${c.name}: plan fails clearly, apply -y writes nothing`, async () => {
      await appliedHomeWithPendingChange();
      const before = await snapshot();
      expect(before.ledger).not.toBeNull();

      setFaults(...c.faults);
      const plan = await runCli(["plan"]);
      expectClearFailure(plan, ...c.mentions);

      setFaults(...c.faults);
      const apply = await runCli(["apply", "-y"]);
      expectClearFailure(apply, ...c.mentions);
      expect(apply.stdout).not.toContain("Apply complete");
      expect(await snapshot()).toEqual(before);

      // The same home applies fine once the relay behaves: the failure left nothing behind.
      setFaults();
      const after = await runCli(["plan", "--detailed-exitcode"]);
      expect(after.code, after.stderr).toBe(2);
    });
  }

  it("a fresh home stays untouched when the relay fails: no ledger, no lock, no new files", async () => {
    await rm(join(home, ".claude"), { recursive: true });
    const before = await snapshot();
    for (const faults of [
      [{ kind: "hang", path: TOKEN_PATH, times: forever }],
      [{ kind: "html", path: TOKEN_PATH, times: forever }],
    ] as Fault[][]) {
      setFaults(...faults);
      const apply = await runCli(["apply", "-y"]);
      expectClearFailure(apply);
      expect(await snapshot()).toEqual(before);
      // The apply lock needs the state dir (0700), so it may exist; it must hold nothing.
      const state = join(home, "state");
      expect(existsSync(state) ? await readdir(state) : []).toEqual([]);
    }
  });

  it("a relay with nothing listening: refused, named, nothing written", async () => {
    await appliedHomeWithPendingChange();
    const before = await snapshot();
    const dead = await startFakeGateway({ users });
    const url = dead.url;
    await dead.close();
    const bindings = "\nbindings:\n  claude-code:\n    account: personal\n    token: claude\n";
    await writeFile(join(home, "neuradock.yaml"), demoConfigYaml(url) + bindings);
    const apply = await runCli(["apply", "-y"]);
    expectClearFailure(apply, "connection refused");
    expect(await snapshot()).toEqual({ ...before });
  });

  it("a short 5xx burst and a single reset are retried: plan and apply succeed", async () => {
    await appliedHomeWithPendingChange();
    setFaults({ kind: "status", status: 502, path: TOKEN_PATH, times: 2 });
    const plan = await runCli(["plan"]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain("env.ANTHROPIC_AUTH_TOKEN");

    setFaults({ kind: "reset", path: TOKEN_PATH, times: 1 }, { kind: "delay", ms: 50, times: 3 });
    const apply = await runCli(["apply", "-y"]);
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toMatch(/Apply complete: 0 added, 1 changed, 0 removed\./);
    const settings = JSON.parse(await readFile(paths().settings, "utf8"));
    expect(settings.env.ANTHROPIC_AUTH_TOKEN).toBe(`sk-${users[0]!.tokens[0]!.key}`);
    expect(settings.env.DISABLE_TELEMETRY).toBe("1");
    for (const s of allSecrets()) expect(apply.stdout + apply.stderr).not.toContain(s);
  });

  it("a stalled body is retried within the timeout budget and then succeeds", async () => {
    await appliedHomeWithPendingChange();
    const tokenRequests = () => gw.state.log.filter((e) => e.path.startsWith(TOKEN_PATH)).length;
    gw.resetLog();
    expect((await runCli(["plan", "--detailed-exitcode"])).code).toBe(2);
    const normal = tokenRequests();
    gw.resetLog();
    setFaults({ kind: "slow-body", ms: 5_000, path: TOKEN_PATH, times: 1 });
    const plan = await runCli(["plan", "--detailed-exitcode"]);
    expect(plan.code, plan.stderr).toBe(2);
    // Counted, not timed: the client gave up on the stalled answer and asked once more.
    expect(tokenRequests()).toBe(normal + 1);
  });
});
