// Step 1 of the compatibility story: the file shapes docs/tools/*.md document, written by hand,
// against the real clients. If these fail, the clients changed and docs/tools/ is stale.
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  chatgptTokens,
  credentialHeaders,
  FAKE,
  findSecrets,
  makeTempHome,
  readBytes,
  writeFileDeep,
} from "./fixtures.js";
import { type LlmServer, pathOf, REPLY_TEXT, startLlmServer } from "./llm-server.js";
import { describeRun, runClaudePrompt, runCodexExec } from "./run-client.js";

let node: LlmServer;
/** A second server standing for "some other endpoint": it must never be reached. */
let decoy: LlmServer;
const cleanups: Array<() => void> = [];

beforeAll(async () => {
  node = await startLlmServer();
  decoy = await startLlmServer();
});
afterAll(async () => {
  await node.close();
  await decoy.close();
});
afterEach(() => {
  node.clear();
  decoy.clear();
  for (const c of cleanups.splice(0)) c();
});

function tempHome(label: string): string {
  const { home, cleanup } = makeTempHome(label);
  cleanups.push(cleanup);
  return home;
}

function claudeSettings(env: Record<string, string>, extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ ...extra, env }, null, 2)}\n`;
}

function codexConfig(baseUrl: string): string {
  return [
    "# the user's own comment",
    'model_provider = "anyrouter"',
    "",
    "[model_providers.anyrouter]",
    'name = "AnyRouter"',
    `base_url = "${baseUrl}/v1"`,
    'wire_api = "responses"',
    "requires_openai_auth = true",
    "",
  ].join("\n");
}

/** Asserts the one model request went to `server` with exactly these credential headers. */
function expectOneModelRequest(
  server: LlmServer,
  path: string,
  headers: Record<string, string>,
): void {
  const calls = server.modelRequests();
  expect(calls.map((r) => pathOf(r.url))).toEqual([path]);
  // The model call carries exactly these (positively: a call without them fails), and every
  // other request that reached the node carries these or none.
  expect(credentialHeaders(calls[0]!)).toEqual(headers);
  for (const req of server.requests) {
    const creds = credentialHeaders(req);
    expect([{}, headers], `${req.method} ${req.url}`).toContainEqual(creds);
  }
  expect(decoy.requests).toEqual([]);
}

describe("claude: settings.json env.ANTHROPIC_AUTH_TOKEN + env.ANTHROPIC_BASE_URL", () => {
  it("sends exactly the bound token as a Bearer to the base URL (default ~/.claude)", async () => {
    const home = tempHome("claude-default");
    const settings = join(home, ".claude", "settings.json");
    writeFileDeep(
      settings,
      claudeSettings(
        { ANTHROPIC_AUTH_TOKEN: FAKE.boundClaude, ANTHROPIC_BASE_URL: node.url },
        { permissions: { allow: ["Bash(ls:*)"] }, model: "sonnet" },
      ),
    );
    const before = readBytes(settings);

    const run = await runClaudePrompt({ home });

    expect(run.code, describeRun(run)).toBe(0);
    expect(run.stdout).toContain(REPLY_TEXT);
    expectOneModelRequest(node, "/v1/messages", { authorization: `Bearer ${FAKE.boundClaude}` });
    expect(readBytes(settings).equals(before), "claude rewrote settings.json").toBe(true);
  });

  it("without the nonessential-traffic switch it first probes HEAD /api/hello, with no credential", async () => {
    const home = tempHome("claude-probe");
    writeFileDeep(
      join(home, ".claude", "settings.json"),
      claudeSettings({ ANTHROPIC_AUTH_TOKEN: FAKE.boundClaude, ANTHROPIC_BASE_URL: node.url }),
    );

    // An empty value counts as unset for Claude Code.
    const run = await runClaudePrompt({
      home,
      env: { CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "", DISABLE_TELEMETRY: "" },
    });

    expect(run.code, describeRun(run)).toBe(0);
    const probes = node.requests.filter((r) => r.method === "HEAD");
    expect(probes.map((r) => r.url)).toEqual(["/api/hello"]);
    expect(credentialHeaders(probes[0]!)).toEqual({});
    expectOneModelRequest(node, "/v1/messages", { authorization: `Bearer ${FAKE.boundClaude}` });
  });

  it("reads $CLAUDE_CONFIG_DIR/settings.json instead of ~/.claude when set", async () => {
    const home = tempHome("claude-config-dir");
    const configDir = join(home, "elsewhere", "claude");
    writeFileDeep(
      join(home, ".claude", "settings.json"),
      claudeSettings({
        ANTHROPIC_AUTH_TOKEN: FAKE.userAnthropicKey,
        ANTHROPIC_BASE_URL: decoy.url,
      }),
    );
    writeFileDeep(
      join(configDir, "settings.json"),
      claudeSettings({ ANTHROPIC_AUTH_TOKEN: FAKE.boundClaude, ANTHROPIC_BASE_URL: node.url }),
    );

    const run = await runClaudePrompt({ home, env: { CLAUDE_CONFIG_DIR: configDir } });

    expect(run.code, describeRun(run)).toBe(0);
    expectOneModelRequest(node, "/v1/messages", { authorization: `Bearer ${FAKE.boundClaude}` });
  });

  it("prefers the settings file's token over ANTHROPIC_AUTH_TOKEN exported in the shell", async () => {
    const home = tempHome("claude-shell");
    writeFileDeep(
      join(home, ".claude", "settings.json"),
      claudeSettings({ ANTHROPIC_AUTH_TOKEN: FAKE.boundClaude, ANTHROPIC_BASE_URL: node.url }),
    );

    const run = await runClaudePrompt({
      home,
      env: { ANTHROPIC_AUTH_TOKEN: FAKE.userAnthropicKey },
    });

    expect(run.code, describeRun(run)).toBe(0);
    expectOneModelRequest(node, "/v1/messages", { authorization: `Bearer ${FAKE.boundClaude}` });
  });

  it("ignores top-level ANTHROPIC_API_KEY / ANTHROPIC_BASE_URL outside env (not logged in)", async () => {
    const home = tempHome("claude-toplevel");
    writeFileDeep(
      join(home, ".claude", "settings.json"),
      `${JSON.stringify({ ANTHROPIC_API_KEY: FAKE.boundClaude, ANTHROPIC_BASE_URL: node.url })}\n`,
    );

    const run = await runClaudePrompt({ home, timeoutMs: 30_000 });

    expect(run.code, describeRun(run)).not.toBe(0);
    expect(`${run.stdout}${run.stderr}`).toMatch(/not logged in/i);
    expect(node.requests).toEqual([]);
  });

  it("from $HOME itself, ~/.claude/settings.json also counts as project settings and wins over $CLAUDE_CONFIG_DIR", async () => {
    const home = tempHome("claude-cwd-home");
    const configDir = join(home, "elsewhere", "claude");
    writeFileDeep(
      join(home, ".claude", "settings.json"),
      claudeSettings({ ANTHROPIC_BASE_URL: decoy.url }),
    );
    writeFileDeep(
      join(configDir, "settings.json"),
      claudeSettings({ ANTHROPIC_AUTH_TOKEN: FAKE.boundClaude, ANTHROPIC_BASE_URL: node.url }),
    );

    const run = await runClaudePrompt({ home, cwd: home, env: { CLAUDE_CONFIG_DIR: configDir } });

    expect(run.code, describeRun(run)).toBe(0);
    // Merged key by key: the token from $CLAUDE_CONFIG_DIR, the URL from the "project" file.
    expect(node.requests).toEqual([]);
    expect(decoy.modelRequests()).toHaveLength(1);
    expect(credentialHeaders(decoy.modelRequests()[0]!)).toEqual({
      authorization: `Bearer ${FAKE.boundClaude}`,
    });
  });

  it("HAZARD: a project's .claude/settings.local.json env overrides the user settings", async () => {
    const home = tempHome("claude-project");
    const project = join(home, "work", "some-repo");
    writeFileDeep(
      join(home, ".claude", "settings.json"),
      claudeSettings({ ANTHROPIC_AUTH_TOKEN: FAKE.boundClaude, ANTHROPIC_BASE_URL: node.url }),
    );
    writeFileDeep(
      join(project, ".claude", "settings.local.json"),
      claudeSettings({ ANTHROPIC_BASE_URL: decoy.url }),
    );

    const run = await runClaudePrompt({ home, cwd: project });

    expect(run.code, describeRun(run)).toBe(0);
    // The user-level token goes wherever the project file points: outside neuradock's reach.
    expect(node.requests).toEqual([]);
    expect(decoy.modelRequests()).toHaveLength(1);
    expect(credentialHeaders(decoy.modelRequests()[0]!)).toEqual({
      authorization: `Bearer ${FAKE.boundClaude}`,
    });
  });

  it("LEAK HAZARD: with an extra env.ANTHROPIC_API_KEY it sends both credentials", async () => {
    const home = tempHome("claude-leak");
    writeFileDeep(
      join(home, ".claude", "settings.json"),
      claudeSettings({
        ANTHROPIC_API_KEY: FAKE.userAnthropicKey,
        ANTHROPIC_AUTH_TOKEN: FAKE.boundClaude,
        ANTHROPIC_BASE_URL: node.url,
      }),
    );

    const run = await runClaudePrompt({ home });

    expect(run.code, describeRun(run)).toBe(0);
    // Documents why neuradock must take env.ANTHROPIC_API_KEY over while bound.
    expectOneModelRequest(node, "/v1/messages", {
      authorization: `Bearer ${FAKE.boundClaude}`,
      "x-api-key": FAKE.userAnthropicKey,
    });
  });

  it("LEAK HAZARD: with an apiKeyHelper it sends the helper's key as well", async () => {
    const home = tempHome("claude-helper");
    writeFileDeep(
      join(home, ".claude", "settings.json"),
      claudeSettings(
        { ANTHROPIC_AUTH_TOKEN: FAKE.boundClaude, ANTHROPIC_BASE_URL: node.url },
        { apiKeyHelper: `echo ${FAKE.helperKey}` },
      ),
    );

    const run = await runClaudePrompt({ home });

    expect(run.code, describeRun(run)).toBe(0);
    expectOneModelRequest(node, "/v1/messages", {
      authorization: `Bearer ${FAKE.boundClaude}`,
      "x-api-key": FAKE.helperKey,
    });
  });
});

describe("codex: auth.json OPENAI_API_KEY + config.toml model_provider", () => {
  it("sends exactly the key as a Bearer to <base_url>/responses (default ~/.codex)", async () => {
    const home = tempHome("codex-default");
    const auth = join(home, ".codex", "auth.json");
    const config = join(home, ".codex", "config.toml");
    writeFileDeep(auth, `${JSON.stringify({ OPENAI_API_KEY: FAKE.boundCodex }, null, 2)}\n`, 0o600);
    writeFileDeep(config, codexConfig(node.url));
    const [authBefore, configBefore] = [readBytes(auth), readBytes(config)];

    const run = await runCodexExec({ home });

    expect(run.code, describeRun(run)).toBe(0);
    expect(run.stdout).toContain(REPLY_TEXT);
    expectOneModelRequest(node, "/v1/responses", { authorization: `Bearer ${FAKE.boundCodex}` });
    expect(readBytes(auth).equals(authBefore), "codex rewrote auth.json").toBe(true);
    expect(readBytes(config).equals(configBefore), "codex rewrote config.toml").toBe(true);
  });

  it("reads $CODEX_HOME instead of ~/.codex when set", async () => {
    const home = tempHome("codex-home");
    const codexHome = join(home, "elsewhere", "codex");
    writeFileDeep(
      join(home, ".codex", "auth.json"),
      JSON.stringify({ OPENAI_API_KEY: FAKE.userOpenAiKey }),
    );
    writeFileDeep(join(home, ".codex", "config.toml"), codexConfig(decoy.url));
    writeFileDeep(
      join(codexHome, "auth.json"),
      JSON.stringify({ OPENAI_API_KEY: FAKE.boundCodex }),
    );
    writeFileDeep(join(codexHome, "config.toml"), codexConfig(node.url));

    const run = await runCodexExec({ home, env: { CODEX_HOME: codexHome } });

    expect(run.code, describeRun(run)).toBe(0);
    expectOneModelRequest(node, "/v1/responses", { authorization: `Bearer ${FAKE.boundCodex}` });
  });

  it("LEAK HAZARD: with auth_mode chatgpt it sends the ChatGPT access token, not the key", async () => {
    const home = tempHome("codex-chatgpt");
    const tokens = chatgptTokens();
    writeFileDeep(
      join(home, ".codex", "auth.json"),
      JSON.stringify({
        auth_mode: "chatgpt",
        OPENAI_API_KEY: FAKE.boundCodex,
        tokens,
        last_refresh: new Date().toISOString(),
      }),
      0o600,
    );
    writeFileDeep(join(home, ".codex", "config.toml"), codexConfig(node.url));

    const run = await runCodexExec({ home });

    expect(run.code, describeRun(run)).toBe(0);
    const calls = node.modelRequests();
    expect(calls).toHaveLength(1);
    // Documents why neuradock must own auth_mode = "apikey" while Codex is bound.
    expect(credentialHeaders(calls[0]!)).toEqual({
      authorization: `Bearer ${tokens.access_token}`,
      "chatgpt-account-id": FAKE.chatgptAccountId,
    });
    for (const req of node.requests) expect(findSecrets(req, [FAKE.boundCodex])).toEqual([]);
  });

  it("with auth_mode apikey next to a ChatGPT login it sends only the key", async () => {
    const home = tempHome("codex-apikey");
    const tokens = chatgptTokens();
    writeFileDeep(
      join(home, ".codex", "auth.json"),
      JSON.stringify({
        auth_mode: "apikey",
        OPENAI_API_KEY: FAKE.boundCodex,
        tokens,
        last_refresh: new Date().toISOString(),
      }),
      0o600,
    );
    writeFileDeep(join(home, ".codex", "config.toml"), codexConfig(node.url));

    const run = await runCodexExec({ home });

    expect(run.code, describeRun(run)).toBe(0);
    expectOneModelRequest(node, "/v1/responses", { authorization: `Bearer ${FAKE.boundCodex}` });
    const chatgptSecrets = [tokens.access_token, tokens.id_token, tokens.refresh_token];
    for (const req of node.requests) expect(findSecrets(req, chatgptSecrets)).toEqual([]);
  });
});
