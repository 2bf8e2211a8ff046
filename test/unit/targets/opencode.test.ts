import { describe, expect, it } from "vitest";
import { locateTargets } from "../../../src/targets/locate.js";
import { opencodeProviderId } from "../../../src/targets/opencode.js";
import { createMemorySystem } from "../../support/memory-system.js";
import {
  HOME,
  KEY_A,
  makeAccount,
  makeBinding,
  makeConfig,
  makeToken,
  planOnly,
  runCycle,
} from "../plan/support.js";

const FILE = `${HOME}/.config/opencode/opencode.json`;
const relay = makeAccount("personal", "newapi");
const bound = makeConfig(
  {
    opencode: makeBinding("opencode", {
      nodeUrl: "https://relay.example.com",
      model: "claude-sonnet-4-5",
    }),
  },
  [relay],
);
const unbound = makeConfig({}, [relay]);
const tokens = { opencode: makeToken(KEY_A) };

const USER = `{
  "$schema": "https://opencode.ai/config.json",
  // my own provider, which I keep
  "provider": {
    "mine": {
      "npm": "@ai-sdk/openai-compatible",
      "options": { "baseURL": "https://mine.example/v1" },
      "models": { "m1": {} },
    },
  },
  "model": "mine/m1",
  "theme": "opencode",
}
`;

describe("opencode adapter", () => {
  it("is found under $XDG_CONFIG_HOME/opencode, else ~/.config/opencode", () => {
    expect(locateTargets({ HOME }, "linux")["opencode-config"]?.path).toBe(FILE);
    expect(locateTargets({ HOME, XDG_CONFIG_HOME: "/x" }, "linux")["opencode-config"]?.path).toBe(
      "/x/opencode/opencode.json",
    );
  });

  it("never uses a built-in provider id for its block", () => {
    expect(opencodeProviderId({ id: "personal", provider: "anyrouter" })).toBe("anyrouter");
    expect(opencodeProviderId({ id: "relay", provider: "newapi" })).toBe("relay");
    expect(opencodeProviderId({ id: "anthropic", provider: "newapi" })).toBe("neuradock-anthropic");
  });

  it("adds its provider block and model over a commented config, converges, and gives the bytes back", async () => {
    const system = createMemorySystem({ [FILE]: USER });
    const first = await runCycle(system, bound, tokens);
    const text = (await system.readFile(FILE)) as string;
    expect(text).toContain("// my own provider, which I keep");
    expect(text).toContain('"model": "personal/claude-sonnet-4-5"');
    const paths = first.plan.files.flatMap((f) => f.changes.map((c) => c.path.join(".")));
    expect(paths.sort()).toEqual(
      [
        "model",
        "provider.personal.models.claude-sonnet-4-5",
        "provider.personal.npm",
        "provider.personal.options.apiKey",
        "provider.personal.options.baseURL",
      ].sort(),
    );
    const again = await planOnly(system, bound, tokens, first.ledger);
    expect(again.files.flatMap((f) => f.changes)).toEqual([]);
    await runCycle(system, unbound, {}, first.ledger);
    expect(await system.readFile(FILE)).toBe(USER);
  });

  it("a fresh home: creates opencode.json and deletes it on removal", async () => {
    const system = createMemorySystem({});
    const first = await runCycle(system, bound, tokens);
    expect(JSON.parse((await system.readFile(FILE)) as string)).toEqual({
      provider: {
        personal: {
          npm: "@ai-sdk/anthropic",
          options: { baseURL: "https://relay.example.com/v1", apiKey: KEY_A },
          models: { "claude-sonnet-4-5": {} },
        },
      },
      model: "personal/claude-sonnet-4-5",
    });
    await runCycle(system, unbound, {}, first.ledger);
    expect(await system.readFile(FILE)).toBeNull();
  });
});
