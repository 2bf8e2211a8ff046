import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { detectSetups, type ReadFile } from "../../../src/init/detect.js";
import { hostLabel, placeSetups } from "../../../src/init/match.js";
import { addToConfig, renderStarter, SCHEMA_URL } from "../../../src/init/starter.js";
import { ADAPTERS } from "../../../src/targets/adapters.js";
import { locateTargets } from "../../../src/targets/locate.js";
import type { JsonObject, TargetId } from "../../../src/targets/types.js";

const T = locateTargets({ HOME: "/h" }, "linux");
const present = (id: TargetId, doc: JsonObject): ReadFile => ({
  kind: "present",
  target: T[id]!,
  text: "",
  sha256: "",
  doc,
  mode: 0o600,
});

describe("detectSetups (pure, through the adapters)", () => {
  it("merges a tool's files: Codex's URL from config.toml, its key from auth.json", () => {
    const { setups, skipped } = detectSetups(
      [
        present("claude-settings", {
          env: { ANTHROPIC_BASE_URL: "https://anyrouter.top/", ANTHROPIC_AUTH_TOKEN: "sk-a" },
        }),
        present("codex-auth", { OPENAI_API_KEY: "sk-c" }),
        present("codex-config", {
          model_provider: "mine",
          model_providers: { mine: { base_url: "https://r.example.com/v1" } },
        }),
      ],
      ADAPTERS,
    );
    expect(skipped).toEqual([]);
    expect(setups.map((s) => [s.tool, s.nodeUrl, s.key?.reveal(), s.providerId])).toEqual([
      ["claude-code", "https://anyrouter.top", "sk-a", undefined],
      ["codex", "https://r.example.com", "sk-c", "mine"],
    ]);
  });

  it("skips a tool with an unreadable file (saying why) and ignores tools not set up", () => {
    const { setups, skipped } = detectSetups(
      [
        { kind: "unreadable", target: T["claude-settings"]!, reason: "x:1:1: comments" },
        present("codex-auth", { OPENAI_API_KEY: "sk-c" }),
        // Codex on a built-in provider (no table of ours) or a base_url that is no web URL.
        present("codex-config", { model_provider: "openai" }),
      ],
      ADAPTERS,
    );
    expect(setups).toEqual([]);
    expect(skipped).toEqual([
      { tool: "claude-code", file: T["claude-settings"]!.path, reason: "x:1:1: comments" },
    ]);
    const odd = detectSetups(
      [present("claude-settings", { env: { ANTHROPIC_BASE_URL: "file:///etc/passwd" } })],
      ADAPTERS,
    );
    expect(odd.setups).toEqual([]);
  });
});

describe("placeSetups (pure)", () => {
  it("a built-in node URL picks the provider and node; variables are the README's", () => {
    const { adoptions, newAccounts } = placeSetups(
      [{ tool: "claude-code", nodeUrl: "https://a-ocnfniawgw.cn-shanghai.fcapp.run" }],
      { ANYROUTER_USER_ID: "12345", ANYROUTER_SESSION: "s" },
    );
    expect(adoptions[0]).toMatchObject({ provider: "anyrouter", node: "cn-shanghai" });
    expect(newAccounts).toEqual([
      {
        id: "my-anyrouter",
        provider: "anyrouter",
        credential: "session",
        userId: 12345,
        vars: {
          userId: "ANYROUTER_USER_ID",
          session: "ANYROUTER_SESSION",
          accessToken: "ANYROUTER_ACCESS_TOKEN",
        },
      },
    ]);
  });

  it("any other relay is newapi: one account per URL, Codex's provider id wins, ids stay legal", () => {
    const { adoptions, newAccounts } = placeSetups(
      [
        { tool: "claude-code", nodeUrl: "https://relay.example.com" },
        { tool: "codex", nodeUrl: "https://relay.example.com", providerId: "openai" },
      ],
      { NEWAPI_SESSION: "s" },
    );
    // "openai" is a Codex built-in id: not usable as an account id.
    expect(newAccounts.map((a) => [a.id, a.url, a.credential, a.vars.userId])).toEqual([
      ["my-openai", "https://relay.example.com", "session", "NEWAPI_USER_ID"],
    ]);
    expect(adoptions.map((a) => a.accountId)).toEqual(["my-openai", "my-openai"]);
    const two = placeSetups(
      [
        { tool: "claude-code", nodeUrl: "https://api.one.dev" },
        { tool: "codex", nodeUrl: "http://127.0.0.1:8080" },
      ],
      {},
    );
    expect(two.newAccounts.map((a) => [a.id, a.vars.accessToken])).toEqual([
      ["one", "NEWAPI_ACCESS_TOKEN"],
      ["local", "LOCAL_ACCESS_TOKEN"],
    ]);
    expect(hostLabel("https://relay.example.com")).toBe("relay");
  });
});

describe("the starter (a YAML document, never pasted text)", () => {
  const account = {
    id: "relay",
    provider: "newapi" as const,
    url: "https://relay.example.com",
    credential: "access_token" as const,
    vars: {
      userId: "NEWAPI_USER_ID",
      session: "NEWAPI_SESSION",
      accessToken: "NEWAPI_ACCESS_TOKEN",
    },
  };
  const hostile = [
    "evil\nversion: 2\nbindings: {}",
    "a: b # c",
    "'quoted'",
    "${HOME}",
    "",
    "sk-abcdefghijklmnop\u202e",
  ];

  it("a token name, however hostile, is one value: no key is added, the name survives", () => {
    for (const name of hostile) {
      const text = renderStarter({
        schema: SCHEMA_URL,
        accounts: [account],
        bindings: [
          {
            tool: "claude-code",
            account: "relay",
            token: { id: 7, name, unique: true },
            node: "default",
          },
        ],
        pending: [],
      });
      const data = parse(text);
      expect(Object.keys(data)).toEqual(["version", "accounts", "bindings"]);
      expect(data.version).toBe(1);
      const token = data.bindings["claude-code"].token;
      // Plain names are kept; a name with control characters (or empty) binds by id instead.
      // `${` is written `$${` (else it would read a variable), and loads back as the name.
      if (/^[\x20-\x7e]+$/.test(name) && !name.includes("sk-")) {
        expect(token).toBe(name.replaceAll("${", "$${"));
      } else expect(token).toEqual({ id: 7 });
      expect(text).not.toContain("sk-abcdefghijklmnop");
      expect(text.split("\n")[0]).toBe(`# yaml-language-server: $schema=${SCHEMA_URL}`);
    }
  });

  it("adds to an existing file only where it round-trips, else hands back the snippet", () => {
    const mine =
      "# mine\nversion: 1 # keep\n\naccounts:\n  old:\n    provider: anyrouter\n    user_id: 1\n    session: ${S}\n";
    const added = addToConfig(
      mine,
      [account],
      [
        {
          tool: "codex",
          account: "relay",
          token: { id: 3, name: "dup", unique: false },
          node: "default",
        },
      ],
    );
    expect(added.kind).toBe("updated");
    if (added.kind !== "updated") return;
    expect(added.text.startsWith(mine)).toBe(true);
    expect(parse(added.text).bindings).toEqual({ codex: { account: "relay", token: { id: 3 } } });
    const odd = addToConfig("version:   1\n", [account], []);
    expect(odd.kind).toBe("manual");
    if (odd.kind === "manual") expect(parse(odd.snippet).accounts.relay.provider).toBe("newapi");
  });
});

describe("the schema's public address", () => {
  it("is the schema's $id, the SchemaStore catalog entry's url, and what init writes", async () => {
    const { readFile } = await import("node:fs/promises");
    const schema = JSON.parse(await readFile("schema/neuradock.schema.json", "utf8"));
    const entry = JSON.parse(await readFile("schema/schemastore-catalog.json", "utf8"));
    expect(schema.$id).toBe(SCHEMA_URL);
    expect(entry.url).toBe(SCHEMA_URL);
    expect(entry.fileMatch).toContain("neuradock.yaml");
    expect(SCHEMA_URL).toMatch(/^https:\/\//);
  });
});

describe("detectSetups refuses to copy credentials out of a URL", () => {
  it("a relay URL with a user name or password is skipped, saying why", () => {
    const { setups, skipped } = detectSetups(
      [
        present("codex-auth", { OPENAI_API_KEY: "sk-c" }),
        present("codex-config", {
          model_provider: "r",
          model_providers: { r: { base_url: "https://me:pw@r.example.com/v1" } },
        }),
      ],
      ADAPTERS,
    );
    expect(setups).toEqual([]);
    expect(skipped).toEqual([
      {
        tool: "codex",
        file: T["codex-config"]!.path,
        reason: `${T["codex-config"]!.path}: the relay URL carries a user name or password`,
      },
    ]);
  });
});
