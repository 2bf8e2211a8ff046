// The tools of tools.md (Gemini CLI, Qwen Code, opencode) against their real clients: a user's
// realistic setup with a competing credential of their own; `plan` lists the changes; `apply -y`;
// the client answers through the bound node with the bound key and nothing else; a second
// apply writes nothing; hand drift is reported and put back; removing the binding gives every
// file back byte for byte, and deletes only the files neuradock created.
import { statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FakeGateway, startFakeGateway } from "../support/fake-gateway/index.js";
import { credentialHeaders, findSecrets, makeTempHome, writeFileDeep } from "./fixtures.js";
import {
  type LlmServer,
  type LoggedRequest,
  pathOf,
  REPLY_TEXT,
  startLlmServer,
} from "./llm-server.js";
import { changedFiles, runNeuradock, snapshotFiles } from "./neuradock.js";
import {
  type ClientRun,
  describeRun,
  type RunOptions,
  runGeminiPrompt,
  runOpencode,
  runQwenPrompt,
} from "./run-client.js";

const KEY = "CompatToolsKeyTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT01";
const SPARE = "CompatToolsSpareSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS02";
const ACCESS_TOKEN = "compat-tools-access-token-0003";
/** The user's own credentials, already in their files: none may reach any node. */
const USER = {
  geminiKey: "AIzaUserOwnGeminiKey0000000000000000004",
  googleKey: "AIzaUserOwnGoogleKey0000000000000000005",
  oauthAccess: "ya29.user-oauth-access-token-0006",
  oauthRefresh: "1//user-oauth-refresh-token-0007",
  opencodeOwn: "sk-user-own-provider-key-0008",
  opencodeAuth: "sk-ant-user-opencode-auth-0009",
  qwenSettingsKey: "sk-user-qwen-settings-apikey-0010",
  qwenSettingsEnv: "sk-user-qwen-settings-env-0011",
  qwenHomeDotenv: "sk-user-home-dotenv-openai-0012",
  qwenQwenDotenv: "sk-user-qwen-dotenv-openai-0013",
} as const;
const SECRETS_NOT_BOUND = [SPARE, ACCESS_TOKEN, ...Object.values(USER)];

let gateway: FakeGateway;
let node: LlmServer;
/** The user's previous endpoint: nothing may go there once bound. */
let previous: LlmServer;
const cleanups: Array<() => void> = [];

beforeAll(async () => {
  gateway = await startFakeGateway({
    users: [
      {
        id: 4004,
        username: "relay",
        accessToken: ACCESS_TOKEN,
        tokens: [
          { id: 41, name: "main", key: KEY, unlimited_quota: true },
          { id: 42, name: "spare", key: SPARE, remain_quota: 1 },
        ],
      },
    ],
  });
  node = await startLlmServer();
  previous = await startLlmServer();
});
afterAll(async () => {
  await Promise.all([gateway.close(), node.close(), previous.close()]);
});
afterEach(() => {
  node.clear();
  previous.clear();
  for (const c of cleanups.splice(0)) c();
});

interface World {
  home: string;
  config: string;
  env: Record<string, string>;
}

function makeWorld(label: string): World {
  const { home, cleanup } = makeTempHome(label);
  cleanups.push(cleanup);
  return {
    home,
    config: join(home, "neuradock.yaml"),
    env: { NEURADOCK_STATE_DIR: join(home, "state", "neuradock"), COMPAT_TOKEN: ACCESS_TOKEN },
  };
}

function writeConfig(world: World, binding: string[] | null): void {
  const lines = [
    "version: 1",
    "accounts:",
    "  relay:",
    "    provider: newapi",
    `    url: ${gateway.url}`,
    "    user_id: 4004",
    "    access_token: ${COMPAT_TOKEN}",
    "nodes:",
    "  newapi:",
    `    loopback: ${node.url}`,
  ];
  if (binding) lines.push("bindings:", ...binding);
  writeFileDeep(world.config, `${lines.join("\n")}\n`);
}

async function neuradock(world: World, args: string[]): Promise<ClientRun> {
  const [command = "plan", ...rest] = args;
  return runNeuradock([command, "-c", world.config, ...rest], { home: world.home, env: world.env });
}

async function applyYes(world: World): Promise<ClientRun> {
  const run = await neuradock(world, ["apply", "-y"]);
  expect(run.code, describeRun(run)).toBe(0);
  expect(`${run.stdout}${run.stderr}`).not.toContain(KEY);
  return run;
}

/** One tool of tools.md, as the acceptance walk needs it. */
interface ToolCase {
  tool: string;
  binding: string[];
  /** The files neuradock writes for this tool, in the world's home. */
  files(world: World): string[];
  /** The user's realistic setup, with a competing credential of their own. */
  writeUserSetup(world: World): void;
  /** The owned paths `plan` must list. */
  planPaths: string[];
  run(opts: RunOptions): Promise<ClientRun>;
  /** The request(s) the answer came from. */
  isModelRequest(req: LoggedRequest): boolean;
  /** The credential headers the bound key must travel in, and nothing else. */
  credentials(key: string): Record<string, string>;
  /** A hand edit of an owned value in one of the files: [file, new text]. */
  drift(world: World, text: (file: string) => string): [string, string];
  /** The user's files beside them that neuradock must never touch. */
  userFiles?(world: World): string[];
  /** More about a model request than its credentials (the model it asked for). */
  checkModelRequest?(req: LoggedRequest): void;
}

async function acceptance(c: ToolCase): Promise<void> {
  const world = makeWorld(c.tool);
  c.writeUserSetup(world);
  const files = c.files(world);
  const original = snapshotFiles([...files, ...(c.userFiles?.(world) ?? [])]);
  writeConfig(world, c.binding);

  const plan = await neuradock(world, ["plan"]);
  expect(plan.code, describeRun(plan)).toBe(0);
  for (const path of c.planPaths) expect(plan.stdout).toContain(path);
  expect(plan.stdout).not.toContain(KEY);

  await applyYes(world);
  const run = await c.run({ home: world.home });
  expect(run.code, describeRun(run)).toBe(0);
  expect(run.stdout).toContain(REPLY_TEXT);
  const answered = node.requests.filter(c.isModelRequest);
  expect(answered.length, "no model request reached the bound node").toBeGreaterThan(0);
  for (const req of answered) c.checkModelRequest?.(req);
  for (const req of node.requests) {
    const creds = credentialHeaders(req);
    if (Object.keys(creds).length > 0 || c.isModelRequest(req)) {
      expect(creds, `${req.method} ${req.url}`).toEqual(c.credentials(`sk-${KEY}`));
    }
    expect(findSecrets(req, SECRETS_NOT_BOUND), `${req.method} ${req.url}`).toEqual([]);
  }
  expect(previous.requests).toEqual([]);

  // Converged, even after the client ran (and whatever it wrote of its own).
  const second = await neuradock(world, ["plan", "--detailed-exitcode"]);
  expect(second.code, describeRun(second)).toBe(0);
  const boundBytes = snapshotFiles(files);

  const [file, edited] = c.drift(world, (f) => String(boundBytes.get(f)));
  writeFileDeep(file, edited);
  const drift = await neuradock(world, ["plan"]);
  expect(drift.stdout + drift.stderr).toMatch(/changed by hand/);
  await applyYes(world);
  expect(changedFiles(boundBytes, snapshotFiles(files))).toEqual([]);

  writeConfig(world, null);
  await applyYes(world);
  expect(changedFiles(original, snapshotFiles([...original.keys()]))).toEqual([]);
}

/** A fresh home: the files neuradock creates go again on removal, nothing else. */
async function freshHome(c: ToolCase): Promise<void> {
  const world = makeWorld(`${c.tool}-fresh`);
  const files = c.files(world);
  writeConfig(world, c.binding);
  await applyYes(world);
  for (const [f, bytes] of snapshotFiles(files)) expect(bytes, f).not.toBeNull();
  writeConfig(world, null);
  await applyYes(world);
  for (const [f, bytes] of snapshotFiles(files)) expect(bytes, f).toBeNull();
}

const gemini: ToolCase = {
  tool: "gemini-cli",
  binding: [
    "  gemini-cli:",
    "    account: relay",
    "    token: main",
    "    node: loopback",
    "    model: gemini-2.5-pro",
  ],
  files: (w) => [join(w.home, ".gemini", ".env"), join(w.home, ".gemini", "settings.json")],
  writeUserSetup(w) {
    writeFileDeep(
      join(w.home, ".gemini", ".env"),
      [
        "# my Gemini setup",
        `export GOOGLE_API_KEY='${USER.googleKey}'   # for Vertex, some days`,
        `GEMINI_API_KEY="${USER.geminiKey}"`,
        `GOOGLE_GEMINI_BASE_URL=${previous.url}`,
        "",
      ].join("\n"),
      0o600,
    );
    writeFileDeep(
      join(w.home, ".gemini", "settings.json"),
      [
        "{",
        "  // written by hand",
        '  "general": { "vimMode": true },',
        '  "security": { "auth": { "selectedType": "oauth-personal" } },',
        '  "privacy": { "usageStatisticsEnabled": false }',
        "}",
        "",
      ].join("\n"),
    );
    // A Google login the CLI would use with oauth-personal: it must stay unused.
    writeFileDeep(
      join(w.home, ".gemini", "oauth_creds.json"),
      JSON.stringify({
        access_token: USER.oauthAccess,
        refresh_token: USER.oauthRefresh,
        token_type: "Bearer",
        expiry_date: Date.now() + 3_600_000,
      }),
      0o600,
    );
  },
  planPaths: [
    "GEMINI_API_KEY",
    "GOOGLE_GEMINI_BASE_URL",
    "GEMINI_MODEL",
    "security.auth.selectedType",
  ],
  run: runGeminiPrompt,
  isModelRequest: (req) =>
    /^\/v1beta\/models\/gemini-2\.5-pro:(stream)?[gG]enerateContent$/.test(pathOf(req.url)),
  credentials: (key) => ({ "x-goog-api-key": key }),
  drift(w, text) {
    const file = join(w.home, ".gemini", ".env");
    return [file, text(file).replace(/GEMINI_MODEL=.*/, "GEMINI_MODEL=gemini-2.5-flash")];
  },
};

describe("Gemini CLI (real client)", () => {
  it("acceptance: plan, apply, the real client, converged, drift, removal", async () => {
    await acceptance(gemini);
  });
  it("fresh home: creates .env and settings.json, removes them again", async () => {
    await freshHome(gemini);
  });
});

const opencode: ToolCase = {
  tool: "opencode",
  binding: [
    "  opencode:",
    "    account: relay",
    "    token: main",
    "    node: loopback",
    "    model: claude-sonnet-4-5",
  ],
  files: (w) => [join(w.home, ".config", "opencode", "opencode.json")],
  writeUserSetup(w) {
    writeFileDeep(
      join(w.home, ".config", "opencode", "opencode.json"),
      [
        "{",
        '  "$schema": "https://opencode.ai/config.json",',
        "  // my own relay, which stays configured",
        '  "provider": {',
        '    "mine": {',
        '      "npm": "@ai-sdk/anthropic",',
        `      "options": { "baseURL": "${previous.url}/v1", "apiKey": "${USER.opencodeOwn}" },`,
        '      "models": { "claude-sonnet-4-5": {} }',
        "    }",
        "  },",
        '  "model": "mine/claude-sonnet-4-5",',
        '  "autoupdate": false',
        "}",
        "",
      ].join("\n"),
    );
    // `opencode auth login` keys, one of them for the very id neuradock uses.
    writeFileDeep(
      join(w.home, ".local", "share", "opencode", "auth.json"),
      JSON.stringify({
        relay: { type: "api", key: USER.opencodeAuth },
        anthropic: { type: "api", key: USER.opencodeAuth },
      }),
      0o600,
    );
  },
  planPaths: ["provider.relay.options.apiKey", "provider.relay.options.baseURL", "model"],
  run: runOpencode,
  isModelRequest: (req) => pathOf(req.url) === "/v1/messages",
  credentials: (key) => ({ "x-api-key": key }),
  drift(w, text) {
    const file = join(w.home, ".config", "opencode", "opencode.json");
    return [file, text(file).replace('"relay/claude-sonnet-4-5"', '"mine/claude-sonnet-4-5"')];
  },
};

describe("opencode (real client)", () => {
  it("acceptance: plan, apply, the real client, converged, drift, removal", async () => {
    await acceptance(opencode);
  });
  it("fresh home: creates opencode.json, removes it again", async () => {
    await freshHome(opencode);
  });
});

const QWEN_ENTRY_ID = "qwen3-coder-plus";

/** The user's Qwen Code setup: their own OpenAI-compatible endpoint, keys in four places. */
function qwenUserSettings(version: number): string {
  return [
    "{",
    "  // my Qwen Code settings",
    '  "general": { "vimMode": false },',
    '  "ui": { "theme": "GitHub" },',
    `  "security": { "auth": { "selectedType": "openai", "apiKey": "${USER.qwenSettingsKey}" } },`,
    `  "env": { "OPENAI_API_KEY": "${USER.qwenSettingsEnv}" },`,
    '  "modelProviders": {',
    '    "openai": [',
    `      { "id": "${QWEN_ENTRY_ID}", "name": "mine", "baseUrl": "${previous.url}/v1", "envKey": "OPENAI_API_KEY" }`,
    "    ]",
    "  },",
    `  "model": { "name": "${QWEN_ENTRY_ID}" },`,
    `  "$version": ${version}`,
    "}",
    "",
  ].join("\n");
}

function writeQwenUserSetup(w: World, version: number): void {
  writeFileDeep(join(w.home, ".qwen", "settings.json"), qwenUserSettings(version));
  // Both .env files beat the settings' env: the client loads them into its environment.
  writeFileDeep(
    join(w.home, ".qwen", ".env"),
    `OPENAI_API_KEY=${USER.qwenQwenDotenv}\nOPENAI_BASE_URL=${previous.url}/v1\n`,
    0o600,
  );
  writeFileDeep(join(w.home, ".env"), `OPENAI_API_KEY=${USER.qwenHomeDotenv}\n`, 0o600);
}

const qwen: ToolCase = {
  tool: "qwen-code",
  binding: [
    "  qwen-code:",
    "    account: relay",
    "    token: main",
    "    node: loopback",
    `    model: ${QWEN_ENTRY_ID}`,
  ],
  files: (w) => [join(w.home, ".qwen", "settings.json")],
  userFiles: (w) => [join(w.home, ".qwen", ".env"), join(w.home, ".env")],
  writeUserSetup: (w) => writeQwenUserSetup(w, 4),
  planPaths: [
    "modelProviders.openai[envKey=NEURADOCK_QWEN_CODE_API_KEY]",
    "env.NEURADOCK_QWEN_CODE_API_KEY",
    "model.baseUrl",
  ],
  run: runQwenPrompt,
  isModelRequest: (req) => pathOf(req.url) === "/v1/chat/completions",
  credentials: (key) => ({ authorization: `Bearer ${key}` }),
  checkModelRequest(req) {
    expect((JSON.parse(req.body) as { model?: string }).model).toBe(QWEN_ENTRY_ID);
  },
  drift(w, text) {
    // Our entry pointed back at the user's own endpoint, by hand.
    const file = join(w.home, ".qwen", "settings.json");
    const ours = `"baseUrl": "${node.url}/v1",\n        "envKey": "NEURADOCK_QWEN_CODE_API_KEY"`;
    const edited = text(file).replace(ours, ours.replace(node.url, previous.url));
    expect(edited).not.toBe(text(file));
    return [file, edited];
  },
};

describe("Qwen Code (real client)", () => {
  it("acceptance: plan, apply, the real client, converged, drift, removal", async () => {
    await acceptance(qwen);
  });

  it("fresh home: creates settings.json, removes it again", async () => {
    await freshHome(qwen);
  });

  it("the client's own $version 3 → 4 migration is not drift, and removal keeps it", async () => {
    const world = makeWorld("qwen-migrate");
    writeQwenUserSetup(world, 3);
    const file = join(world.home, ".qwen", "settings.json");
    const original = snapshotFiles([file]);
    writeConfig(world, qwen.binding);
    await applyYes(world);
    const applied = snapshotFiles([file]);
    const run = await runQwenPrompt({ home: world.home });
    expect(run.code, describeRun(run)).toBe(0);
    expect(run.stdout).toContain(REPLY_TEXT);
    // The client rewrote the file (its migration), and that alone is no change to plan.
    expect(changedFiles(applied, snapshotFiles([file]))).toEqual([file]);
    expect(String(snapshotFiles([file]).get(file))).toMatch(/"\$version": 4/);
    // The client's rewrite leaves the key file readable by others (0644, its umask), so the
    // one change neuradock plans is to make it private again; the content is no drift.
    expect(statSync(file).mode & 0o777).toBe(0o644);
    const second = await neuradock(world, ["plan", "--detailed-exitcode"]);
    expect(second.code, describeRun(second)).toBe(2);
    expect(second.stdout).toMatch(/~ mode 0644 → 0600/);
    expect(second.stdout).toMatch(/Plan: 0 to add, 1 to change, 0 to remove\./);
    expect(second.stdout + second.stderr).not.toMatch(/changed by hand/);
    await applyYes(world);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const third = await neuradock(world, ["plan", "--detailed-exitcode"]);
    expect(third.code, describeRun(third)).toBe(0);
    // Removal gives back the user's values; the version is the client's own now.
    writeConfig(world, null);
    await applyYes(world);
    const restored = String(snapshotFiles([file]).get(file));
    expect(restored).toBe(String(original.get(file)).replace('"$version": 3', '"$version": 4'));
  });
});

describe("Qwen Code: why a provider entry of our own (hand-written files)", () => {
  it("security.auth.apiKey loses to an OPENAI_API_KEY in ~/.env: that key would go to the node", async () => {
    const world = makeWorld("qwen-simple-shape");
    writeFileDeep(
      join(world.home, ".qwen", "settings.json"),
      JSON.stringify({
        security: {
          auth: { selectedType: "openai", apiKey: `sk-${KEY}`, baseUrl: `${node.url}/v1` },
        },
        model: { name: QWEN_ENTRY_ID },
        $version: 4,
      }),
    );
    writeFileDeep(join(world.home, ".env"), `OPENAI_API_KEY=${USER.qwenHomeDotenv}\n`, 0o600);
    const run = await runQwenPrompt({ home: world.home });
    expect(run.code, describeRun(run)).toBe(0);
    const sent = node.requests.filter((r) => pathOf(r.url) === "/v1/chat/completions");
    expect(sent.length).toBeGreaterThan(0);
    for (const req of sent) {
      expect(credentialHeaders(req)).toEqual({ authorization: `Bearer ${USER.qwenHomeDotenv}` });
    }
  });
});
