// relay.md §4 end to end: from an empty relay account, `neuradock apply -y` (built CLI, fake
// gateway) creates the declared token, and the real `claude` works with its key.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type FakeGateway,
  type FakeUser,
  startFakeGateway,
} from "../support/fake-gateway/index.js";
import { credentialHeaders, makeTempHome, writeFileDeep } from "./fixtures.js";
import { type LlmServer, pathOf, REPLY_TEXT, startLlmServer } from "./llm-server.js";
import { runNeuradock } from "./neuradock.js";
import { describeRun, runClaudePrompt } from "./run-client.js";

const SESSION = "compat-relay-tokens-session-0001";
let gateway: FakeGateway;
let node: LlmServer;
let user: FakeUser;
const cleanups: Array<() => void> = [];

beforeAll(async () => {
  user = { id: 4004, session: SESSION, tokens: [] };
  gateway = await startFakeGateway({ users: [user], maskKeys: true });
  node = await startLlmServer();
});
afterAll(async () => {
  await Promise.all([gateway.close(), node.close()]);
  for (const c of cleanups.splice(0)) c();
});

describe("declared relay tokens with the real claude", () => {
  it("apply -y creates the token from an empty account; claude sends exactly its key; a second apply changes nothing", async () => {
    const { home, cleanup } = makeTempHome("relay-tokens");
    cleanups.push(cleanup);
    const config = join(home, "neuradock.yaml");
    const env = { NEURADOCK_STATE_DIR: join(home, "state"), COMPAT_SESSION: SESSION };
    writeFileDeep(
      config,
      [
        "version: 1",
        "accounts:",
        "  ci:",
        "    provider: newapi",
        `    url: ${gateway.url}`,
        "    user_id: 4004",
        "    session: ${COMPAT_SESSION}",
        "    tokens:",
        "      ci-claude:",
        "        quota_usd: 5",
        "nodes:",
        "  newapi:",
        `    loopback: ${node.url}`,
        "bindings:",
        "  claude-code: { account: ci, token: ci-claude, node: loopback }",
        "",
      ].join("\n"),
    );
    const applied = await runNeuradock(["apply", "-y", "-c", config], { home, env });
    expect(applied.code, describeRun(applied)).toBe(0);
    expect(user.tokens.map((t) => t.name)).toEqual(["ci-claude"]);
    const key = user.tokens[0]!.key;
    expect(`${applied.stdout}${applied.stderr}`).not.toContain(key);
    const settings = JSON.parse(readFileSync(join(home, ".claude", "settings.json"), "utf8"));
    expect(settings.env.ANTHROPIC_AUTH_TOKEN).toBe(`sk-${key}`);

    const claude = await runClaudePrompt({ home });
    expect(claude.code, describeRun(claude)).toBe(0);
    expect(claude.stdout).toContain(REPLY_TEXT);
    const model = node.requests.filter((r) => pathOf(r.url) === "/v1/messages");
    expect(model).toHaveLength(1);
    expect(credentialHeaders(model[0]!)).toEqual({ authorization: `Bearer sk-${key}` });

    gateway.resetLog();
    const again = await runNeuradock(["apply", "-y", "-c", config], { home, env });
    expect(again.code, describeRun(again)).toBe(0);
    expect(again.stdout).toContain("No changes");
    const changing = gateway.state.log.filter((e) => e.method !== "GET" && !/\/key$/.test(e.path));
    expect(changing).toEqual([]);
    expect(user.tokens).toHaveLength(1);
  });
});
