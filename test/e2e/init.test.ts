import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  DEMO_USERS,
  demoSecrets,
  type FakeGateway,
  type FakeUser,
  startFakeGateway,
} from "../support/fake-gateway/index.js";
import { type CliRun, runCli as run } from "../support/run-cli.js";

const SCHEMA_URL = "https://unpkg.com/neuradock/schema/neuradock.schema.json";
const RELAY = DEMO_USERS[2]!;
const ALICE = DEMO_USERS[0]!;
// A relay user whose token names are hostile: a line break that would add keys if the file
// were built by pasting text, and a name shared by two tokens.
const MALLORY: FakeUser = {
  id: 66,
  username: "mallory",
  accessToken: "fake-access-token-mallory-1f2e3d4c5b6a",
  quota: 1_000_000,
  tokens: [
    {
      id: 61,
      name: "evil\nversion: 2\nbindings: {}",
      key: "MalloryEvilMalloryEvilMalloryEvilMalloryEvil6161",
      remain_quota: 100,
    },
    { id: 62, name: "dup", key: "MalloryDupAMalloryDupAMalloryDupAMalloryDu6262", remain_quota: 1 },
    { id: 63, name: "dup", key: "MalloryDupBMalloryDupBMalloryDupBMalloryDu6363", remain_quota: 1 },
    {
      id: 64,
      name: "yes: no # x",
      key: "MalloryColonMalloryColonMalloryColonMallo6464",
      remain_quota: 1,
    },
  ],
};

let gw: FakeGateway;
let home: string;

const runCli = (args: string[], env: Record<string, string> = {}, cwd?: string): Promise<CliRun> =>
  run(args, { home, env, ...(cwd ? { cwd } : {}) });
const configPath = () => join(home, ".config", "neuradock", "neuradock.yaml");
const readConfig = () => readFile(configPath(), "utf8");

async function writeClaude(url: string, key: string, extra = ""): Promise<void> {
  await mkdir(join(home, ".claude"), { recursive: true });
  await writeFile(
    join(home, ".claude", "settings.json"),
    `{\n  "permissions": { "allow": ["Bash(ls)"] },${extra}\n  "env": { "ANTHROPIC_AUTH_TOKEN": "${key}", "ANTHROPIC_BASE_URL": "${url}" }\n}\n`,
    // Private, as a file holding a key should be: otherwise the first plan tightens it.
    { mode: 0o600 },
  );
}

async function writeCodex(url: string, key: string, id = "relay"): Promise<void> {
  await mkdir(join(home, ".codex"), { recursive: true });
  await writeFile(join(home, ".codex", "auth.json"), JSON.stringify({ OPENAI_API_KEY: key }), {
    mode: 0o600,
  });
  await writeFile(
    join(home, ".codex", "config.toml"),
    [
      "# my codex config",
      `model_provider = "${id}"`,
      "",
      `[model_providers.${id}]`,
      `name = "${id}"`,
      `base_url = "${url}/v1"`,
      'wire_api = "responses"',
      "requires_openai_auth = true",
      "",
    ].join("\n"),
  );
}

beforeAll(async () => {
  gw = await startFakeGateway({ users: [...structuredClone(DEMO_USERS), MALLORY], maskKeys: true });
});
afterAll(async () => {
  await gw.close();
});
beforeEach(async () => {
  if (home) await rm(home, { recursive: true, force: true });
  home = await mkdtemp(join(tmpdir(), "neuradock-init-"));
});

describe("neuradock init", () => {
  it("writes a starter at the default location, found from any directory", async () => {
    const r = await runCli(["init"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Wrote ${configPath()} (the default location`);
    expect(r.stdout).toContain("Next: export ANYROUTER_USER_ID, ANYROUTER_SESSION");
    const text = await readConfig();
    expect(text.split("\n")[0]).toBe(`# yaml-language-server: $schema=${SCHEMA_URL}`);
    expect(text).toContain("session: ${ANYROUTER_SESSION}");
    expect(text).toContain("user_id: ${ANYROUTER_USER_ID}");
    const sub = join(home, "projects", "x");
    await mkdir(sub, { recursive: true });
    const valid = await runCli(
      ["validate"],
      { ANYROUTER_USER_ID: "42", ANYROUTER_SESSION: "s" },
      sub,
    );
    expect(valid.code, valid.stderr).toBe(0);
    expect(valid.stdout).toContain("1 account");
    const invalid = await runCli(["validate"], {}, sub);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain("ANYROUTER_USER_ID");
  });

  it("--provider newapi names the account after the relay, not 'relay-relay'", async () => {
    const r = await runCli(["init", "--provider", "newapi", "-c", "n.yaml"]);
    expect(r.code, r.stderr).toBe(0);
    const data = parse(await readFile(join(home, "n.yaml"), "utf8"));
    expect(Object.keys(data.accounts)).toEqual(["relay"]);
    expect(data.accounts.relay).toMatchObject({
      provider: "newapi",
      url: "https://relay.example.com",
      user_id: "${NEWAPI_USER_ID}",
      access_token: "${NEWAPI_ACCESS_TOKEN}",
    });
    const bad = await runCli(["init", "--force", "--provider", "anyroutr"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("unknown provider 'anyroutr'");
  });

  it("--local-schema points the modeline at this installation's schema", async () => {
    const r = await runCli(["init", "--local-schema", "-c", "l.yaml"]);
    expect(r.code, r.stderr).toBe(0);
    const first = (await readFile(join(home, "l.yaml"), "utf8")).split("\n")[0];
    expect(first).toMatch(
      /^# yaml-language-server: \$schema=\/.*\/schema\/neuradock\.schema\.json$/,
    );
  });

  it("adopts claude-code and codex: asks for the README's variables, then binds by token name", async () => {
    const key = `sk-${RELAY.tokens[0]!.key}`;
    await writeClaude(gw.url, key);
    await writeCodex(gw.url, key);
    // First run, nothing exported: the account is written, and the output says what to export.
    const first = await runCli(["init"]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(
      "not bound yet: export NEWAPI_USER_ID and NEWAPI_ACCESS_TOKEN (or NEWAPI_SESSION instead of NEWAPI_ACCESS_TOKEN), then run `neuradock init` again",
    );
    expect(first.stdout).toContain(
      "Next: export NEWAPI_USER_ID, NEWAPI_ACCESS_TOKEN; then run `neuradock init` again.",
    );
    let data = parse(await readConfig());
    expect(data.accounts).toEqual({
      relay: {
        provider: "newapi",
        url: gw.url,
        user_id: "${NEWAPI_USER_ID}",
        access_token: "${NEWAPI_ACCESS_TOKEN}",
      },
    });
    expect(data.bindings).toEqual({});
    // The user edits the file; a re-run keeps the edit and adds the bindings.
    await writeFile(configPath(), (await readConfig()).replace("version: 1", "version: 1 # mine"));
    const env = { NEWAPI_USER_ID: String(RELAY.id), NEWAPI_ACCESS_TOKEN: RELAY.accessToken! };
    const second = await runCli(["init"], env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain(`Updated ${configPath()}`);
    expect(second.stdout).toContain("bound to token 'main' (id 31) of account 'relay'");
    const text = await readConfig();
    expect(text).toContain("version: 1 # mine");
    data = parse(text);
    expect(data.bindings).toEqual({
      codex: { account: "relay", token: "main" },
      "claude-code": { account: "relay", token: "main" },
    });
    for (const out of [first.stdout, first.stderr, second.stdout, second.stderr, text]) {
      for (const secret of demoSecrets()) expect(out).not.toContain(secret);
    }
    const plan = await runCli(["plan", "--detailed-exitcode"], env);
    expect(plan.stdout + plan.stderr).toContain("No changes.");
    expect(plan.code).toBe(0);
    // A third run has nothing to add and changes nothing.
    const third = await runCli(["init"], env);
    expect(third.stdout).toContain("nothing to add");
    expect(third.stdout).toContain("already bound in the file: left as it is");
    expect(await readConfig()).toBe(text);
  });

  it("adopts qwen-code with the model its settings use (its binding needs one), in block style", async () => {
    const key = `sk-${RELAY.tokens[0]!.key}`;
    await mkdir(join(home, ".qwen"));
    await writeFile(
      join(home, ".qwen", "settings.json"),
      `{\n  "security": { "auth": { "selectedType": "openai" } },\n  "model": { "name": "qwen3-coder-plus" },\n  "modelProviders": { "openai": [ { "id": "qwen3-coder-plus", "baseUrl": "${gw.url}/v1", "envKey": "MY_QWEN_KEY" } ] },\n  "env": { "MY_QWEN_KEY": "${key}" }\n}\n`,
    );
    const first = await runCli(["init"]);
    expect(first.code, first.stderr).toBe(0);
    const env = { NEWAPI_USER_ID: String(RELAY.id), NEWAPI_ACCESS_TOKEN: RELAY.accessToken! };
    const second = await runCli(["init"], env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain("qwen-code: uses");
    expect(second.stdout).toContain("bound to token 'main' (id 31) of account 'local'");
    const text = await readConfig();
    expect(parse(text).bindings).toEqual({
      "qwen-code": { account: "local", token: "main", model: "qwen3-coder-plus" },
    });
    // The `bindings: {}` of the first run grows into a block, not a flow mapping.
    expect(text).toContain("\nbindings:\n  qwen-code:\n    account: local\n");
    const valid = await runCli(["validate"], env);
    expect(valid.code, valid.stderr).toBe(0);
    const plan = await runCli(["plan"], env);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).not.toContain("model.name");

    // Without model.name there is no model to bind with: said, not written as an invalid binding.
    await rm(configPath());
    await writeFile(
      join(home, ".qwen", "settings.json"),
      `{ "security": { "auth": { "selectedType": "openai", "baseUrl": "${gw.url}/v1", "apiKey": "${key}" } } }\n`,
    );
    const none = await runCli(["init"], env);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toContain("qwen-code names no model in its settings");
    expect(parse(await readConfig()).bindings).toEqual({});
    const after = await runCli(["validate"], env);
    expect(after.code, after.stderr).toBe(0);
  });

  it("adopts gemini-cli, opencode and qwen-code; plan then converges on them", async () => {
    const key = `sk-${RELAY.tokens[0]!.key}`;
    const gemini = join(home, ".gemini");
    await mkdir(gemini, { recursive: true });
    await writeFile(
      join(gemini, ".env"),
      `# mine\nGEMINI_API_KEY=${key}\nGOOGLE_GEMINI_BASE_URL=${gw.url}\nGEMINI_MODEL=gemini-2.5-pro\n`,
      // The key files private, as neuradock writes them (one others can read gets tightened).
      { mode: 0o600 },
    );
    await writeFile(
      join(gemini, "settings.json"),
      '{\n  // mine\n  "security": { "auth": { "selectedType": "gemini-api-key" } }\n}\n',
    );
    const opencode = join(home, ".config", "opencode");
    await mkdir(opencode, { recursive: true });
    await writeFile(
      join(opencode, "opencode.json"),
      `{\n  // mine\n  "provider": {\n    "relay": {\n      "npm": "@ai-sdk/anthropic",\n      "options": { "baseURL": "${gw.url}/v1", "apiKey": "${key}" },\n      "models": { "claude-sonnet-4-5": {} }\n    }\n  },\n  "model": "relay/claude-sonnet-4-5"\n}\n`,
      { mode: 0o600 },
    );
    const qwen = join(home, ".qwen");
    await mkdir(qwen, { recursive: true });
    const qwenText = `{\n  // mine\n  "security": { "auth": { "selectedType": "openai" } },\n  "env": { "RELAY_KEY": "${key}" },\n  "modelProviders": { "openai": [ { "id": "qwen3-coder-plus", "baseUrl": "${gw.url}/v1", "envKey": "RELAY_KEY" } ] },\n  "model": { "name": "qwen3-coder-plus" },\n  "$version": 4\n}\n`;
    await writeFile(join(qwen, "settings.json"), qwenText, { mode: 0o600 });
    const env = { NEWAPI_USER_ID: String(RELAY.id), NEWAPI_ACCESS_TOKEN: RELAY.accessToken! };
    const r = await runCli(["init"], env);
    expect(r.code, r.stderr).toBe(0);
    for (const tool of ["gemini-cli", "opencode", "qwen-code"]) {
      expect(r.stdout).toMatch(
        new RegExp(`${tool}: uses .*\\n\\s+bound to token 'main' \\(id 31\\) of account 'relay'`),
      );
    }
    const text = await readConfig();
    for (const secret of demoSecrets()) {
      expect(r.stdout + r.stderr + text).not.toContain(secret);
    }
    expect(parse(text).bindings).toEqual({
      "gemini-cli": { account: "relay", token: "main" },
      opencode: { account: "relay", token: "main" },
      "qwen-code": { account: "relay", token: "main", model: "qwen3-coder-plus" },
    });
    // Gemini CLI and opencode were set up the way neuradock writes them: nothing to change.
    const plan = await runCli(["plan"], env);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).not.toMatch(/gemini-cli|opencode/);
    // Qwen Code moves to an entry of neuradock's own; the user's entry and key stay.
    expect(plan.stdout).toContain("modelProviders.openai[envKey=NEURADOCK_QWEN_CODE_API_KEY]");
    const apply = await runCli(["apply", "-y"], env);
    expect(apply.code, apply.stderr).toBe(0);
    const after = await readFile(join(qwen, "settings.json"), "utf8");
    expect(after).toContain('"envKey": "RELAY_KEY"');
    const converged = await runCli(["plan", "--detailed-exitcode"], env);
    expect(converged.stdout + converged.stderr).toContain("No changes.");
    expect(converged.code).toBe(0);
    // Unbinding gives Qwen Code its own setup back, byte for byte.
    await writeFile(configPath(), text.replace(/\nbindings:[\s\S]*$/, "\nbindings: {}\n"));
    const removal = await runCli(["apply", "-y"], env);
    expect(removal.code, removal.stderr).toBe(0);
    expect(await readFile(join(qwen, "settings.json"), "utf8")).toBe(qwenText);
  });

  it("uses an account already in the file and its own variables", async () => {
    await writeClaude(gw.url, `sk-${ALICE.tokens[0]!.key}`);
    await writeFile(
      join(home, "neuradock.yaml"),
      `version: 1\n\n# my accounts\naccounts:\n  alice:\n    provider: newapi\n    url: ${gw.url}\n    user_id: ${ALICE.id}\n    session: \${ALICE_COOKIE}\n`,
    );
    const r = await runCli(["init"], { ALICE_COOKIE: ALICE.session! });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("bound to token 'claude' (id 11) of account 'alice'");
    const text = await readFile(join(home, "neuradock.yaml"), "utf8");
    expect(text.startsWith("version: 1\n\n# my accounts\naccounts:\n  alice:\n")).toBe(true);
    expect(parse(text).bindings).toEqual({ "claude-code": { account: "alice", token: "claude" } });
  });

  it("says why a settings.json it cannot parse is skipped", async () => {
    await writeClaude(gw.url, "sk-x", "\n  // my comment");
    const r = await runCli(["init"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /claude-code: skipped, .*\.claude\/settings\.json:\d+:\d+: .*\(fix the file, then run `neuradock init` again\)/,
    );
  });

  it("escapes hostile token names: a line break adds no key, a shared name binds by id", async () => {
    const env = { NEWAPI_USER_ID: String(MALLORY.id), NEWAPI_ACCESS_TOKEN: MALLORY.accessToken! };
    for (const [token, expected] of [
      [MALLORY.tokens[0]!, { id: 61 }],
      [MALLORY.tokens[1]!, { id: 62 }],
      [MALLORY.tokens[3]!, "yes: no # x"],
    ] as const) {
      await writeClaude(gw.url, `sk-${token.key}`);
      const r = await runCli(["init", "--force"], env);
      expect(r.code, r.stderr).toBe(0);
      const text = await readConfig();
      const data = parse(text);
      expect(Object.keys(data)).toEqual(["version", "accounts", "bindings"]);
      expect(data.version).toBe(1);
      expect(data.bindings).toEqual({ "claude-code": { account: "local", token: expected } });
      expect(text).not.toMatch(/^version: 2/m);
      const plan = await runCli(["plan", "--detailed-exitcode"], env);
      expect(plan.stdout + plan.stderr).toContain("No changes.");
    }
  });

  it("prints what to add instead of rewriting a file the YAML library would reformat", async () => {
    await writeClaude(gw.url, `sk-${RELAY.tokens[0]!.key}`);
    const mine = "version:   1\naccounts: {}\n";
    await writeFile(join(home, "neuradock.yaml"), mine);
    const r = await runCli(["init"], {
      NEWAPI_USER_ID: String(RELAY.id),
      NEWAPI_ACCESS_TOKEN: RELAY.accessToken!,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("is not written");
    expect(r.stdout).toContain(
      "    bindings:\n      claude-code:\n        account: local\n        token: main",
    );
    expect(await readFile(join(home, "neuradock.yaml"), "utf8")).toBe(mine);
  });

  it("--force starts over; a directory in the way is refused", async () => {
    await mkdir(join(home, "d.yaml"));
    const r = await runCli(["init", "-c", "d.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("is not a regular file");
    await writeFile(join(home, "f.yaml"), "# mine\nversion: 1\n");
    await chmod(join(home, "f.yaml"), 0o600);
    const forced = await runCli(["init", "--force", "-c", "f.yaml"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(await readFile(join(home, "f.yaml"), "utf8")).toContain("my-anyrouter:");
  });
});
