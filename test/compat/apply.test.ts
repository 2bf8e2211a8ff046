// Step 2 of the compatibility story: files written by `neuradock apply -y` (built CLI, fake
// relay gateway for the token list) drive the real clients, and removing the bindings gives
// the user's files back byte for byte.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type FakeGateway,
  type FakeUser,
  startFakeGateway,
} from "../support/fake-gateway/index.js";
import {
  chatgptTokens,
  credentialHeaders,
  FAKE,
  findSecrets,
  makeTempHome,
  writeFileDeep,
} from "./fixtures.js";
import { type LlmServer, pathOf, REPLY_TEXT, startLlmServer } from "./llm-server.js";
import { changedFiles, runNeuradock, snapshotFiles } from "./neuradock.js";
import { type ClientRun, describeRun, runClaudePrompt, runCodexExec } from "./run-client.js";

// Raw keys as new-api stores them (no `sk-`); the clients must receive `sk-` + key.
const KEYS = {
  claude: "CompatClaudeKeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA01",
  codex: "CompatCodexKeyBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB02",
  unboundPersonal: "CompatUnboundKeyCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC03",
  unboundWork: "CompatUnboundKeyDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD04",
  relay: "CompatRelayKeyEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE05",
} as const;
const SESSION = "compat-session-cookie-value-0001";
const ACCESS_TOKEN = "compat-system-access-token-0002";
const RELAY_ACCESS_TOKEN = "compat-relay-access-token-0003";

const USERS: FakeUser[] = [
  {
    id: 1001,
    username: "personal",
    session: SESSION,
    tokens: [
      { id: 11, name: "claude", key: KEYS.claude, remain_quota: 2_500_000 },
      { id: 12, name: "spare", key: KEYS.unboundPersonal, remain_quota: 1 },
    ],
  },
  {
    id: 2002,
    username: "work",
    accessToken: ACCESS_TOKEN,
    tokens: [
      { id: 21, name: "codex", key: KEYS.codex, unlimited_quota: true },
      { id: 22, name: "other", key: KEYS.unboundWork, remain_quota: 1 },
    ],
  },
  {
    id: 3003,
    username: "relay",
    accessToken: RELAY_ACCESS_TOKEN,
    tokens: [{ id: 31, name: "main", key: KEYS.relay, remain_quota: 50_000_000 }],
  },
];

/** Every secret that must never reach the node except the bound one for that tool. */
const ALL_SECRETS = [
  ...Object.values(KEYS),
  SESSION,
  ACCESS_TOKEN,
  RELAY_ACCESS_TOKEN,
  FAKE.userAnthropicKey,
  FAKE.helperKey,
  FAKE.userOpenAiKey,
  FAKE.chatgptRefresh,
];

let gateway: FakeGateway;
/** The bound node. */
let node: LlmServer;
/** A declared but unbound node, and the user's previous endpoint: both must stay silent. */
let otherNode: LlmServer;
let previous: LlmServer;
const cleanups: Array<() => void> = [];

beforeAll(async () => {
  // Newer new-api servers mask keys in the list: the full key comes from POST /api/token/:id/key.
  gateway = await startFakeGateway({ users: USERS, maskKeys: true });
  node = await startLlmServer();
  otherNode = await startLlmServer();
  previous = await startLlmServer();
});
afterAll(async () => {
  await Promise.all([gateway.close(), node.close(), otherNode.close(), previous.close()]);
});
afterEach(() => {
  for (const s of [node, otherNode, previous]) s.clear();
  for (const c of cleanups.splice(0)) c();
});

interface World {
  home: string;
  config: string;
  /** Environment for neuradock and for the clients alike. */
  env: Record<string, string>;
  settings: string;
  auth: string;
  codexConfig: string;
}

function makeWorld(label: string, dirs: { claude?: string; codex?: string } = {}): World {
  const { home, cleanup } = makeTempHome(label);
  cleanups.push(cleanup);
  const claudeDir = dirs.claude ? join(home, dirs.claude) : join(home, ".claude");
  const codexDir = dirs.codex ? join(home, dirs.codex) : join(home, ".codex");
  const env: Record<string, string> = {
    NEURADOCK_STATE_DIR: join(home, "state", "neuradock"),
    COMPAT_SESSION: SESSION,
    COMPAT_ACCESS_TOKEN: ACCESS_TOKEN,
    COMPAT_RELAY_TOKEN: RELAY_ACCESS_TOKEN,
  };
  if (dirs.claude) env.CLAUDE_CONFIG_DIR = claudeDir;
  if (dirs.codex) env.CODEX_HOME = codexDir;
  return {
    home,
    config: join(home, "neuradock.yaml"),
    env,
    settings: join(claudeDir, "settings.json"),
    auth: join(codexDir, "auth.json"),
    codexConfig: join(codexDir, "config.toml"),
  };
}

function writeNeuradockYaml(
  world: World,
  withBindings: boolean,
  opts: { keepOtherCredentials?: boolean } = {},
): void {
  const lines = [
    "version: 1",
    "accounts:",
    "  personal:",
    "    provider: anyrouter",
    `    url: ${gateway.url}`,
    "    user_id: 1001",
    "    session: ${COMPAT_SESSION}",
    "  work:",
    "    provider: agentrouter",
    `    url: ${gateway.url}`,
    "    user_id: 2002",
    "    access_token: ${COMPAT_ACCESS_TOKEN}",
    "nodes:",
    "  anyrouter:",
    `    loopback: ${node.url}`,
    `    elsewhere: ${otherNode.url}`,
    "  agentrouter:",
    `    loopback: ${node.url}`,
    `    elsewhere: ${otherNode.url}`,
  ];
  const keep = opts.keepOtherCredentials ? ["    keep_other_credentials: true"] : [];
  if (withBindings) {
    lines.push(
      "bindings:",
      "  claude-code:",
      "    account: personal",
      "    token: claude",
      "    node: loopback",
      ...keep,
      "  codex:",
      "    account: work",
      "    token: { id: 21 }",
      "    node: loopback",
      ...keep,
    );
  }
  writeFileDeep(world.config, `${lines.join("\n")}\n`);
}

async function applyYes(world: World): Promise<ClientRun> {
  const run = await runNeuradock(["apply", "-y", "-c", world.config], world);
  expect(run.code, describeRun(run)).toBe(0);
  // neuradock's own output redacts: no key, session or access token in clear.
  expect(ALL_SECRETS.filter((s) => `${run.stdout}${run.stderr}`.includes(s))).toEqual([]);
  return run;
}

/** Runs both clients and asserts each sent exactly its bound token to the bound node. */
async function expectOnlyBoundTokens(
  world: World,
  bound: { claude: string; codex: string } = { claude: KEYS.claude, codex: KEYS.codex },
): Promise<void> {
  const files = [world.settings, world.auth, world.codexConfig];
  const before = snapshotFiles(files);

  const claude = await runClaudePrompt(world);
  expect(claude.code, describeRun(claude)).toBe(0);
  expect(claude.stdout).toContain(REPLY_TEXT);
  expectExactly(node.requests, "/v1/messages", `sk-${bound.claude}`);
  node.clear();

  const codex = await runCodexExec(world);
  expect(codex.code, describeRun(codex)).toBe(0);
  expect(codex.stdout).toContain(REPLY_TEXT);
  expectExactly(node.requests, "/v1/responses", `sk-${bound.codex}`);

  expect(otherNode.requests).toEqual([]);
  expect(previous.requests).toEqual([]);
  expect(changedFiles(before, snapshotFiles(files)), "a client rewrote its config").toEqual([]);
}

function expectExactly(requests: LlmServer["requests"], path: string, bearer: string): void {
  const model = requests.filter((r) => pathOf(r.url) === path);
  expect(model, `no ${path} request reached the bound node`).toHaveLength(1);
  const bound = { authorization: `Bearer ${bearer}` };
  // The model call carries the bound key (positively); any other request it or nothing.
  expect(credentialHeaders(model[0]!)).toEqual(bound);
  for (const req of requests) {
    const creds = credentialHeaders(req);
    expect([{}, bound], `${req.method} ${req.url}`).toContainEqual(creds);
    const others = ALL_SECRETS.filter((s) => !bearer.endsWith(s));
    expect(findSecrets(req, others), `other secrets in ${req.method} ${req.url}`).toEqual([]);
  }
}

/** The user's own files with other credentials, formatted the way the clients write them. */
function writeUserFiles(world: World): ReturnType<typeof chatgptTokens> {
  const tokens = chatgptTokens();
  writeFileDeep(
    world.settings,
    `${JSON.stringify(
      {
        permissions: { allow: ["Bash(npm test:*)"], deny: [] },
        env: {
          ANTHROPIC_API_KEY: FAKE.userAnthropicKey,
          ANTHROPIC_BASE_URL: previous.url,
          BASH_DEFAULT_TIMEOUT_MS: "60000",
        },
        model: "sonnet",
        apiKeyHelper: `echo ${FAKE.helperKey}`,
        statusLine: { type: "command", command: "echo status" },
      },
      null,
      2,
    )}\n`,
  );
  writeFileDeep(
    world.auth,
    `${JSON.stringify(
      {
        auth_mode: "chatgpt",
        OPENAI_API_KEY: null,
        tokens,
        last_refresh: new Date().toISOString(),
      },
      null,
      2,
    )}\n`,
    0o600,
  );
  writeFileDeep(
    world.codexConfig,
    [
      "# my codex settings",
      'model = "gpt-5-codex"',
      'model_reasoning_effort = "high"',
      "",
      "[features]",
      "web_search_request = true # keep this",
      "",
      '[projects."/home/me/repo"]',
      'trust_level = "trusted"',
      "",
    ].join("\n"),
  );
  return tokens;
}

describe("neuradock apply -y, then the real clients", () => {
  it("fresh home: binds both tools; removing the bindings deletes the files it created", async () => {
    const world = makeWorld("fresh");
    writeNeuradockYaml(world, true);

    await applyYes(world);
    expect(statSync(world.auth).mode & 0o777).toBe(0o600);
    await expectOnlyBoundTokens(world);

    writeNeuradockYaml(world, false);
    await applyYes(world);
    const after = snapshotFiles([world.settings, world.auth, world.codexConfig]);
    expect([...after.values()]).toEqual([null, null, null]);
  });

  it("existing files with other credentials: only the bound tokens go out, then the originals come back byte for byte", async () => {
    const world = makeWorld("existing");
    writeUserFiles(world);
    const files = [world.settings, world.auth, world.codexConfig];
    const original = snapshotFiles(files);
    writeNeuradockYaml(world, true);

    await applyYes(world);
    expect(statSync(world.auth).mode & 0o777).toBe(0o600);
    await expectOnlyBoundTokens(world);

    writeNeuradockYaml(world, false);
    await applyYes(world);
    expect(changedFiles(original, snapshotFiles(files))).toEqual([]);
  });

  it("honours CLAUDE_CONFIG_DIR and CODEX_HOME", async () => {
    const world = makeWorld("dirs", { claude: "cfg/claude", codex: "cfg/codex" });
    // Decoys at the default locations: neither neuradock nor the clients may use them.
    const decoys = [
      join(world.home, ".claude", "settings.json"),
      join(world.home, ".codex", "config.toml"),
    ];
    writeFileDeep(decoys[0]!, `${JSON.stringify({ model: "opus" }, null, 2)}\n`);
    writeFileDeep(decoys[1]!, 'model = "o3"\n');
    const decoyBytes = snapshotFiles(decoys);
    writeNeuradockYaml(world, true);

    await applyYes(world);
    expect(changedFiles(decoyBytes, snapshotFiles(decoys))).toEqual([]);
    await expectOnlyBoundTokens(world);

    writeNeuradockYaml(world, false);
    await applyYes(world);
    expect([...snapshotFiles([world.settings, world.auth, world.codexConfig]).values()]).toEqual([
      null,
      null,
      null,
    ]);
  });

  it("keep_other_credentials: true really opts out: the user's own credentials go out too", async () => {
    // The negative control for the leak guards: same files, guards off, the hazards return.
    const world = makeWorld("keep-other");
    const tokens = writeUserFiles(world);
    const files = [world.settings, world.auth, world.codexConfig];
    const original = snapshotFiles(files);
    writeNeuradockYaml(world, true, { keepOtherCredentials: true });

    await applyYes(world);
    const claude = await runClaudePrompt(world);
    expect(claude.code, describeRun(claude)).toBe(0);
    const messages = node.modelRequests();
    expect(messages).toHaveLength(1);
    const creds = credentialHeaders(messages[0]!);
    expect(Object.keys(creds).sort()).toEqual(["authorization", "x-api-key"]);
    expect(creds.authorization).toBe(`Bearer sk-${KEYS.claude}`);
    expect([FAKE.userAnthropicKey, FAKE.helperKey]).toContain(creds["x-api-key"]);
    node.clear();

    const codex = await runCodexExec(world);
    expect(codex.code, describeRun(codex)).toBe(0);
    const responses = node.modelRequests();
    expect(responses).toHaveLength(1);
    expect(credentialHeaders(responses[0]!).authorization).toBe(`Bearer ${tokens.access_token}`);
    expect(findSecrets(responses[0]!, [KEYS.codex])).toEqual([]);

    writeNeuradockYaml(world, false);
    await applyYes(world);
    expect(changedFiles(original, snapshotFiles(files))).toEqual([]);
  });

  it("newapi account, and a config.toml with the user's own provider: the provider id is the account id", async () => {
    const world = makeWorld("newapi");
    const userConfig = [
      'model_provider = "mine"',
      'model = "gpt-5"',
      "",
      "# my own relay",
      "[model_providers.mine]",
      'name = "Mine"',
      `base_url = "${previous.url}/v1"`,
      'wire_api = "responses"',
      'env_key = "MY_RELAY_KEY"',
      "",
      "[mcp_servers.docs]",
      'command = "true"',
      "",
    ].join("\n");
    writeFileDeep(world.codexConfig, userConfig);
    const files = [world.settings, world.auth, world.codexConfig];
    const original = snapshotFiles(files);
    const yaml = (bindings: string[]) =>
      [
        "version: 1",
        "accounts:",
        "  relay:",
        "    provider: newapi",
        `    url: ${gateway.url}`,
        "    user_id: 3003",
        "    access_token: ${COMPAT_RELAY_TOKEN}",
        "nodes:",
        "  newapi:",
        `    loopback: ${node.url}`,
        ...bindings,
        "",
      ].join("\n");
    const bindings = ["bindings:", "  claude-code:", "    account: relay", "    token: main"];
    bindings.push("    node: loopback", "  codex:", "    account: relay", "    token: main");
    bindings.push("    node: loopback");
    writeFileDeep(world.config, yaml(bindings));

    await applyYes(world);
    const toml = readFileSync(world.codexConfig, "utf8");
    expect(toml).toMatch(/^model_provider = "relay"$/m);
    expect(toml).toContain("[model_providers.mine]");
    await expectOnlyBoundTokens(world, { claude: KEYS.relay, codex: KEYS.relay });

    writeFileDeep(world.config, yaml([]));
    await applyYes(world);
    const after = snapshotFiles(files);
    expect(changedFiles(original, after)).toEqual([]);
  });
});
