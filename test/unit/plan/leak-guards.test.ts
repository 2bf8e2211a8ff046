import { describe, expect, it } from "vitest";
import { createMemorySystem } from "../../support/memory-system.js";
import {
  AUTH,
  CODEX_TOML,
  KEY_A,
  makeBinding,
  makeConfig,
  makeToken,
  planOnly,
  runCycle,
  SETTINGS,
} from "./support.js";

const USER_KEY = "sk-ant-api03-usersOwnKeyZZZZ9999";
const settings = `{
  "apiKeyHelper": "~/bin/print-key.sh",
  "env": {
    "FIRST": "1",
    "ANTHROPIC_API_KEY": "${USER_KEY}",
    "LAST": "2"
  },
  "model": "opus"
}
`;
const claude = (extra = {}) => makeConfig({ "claude-code": makeBinding("claude-code", extra) });
const token = { "claude-code": makeToken(KEY_A) };

describe("Claude Code leak guards", () => {
  it("takes over env.ANTHROPIC_API_KEY and apiKeyHelper while bound, with warnings", async () => {
    const system = createMemorySystem({ [SETTINGS]: settings });
    const plan = await planOnly(system, claude(), token);
    const changes = plan.files[0]!.changes;
    const deletes = changes.filter((c) => c.action === "delete");
    expect(deletes.map((c) => [c.path.join("."), c.reason, c.sensitive])).toEqual([
      ["env.ANTHROPIC_API_KEY", "takeover", true],
      ["apiKeyHelper", "takeover", true],
    ]);
    const guards = plan.warnings.filter((w) => w.code === "leak-guard");
    expect(guards).toHaveLength(2);
    expect(guards[0]!.message).toContain("x-api-key");
    expect(guards[0]!.message).toContain("https://anyrouter.top");
    // The warning explains, it never quotes the credential.
    expect(JSON.stringify(plan.warnings)).not.toContain(USER_KEY);
  });

  it("puts both back where they were when the binding goes", async () => {
    const system = createMemorySystem({ [SETTINGS]: settings });
    const bound = await runCycle(system, claude(), token);
    const doc = JSON.parse((await system.readFile(SETTINGS)) as string);
    expect(doc).not.toHaveProperty("apiKeyHelper");
    expect(doc.env).not.toHaveProperty("ANTHROPIC_API_KEY");
    const released = await runCycle(system, makeConfig({}), {}, bound.ledger);
    expect(released.plan.files[0]!.changes.filter((c) => c.reason === "restore")).toHaveLength(2);
    expect(await system.readFile(SETTINGS)).toBe(settings);
  });

  it("opting out later warns in the very plan that puts the credentials back", async () => {
    const system = createMemorySystem({ [SETTINGS]: settings });
    const bound = await runCycle(system, claude(), token);
    const plan = await planOnly(
      system,
      claude({ keepOtherCredentials: true }),
      token,
      bound.ledger,
    );
    const restores = plan.files[0]!.changes.filter((c) => c.reason === "restore");
    expect(restores.map((c) => c.path.join("."))).toEqual(
      expect.arrayContaining(["env.ANTHROPIC_API_KEY", "apiKeyHelper"]),
    );
    const kept = plan.warnings.filter((w) => w.code === "other-credentials-kept");
    expect(kept).toHaveLength(2);
    expect(kept[0]!.message).toContain("WILL send");
  });

  it("a credential added back by hand while bound is taken over again and reported", async () => {
    const system = createMemorySystem({ [SETTINGS]: settings });
    const bound = await runCycle(system, claude(), token);
    const text = (await system.readFile(SETTINGS)) as string;
    await system.writeFileAtomic(
      SETTINGS,
      text.replace(
        '"LAST": "2"',
        '"LAST": "2",\n    "ANTHROPIC_API_KEY": "sk-new-one-0000000000000"',
      ),
    );
    const edited = (await system.readFile(SETTINGS)) as string;
    const again = await runCycle(system, claude(), token, bound.ledger);
    const change = again.plan.files[0]!.changes.find(
      (c) => c.path.join(".") === "env.ANTHROPIC_API_KEY",
    );
    expect(change).toMatchObject({ action: "delete", reason: "takeover", sensitive: true });
    const codes = again.plan.warnings.map((w) => w.code);
    expect(codes).toEqual(expect.arrayContaining(["credential-added", "leak-guard"]));
    expect(codes).not.toContain("drift");
    const named = again.plan.warnings.find((w) => w.code === "credential-added")!;
    expect(named.message).toContain("env.ANTHROPIC_API_KEY was set by hand");
    expect(JSON.stringify(again.plan.warnings)).not.toContain("sk-new-one");
    expect(JSON.parse((await system.readFile(SETTINGS)) as string).env).not.toHaveProperty(
      "ANTHROPIC_API_KEY",
    );
    // The removal gives back the hand-added key (not the one taken over first), where it was.
    const released = await runCycle(system, makeConfig({}), {}, again.ledger);
    expect(released.plan.files[0]!.changes.map((c) => c.reason)).toContain("restore");
    expect(edited).toContain('"ANTHROPIC_API_KEY": "sk-new-one-0000000000000"');
    expect(await system.readFile(SETTINGS)).toBe(
      settings
        .replace(`    "ANTHROPIC_API_KEY": "${USER_KEY}",\n`, "")
        .replace(
          '"LAST": "2"',
          '"LAST": "2",\n    "ANTHROPIC_API_KEY": "sk-new-one-0000000000000"',
        ),
    );
  });

  it("keep_other_credentials: no takeover, a loud warning instead", async () => {
    const system = createMemorySystem({ [SETTINGS]: settings });
    const plan = await planOnly(system, claude({ keepOtherCredentials: true }), token);
    expect(plan.files[0]!.changes.some((c) => c.action === "delete")).toBe(false);
    const kept = plan.warnings.filter((w) => w.code === "other-credentials-kept");
    expect(kept.map((w) => w.message.includes("WILL send"))).toEqual([true, true]);
  });

  it("no warning when there is no other credential", async () => {
    const system = createMemorySystem({ [SETTINGS]: '{\n  "model": "opus"\n}\n' });
    const plan = await planOnly(system, claude(), token);
    expect(plan.warnings).toEqual([]);
    expect(plan.files[0]!.changes.map((c) => c.action)).toEqual(["create", "create"]);
  });

  it("an env: entry with the same name as a fixed key does not override it", async () => {
    const system = createMemorySystem({});
    const plan = await planOnly(
      system,
      claude({ env: { ANTHROPIC_AUTH_TOKEN: "nope", MY_SECRET: "s3cr3t-value-123456" } }),
      token,
    );
    const byPath = new Map(plan.files[0]!.changes.map((c) => [c.path.join("."), c]));
    expect(byPath.get("env.ANTHROPIC_AUTH_TOKEN")?.after).toBe(KEY_A);
    expect(byPath.get("env.MY_SECRET")?.sensitive).toBe(true);
  });
});

describe("Codex ChatGPT login guard", () => {
  const chatgpt = `{\n  "auth_mode": "chatgpt",\n  "tokens": {\n    "access_token": "eyJ.fake"\n  }\n}\n`;
  const codex = (extra = {}) => makeConfig({ codex: makeBinding("codex", extra) });
  const codexToken = { codex: makeToken(KEY_A) };

  it("owns auth_mode = apikey while bound and keeps the tokens", async () => {
    const system = createMemorySystem({ [AUTH]: chatgpt });
    const bound = await runCycle(system, codex(), codexToken);
    const doc = JSON.parse((await system.readFile(AUTH)) as string);
    expect(doc).toEqual({
      auth_mode: "apikey",
      tokens: { access_token: "eyJ.fake" },
      OPENAI_API_KEY: KEY_A,
    });
    expect(bound.plan.warnings.map((w) => w.code)).toContain("leak-guard");
    await runCycle(system, makeConfig({}), {}, bound.ledger);
    expect(await system.readFile(AUTH)).toBe(chatgpt);
  });

  it("does not add auth_mode to a plain auth.json", async () => {
    const system = createMemorySystem({ [AUTH]: '{\n  "OPENAI_API_KEY": null\n}\n' });
    const plan = await planOnly(system, codex(), codexToken);
    const auth = plan.files.find((f) => f.file === AUTH)!;
    expect(auth.changes.map((c) => c.path.join("."))).toEqual(["OPENAI_API_KEY"]);
    expect(plan.warnings).toEqual([]);
  });

  it("keep_other_credentials leaves auth_mode and warns", async () => {
    const system = createMemorySystem({ [AUTH]: chatgpt });
    const plan = await planOnly(system, codex({ keepOtherCredentials: true }), codexToken);
    const auth = plan.files.find((f) => f.file === AUTH)!;
    expect(auth.changes.map((c) => c.path.join("."))).toEqual(["OPENAI_API_KEY"]);
    expect(plan.warnings.map((w) => w.code)).toEqual(["other-credentials-kept"]);
  });

  it("an exhausted token is refused by name, before anything is planned", async () => {
    const system = createMemorySystem({});
    const err = await planOnly(system, codex(), { codex: makeToken(KEY_A, "exhausted") }).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toMatch(
      /account 'personal': token 'codex' \(id \d+\) is exhausted; .*bind another token/,
    );
    expect((err as Error).message).not.toContain(KEY_A);
  });
});

describe("Codex provider table keys that bypass auth.json", () => {
  it("warns about env_key in our provider table, and leaves it to the user", async () => {
    const toml = '[model_providers.anyrouter]\nenv_key = "MY_RELAY_KEY"\n';
    const system = createMemorySystem({ [CODEX_TOML]: toml });
    const plan = await planOnly(system, makeConfig({ codex: makeBinding("codex") }), {
      codex: makeToken(KEY_A),
    });
    const warning = plan.warnings.find((w) => w.code === "provider-auth-override");
    expect(warning?.message).toContain("model_providers.anyrouter.env_key");
    const paths = plan.files.flatMap((f) => f.changes.map((c) => c.path.join(".")));
    expect(paths).not.toContain("model_providers.anyrouter.env_key");
  });
});

describe("Codex provider display name", () => {
  it("a name the user gave the table stays theirs; a missing one is ours and goes on release", async () => {
    const toml = '[model_providers.anyrouter]\nname = "My AnyRouter"\n';
    const system = createMemorySystem({ [CODEX_TOML]: toml });
    const codex = makeConfig({ codex: makeBinding("codex") });
    const bound = await runCycle(system, codex, { codex: makeToken(KEY_A) });
    const paths = bound.plan.files.flatMap((f) => f.changes.map((c) => c.path.join(".")));
    expect(paths).not.toContain("model_providers.anyrouter.name");
    expect(await system.readFile(CODEX_TOML)).toContain('name = "My AnyRouter"');
    await runCycle(system, makeConfig({}), {}, bound.ledger);
    expect(await system.readFile(CODEX_TOML)).toBe(toml);

    const fresh = createMemorySystem({});
    const created = await runCycle(fresh, codex, { codex: makeToken(KEY_A) });
    expect(await fresh.readFile(CODEX_TOML)).toContain('name = "AnyRouter"');
    await runCycle(fresh, makeConfig({}), {}, created.ledger);
    expect(await fresh.readFile(CODEX_TOML)).toBeNull();
  });
});
