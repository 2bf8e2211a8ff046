// Self-healing bindings (relay.md §3) seen from the real `claude`: when the first token of a
// failover list runs below its minimum, `plan --detailed-exitcode` says so (exit 2), `apply -y`
// binds the next one and Claude Code sends that key; when the first recovers, it is back.
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type FakeGateway,
  type FakeUser,
  startFakeGateway,
} from "../support/fake-gateway/index.js";
import { credentialHeaders, makeTempHome, writeFileDeep } from "./fixtures.js";
import { type LlmServer, pathOf, REPLY_TEXT, startLlmServer } from "./llm-server.js";
import { runNeuradock } from "./neuradock.js";
import { describeRun, runClaudePrompt } from "./run-client.js";

const KEYS = {
  first: "CompatFailoverFirstKeyAAAAAAAAAAAAAAAAAAAAAAAAAA61",
  second: "CompatFailoverSecondKeyBBBBBBBBBBBBBBBBBBBBBBBBB62",
} as const;
const ACCESS_TOKEN = "compat-failover-access-token-0006";
const USD = 500_000;

const USER: FakeUser = {
  id: 6006,
  username: "failover",
  accessToken: ACCESS_TOKEN,
  quota: 100 * USD,
  tokens: [
    { id: 61, name: "first", key: KEYS.first, remain_quota: 10 * USD },
    { id: 62, name: "second", key: KEYS.second, unlimited_quota: true },
  ],
};

let gateway: FakeGateway;
let node: LlmServer;
const cleanups: Array<() => void> = [];

beforeAll(async () => {
  gateway = await startFakeGateway({ users: [USER], maskKeys: true });
  node = await startLlmServer();
});
afterAll(async () => {
  await Promise.all([gateway.close(), node.close()]);
});
afterEach(() => {
  node.clear();
  for (const c of cleanups.splice(0)) c();
});

describe("a failover list, end to end with the real claude", () => {
  it("moves Claude Code to the second token and back", async () => {
    const { home, cleanup } = makeTempHome("failover");
    cleanups.push(cleanup);
    const world = {
      home,
      env: { NEURADOCK_STATE_DIR: join(home, "state"), COMPAT_ACCESS_TOKEN: ACCESS_TOKEN },
    };
    const config = join(home, "neuradock.yaml");
    writeFileDeep(
      config,
      [
        "version: 1",
        "accounts:",
        "  work:",
        "    provider: newapi",
        `    url: ${gateway.url}`,
        "    user_id: 6006",
        "    access_token: ${COMPAT_ACCESS_TOKEN}",
        "nodes:",
        "  newapi:",
        `    loopback: ${node.url}`,
        "bindings:",
        "  claude-code:",
        "    account: work",
        "    token: [first, second]",
        "    min_balance_usd: 1",
        "    node: loopback",
        "",
      ].join("\n"),
    );
    const neuradock = async (...args: string[]) => {
      const run = await runNeuradock([...args, "-c", config], world);
      expect(`${run.stdout}${run.stderr}`).not.toContain(KEYS.first);
      expect(`${run.stdout}${run.stderr}`).not.toContain(KEYS.second);
      return run;
    };
    const claudeSends = async (): Promise<string> => {
      node.clear();
      const claude = await runClaudePrompt(world);
      expect(claude.code, describeRun(claude)).toBe(0);
      expect(claude.stdout).toContain(REPLY_TEXT);
      const sent = node.requests.filter((r) => pathOf(r.url) === "/v1/messages");
      expect(sent).toHaveLength(1);
      return credentialHeaders(sent[0]!).authorization ?? "";
    };

    expect((await neuradock("apply", "-y")).code).toBe(0);
    expect(await claudeSends()).toBe(`Bearer sk-${KEYS.first}`);

    USER.tokens[0]!.remain_quota = 0.5 * USD;
    const plan = await neuradock("plan", "--detailed-exitcode");
    expect(plan.code, describeRun(plan)).toBe(2);
    expect(plan.stdout).toContain("failover (claude-code): token 'first' (id 61)");
    expect((await neuradock("apply", "-y")).code).toBe(0);
    expect(await claudeSends()).toBe(`Bearer sk-${KEYS.second}`);

    USER.tokens[0]!.remain_quota = 5 * USD;
    expect((await neuradock("plan", "--detailed-exitcode")).code).toBe(2);
    expect((await neuradock("apply", "-y")).code).toBe(0);
    expect(await claudeSends()).toBe(`Bearer sk-${KEYS.first}`);
  });
});
