import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/index.js";
import { Secret } from "../../../src/secret.js";
import { SECRET_ENV } from "./broken-configs.js";

const VALID = resolve("test/fixtures/config/valid");
const env = { ...SECRET_ENV, TEST_USER_ID: "678", TEST_EMPTY: "" };

describe("loadConfig on valid configs", () => {
  it("normalizes a full config: interpolation, defaults, URLs, positions", async () => {
    const config = await loadConfig({ configPath: "full.yaml", cwd: VALID, env });
    expect(config.file).toBe(resolve(VALID, "full.yaml"));

    const { personal, work, relay } = config.accounts;
    expect(personal).toMatchObject({
      id: "personal",
      provider: "anyrouter",
      url: "https://anyrouter.top",
      userId: 12345,
      pos: { file: "full.yaml", line: 4, col: 3 },
    });
    expect(personal?.auth.kind).toBe("session");
    expect(personal?.auth.value.reveal()).toBe(SECRET_ENV.TEST_SESSION);
    expect(personal?.cookies.acw_tc?.reveal()).toBe("waf-default");
    expect(work).toMatchObject({ url: "https://agentrouter.example.com", userId: 678 });
    expect(work?.auth.kind).toBe("access_token");
    expect(work?.cookies.acw_tc?.reveal()).toBe("waf-default");
    expect(relay?.url).toBe("http://127.0.0.1:8080");

    expect(config.nodes).toEqual([
      { provider: "anyrouter", name: "local", url: "http://localhost:9999", builtin: false },
      { provider: "anyrouter", name: "v6", url: "http://[::1]:9998", builtin: false },
      { provider: "newapi", name: "edge", url: "https://edge.example.com/base", builtin: false },
    ]);

    expect(config.bindings["claude-code"]).toEqual({
      tool: "claude-code",
      account: "personal",
      tokens: [{ name: "claude" }],
      failover: false,
      node: "local",
      nodeUrl: "http://localhost:9999",
      model: "claude-sonnet-4-5",
      // A value from a ${VAR} (its default included) is a Secret: it stays redacted.
      env: { LITERAL: "${NOT_A_VAR}", EMPTY_DEFAULT: expect.any(Secret) },
      // Everything that came from a variable, for the plan to mark what is built from it.
      fromEnv: [expect.any(Secret)],
      keepOtherCredentials: true,
      pos: { file: "full.yaml", line: 28, col: 3 },
    });
    expect((config.bindings["claude-code"]!.env.EMPTY_DEFAULT as Secret).reveal()).toBe("fallback");
    expect(config.bindings.codex).toMatchObject({
      account: "relay",
      tokens: [{ id: 7 }, { name: "codex-backup" }],
      failover: true,
      minBalanceUsd: 0.5,
      node: "edge",
      nodeUrl: "https://edge.example.com/base",
      env: {},
      keepOtherCredentials: false,
    });
  });

  it("keeps secrets redacted when the config is printed", async () => {
    const config = await loadConfig({ configPath: "full.yaml", cwd: VALID, env });
    const printed = JSON.stringify(config);
    expect(printed).not.toContain(SECRET_ENV.TEST_SESSION);
    expect(printed).not.toContain(SECRET_ENV.TEST_TOKEN);
  });

  it("resolves the default node of a newapi account to the account's url", async () => {
    const config = await loadConfig({ configPath: "full.yaml", cwd: VALID, env });
    const { nodeUrlFor } = await import("../../../src/config/index.js");
    expect(nodeUrlFor(config.accounts.relay!, "default", config)).toBe("http://127.0.0.1:8080");
    expect(nodeUrlFor(config.accounts.relay!, "local", config)).toBeUndefined();
  });

  it.each(["minimal.yaml", "empty-sections.yaml"])(
    "%s has no accounts and no bindings",
    async (f) => {
      const config = await loadConfig({ configPath: f, cwd: VALID, env: {} });
      expect(config.accounts).toEqual({});
      expect(config.nodes).toEqual([]);
      expect(config.bindings).toEqual({});
    },
  );

  it("loads neuradock.example.yaml once its variables are set", async () => {
    const config = await loadConfig({
      configPath: "neuradock.example.yaml",
      cwd: resolve("."),
      env: { ANYROUTER_SESSION: "a", AGENTROUTER_ACCESS_TOKEN: "b", RELAY_TOKEN: "c" },
    });
    expect(Object.keys(config.accounts)).toEqual(["personal", "work", "selfhosted"]);
    expect(config.bindings["claude-code"]?.nodeUrl).toBe("https://api.example.com");
    expect(config.bindings.codex?.nodeUrl).toBe("https://agentrouter.org");
  });
});

describe("declared relay tokens", () => {
  it("normalizes tokens: USD, dates (end of day UTC), RFC 3339, never, omitted fields", async () => {
    const config = await loadConfig({ configPath: "tokens.yaml", cwd: VALID, env });
    const tokens = config.accounts.personal?.tokens ?? {};
    expect(tokens["ci-claude"]).toEqual({
      account: "personal",
      name: "ci-claude",
      quotaUsd: 20.5,
      expiresAt: Date.UTC(2099, 5, 30, 23, 59, 59) / 1000,
      models: ["claude-sonnet-4-5"],
      group: "default",
      pos: { file: "tokens.yaml", line: 8, col: 7 },
    });
    expect(tokens["ci-codex"]).toMatchObject({
      quotaUsd: "unlimited",
      expiresAt: Date.UTC(2099, 5, 30, 10, 0, 0) / 1000,
    });
    // Omitted fields are not managed: absent, not defaulted.
    expect(Object.keys(tokens.bare ?? {}).sort()).toEqual(["account", "name", "pos"]);
    expect(tokens["no-limits"]).toMatchObject({ expiresAt: -1, models: [] });
    expect(config.accounts.personal?.tokens).not.toHaveProperty("work");
  });
});
