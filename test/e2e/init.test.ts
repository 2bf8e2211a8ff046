import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  DEMO_USERS,
  demoSecrets,
  type FakeGateway,
  startFakeGateway,
} from "../support/fake-gateway/index.js";
import { type CliRun, runCli as run } from "../support/run-cli.js";

const RELAY = DEMO_USERS[2]!;
const ALICE = DEMO_USERS[0]!;

let gw: FakeGateway;
let home: string;

type Run = CliRun;

const runCli = (args: string[], env: Record<string, string> = {}): Promise<Run> =>
  run(args, { home, env });

beforeAll(async () => {
  gw = await startFakeGateway({ users: DEMO_USERS, maskKeys: true });
});
afterAll(async () => {
  await gw.close();
});
beforeEach(async () => {
  if (home) await rm(home, { recursive: true, force: true });
  home = await mkdtemp(join(tmpdir(), "neuradock-init-"));
});

describe("neuradock init", () => {
  it("writes a commented starter file with the schema modeline on an empty home", async () => {
    const run = await runCli(["init"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(join(home, "neuradock.yaml"));
    const text = await readFile(join(home, "neuradock.yaml"), "utf8");
    const modeline = /^# yaml-language-server: \$schema=(.+)$/m.exec(text);
    expect(modeline?.[1]).toBe(resolve("schema/neuradock.schema.json"));
    expect(text).toContain("provider: anyrouter");
    expect(text).toContain("session: ${MY_ANYROUTER_SESSION}");
    // The starter validates once its variables are exported.
    const valid = await runCli(["validate"], {
      MY_ANYROUTER_USER_ID: "42",
      MY_ANYROUTER_SESSION: "s",
    });
    expect(valid.code, valid.stderr).toBe(0);
    expect(valid.stdout).toContain("1 account");
    // Without them, validate names the missing variable.
    const invalid = await runCli(["validate"]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain("MY_ANYROUTER_USER_ID");
  });

  it("--provider picks the starter account's provider", async () => {
    const run = await runCli(["init", "--provider", "newapi"]);
    expect(run.code, run.stderr).toBe(0);
    const text = await readFile(join(home, "neuradock.yaml"), "utf8");
    expect(text).toContain("provider: newapi");
    expect(text).toContain("url:");
    expect(text).toContain("access_token: ${");
    const bad = await runCli(["init", "--force", "--provider", "anyroutr"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("unknown provider 'anyroutr'");
  });

  it("refuses to overwrite an existing file without --force", async () => {
    await writeFile(join(home, "neuradock.yaml"), "# mine\n");
    const refused = await runCli(["init"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("already exists");
    expect(refused.stderr).toContain("--force");
    expect(await readFile(join(home, "neuradock.yaml"), "utf8")).toBe("# mine\n");
    const forced = await runCli(["init", "--force"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(await readFile(join(home, "neuradock.yaml"), "utf8")).toContain("version: 1");
    const elsewhere = await runCli(["init", "-c", "other.yaml"]);
    expect(elsewhere.code, elsewhere.stderr).toBe(0);
    expect(await readFile(join(home, "other.yaml"), "utf8")).toContain("version: 1");
  });

  it("adopts an existing setup: matching bindings, and the first plan is empty", async () => {
    const relayKey = `sk-${RELAY.tokens[0]!.key}`;
    const aliceCodexKey = `sk-${ALICE.tokens[1]!.key}`;
    await mkdir(join(home, ".claude"));
    await writeFile(
      join(home, ".claude", "settings.json"),
      `${JSON.stringify(
        {
          permissions: { allow: ["Bash(ls)"] },
          env: { ANTHROPIC_AUTH_TOKEN: relayKey, ANTHROPIC_BASE_URL: gw.url },
        },
        null,
        2,
      )}\n`,
    );
    await mkdir(join(home, ".codex"));
    await writeFile(
      join(home, ".codex", "auth.json"),
      JSON.stringify({ OPENAI_API_KEY: aliceCodexKey }),
    );
    await writeFile(
      join(home, ".codex", "config.toml"),
      [
        "# my codex config",
        'model_provider = "alice"',
        "",
        "[model_providers.alice]",
        'name = "alice"',
        // Another origin for the same fake server: a second relay as far as init can tell.
        `base_url = "${gw.url.replace("127.0.0.1", "localhost")}/v1"`,
        'wire_api = "responses"',
        "requires_openai_auth = true",
        "",
      ].join("\n"),
    );
    const env = {
      LOCAL_RELAY_USER_ID: String(RELAY.id),
      LOCAL_RELAY_ACCESS_TOKEN: RELAY.accessToken!,
      ALICE_USER_ID: String(ALICE.id),
      ALICE_ACCESS_TOKEN: "wrong-kind",
    };
    // alice logs in with a session cookie, not an access token: the first try cannot match.
    const first = await runCli(["init"], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain("matched token 'main' (id 31) of account 'local-relay'");
    expect(first.stdout).toContain("could not list the tokens of 'alice'");

    const text0 = await readFile(join(home, "neuradock.yaml"), "utf8");
    expect(text0).toContain("token: CHANGE-ME");
    expect(text0).toContain("access_token: ${ALICE_ACCESS_TOKEN}");
    // alice's login is a session cookie: exported as such, init uses and writes that kind.
    const { ALICE_ACCESS_TOKEN: _unused, ...rest } = env;
    const sessionEnv = { ...rest, ALICE_SESSION: ALICE.session! };
    const forced = await runCli(["init", "--force"], sessionEnv);
    expect(forced.code, forced.stderr).toBe(0);
    const text = await readFile(join(home, "neuradock.yaml"), "utf8");
    expect(text).toContain("local-relay:");
    expect(text).toContain('token: "main"');
    expect(text).toMatch(/codex:\n {4}account: alice\n {4}token: "codex"/);
    expect(text).toContain("session: ${ALICE_SESSION}");
    for (const out of [first.stdout, first.stderr, forced.stdout, forced.stderr, text]) {
      for (const secret of demoSecrets()) expect(out).not.toContain(secret);
    }

    const plan = await runCli(["plan", "--detailed-exitcode"], sessionEnv);
    expect(plan.stdout + plan.stderr).toContain("No changes.");
    expect(plan.code).toBe(0);
  });
});
