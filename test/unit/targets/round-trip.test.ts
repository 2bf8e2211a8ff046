import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseToml } from "@decimalturn/toml-patch";
import { describe, expect, it } from "vitest";
import { createMemorySystem } from "../../support/memory-system.js";
import {
  AUTH,
  CODEX_TOML,
  KEY_A,
  KEY_B,
  makeAccount,
  makeBinding,
  makeConfig,
  makeToken,
  runCycle,
  SETTINGS,
} from "../plan/support.js";

const FIXTURE = join(import.meta.dirname, "../../fixtures/homes/realistic");
const realSettings = readFileSync(join(FIXTURE, ".claude/settings.json"), "utf8");
const realToml = readFileSync(join(FIXTURE, ".codex/config.toml"), "utf8");
const realAuth = readFileSync(join(FIXTURE, ".codex/auth.json"), "utf8");

const tabs = realSettings.replace(/^( +)/gm, (m) => "\t".repeat(m.length / 2));
const crlf = realSettings.replace(/\n/g, "\r\n");
const noFinalNewline = realSettings.trimEnd();
const fourSpaces = realSettings.replace(/^( +)/gm, (m) => " ".repeat(m.length * 2));

const claudeBound = makeConfig({
  "claude-code": makeBinding("claude-code", {
    model: "claude-opus-4-1",
    env: { EXTRA_FLAG: "on" },
  }),
});
const codexBound = makeConfig({ codex: makeBinding("codex", { model: "gpt-5" }) });
const unbound = makeConfig({});

/** Remove lines present in `bound` and not in `orig`: what is left must be the original. */
function linesOutside(orig: string, bound: string): string[] {
  const have = new Set(orig.split(/\r?\n/).map((l) => l.replace(/,$/, "")));
  return bound
    .split(/\r?\n/)
    .map((l) => l.replace(/,$/, ""))
    .filter((l) => !have.has(l));
}

describe("settings.json round trip", () => {
  for (const [name, text] of Object.entries({
    realSettings,
    tabs,
    crlf,
    noFinalNewline,
    fourSpaces,
  })) {
    it(`bind then unbind gives back the original bytes (${name})`, async () => {
      const system = createMemorySystem({ [SETTINGS]: text });
      const bound = await runCycle(system, claudeBound, { "claude-code": makeToken(KEY_A) });
      const boundText = (await system.readFile(SETTINGS)) as string;
      const doc = JSON.parse(boundText);
      expect(doc.env.ANTHROPIC_AUTH_TOKEN).toBe(KEY_A);
      expect(doc.env.ANTHROPIC_BASE_URL).toBe("https://anyrouter.top");
      expect(doc.env.ANTHROPIC_MODEL).toBe("claude-opus-4-1");
      expect(doc.env.EXTRA_FLAG).toBe("on");
      expect(doc.env).not.toHaveProperty("ANTHROPIC_API_KEY");
      // Only owned lines are new; everything else is the user's, formatting included.
      const added = linesOutside(text, boundText).map((l) => l.trim());
      expect(added.sort()).toEqual(
        [
          `"ANTHROPIC_AUTH_TOKEN": "${KEY_A}"`,
          `"ANTHROPIC_BASE_URL": "https://anyrouter.top"`,
          `"ANTHROPIC_MODEL": "claude-opus-4-1"`,
          `"EXTRA_FLAG": "on"`,
        ].sort(),
      );
      if (name === "crlf") expect(boundText.replace(/\r\n/g, "")).not.toContain("\n");

      // A token rotation only touches the token.
      const rotated = await runCycle(
        system,
        claudeBound,
        { "claude-code": makeToken(KEY_B) },
        bound.ledger,
      );
      expect(rotated.plan.files[0]?.changes.map((c) => c.path.join("."))).toEqual([
        "env.ANTHROPIC_AUTH_TOKEN",
      ]);
      expect(await system.readFile(SETTINGS)).toBe(boundText.replace(KEY_A, KEY_B));

      const released = await runCycle(system, unbound, {}, rotated.ledger);
      expect(await system.readFile(SETTINGS)).toBe(text);
      expect(released.ledger.files).toEqual({});
    });
  }

  for (const [name, text] of Object.entries({
    "inline sibling before a new env":
      '{\n  "statusLine": { "type": "command", "command": "x" }\n}\n',
    "inline env object": '{\n  "model": "opus",\n  "env": { "DISABLE_TELEMETRY": "1" }\n}\n',
    "compact file": '{"env":{"DISABLE_TELEMETRY":"1"},"model":"opus"}',
  })) {
    it(`neighbours keep their layout, and unbind restores the bytes (${name})`, async () => {
      const system = createMemorySystem({ [SETTINGS]: text });
      const bound = await runCycle(system, claudeBound, { "claude-code": makeToken(KEY_A) });
      const boundText = (await system.readFile(SETTINGS)) as string;
      expect(JSON.parse(boundText).env.ANTHROPIC_AUTH_TOKEN).toBe(KEY_A);
      // Every original line is still there, unchanged, apart from the one we append to.
      const kept = text.split("\n").filter((l) => !l.includes('"env"') && l.trim() !== "}");
      for (const line of kept) expect(boundText).toContain(line);
      if (name === "inline env object") {
        expect(boundText).toMatch(/"env": \{ "DISABLE_TELEMETRY": "1", "ANTHROPIC_AUTH_TOKEN": /);
      }
      await runCycle(system, unbound, {}, bound.ledger);
      expect(await system.readFile(SETTINGS)).toBe(text);
    });
  }

  it("a prior null (and the user's non-string env values) come back exactly", async () => {
    const text =
      '{\n  "env": {\n    "MAX_THINKING_TOKENS": 8000,\n    "ANTHROPIC_AUTH_TOKEN": null,\n    "ANTHROPIC_BASE_URL": "https://old.example"\n  }\n}\n';
    const system = createMemorySystem({ [SETTINGS]: text });
    const bound = await runCycle(system, claudeBound, { "claude-code": makeToken(KEY_A) });
    const doc = JSON.parse((await system.readFile(SETTINGS)) as string);
    expect(doc.env.ANTHROPIC_AUTH_TOKEN).toBe(KEY_A);
    expect(doc.env.MAX_THINKING_TOKENS).toBe(8000);
    expect(
      bound.plan.files[0]?.changes.find((c) => c.path.join(".") === "env.ANTHROPIC_AUTH_TOKEN"),
    ).toMatchObject({ action: "update", before: null });
    await runCycle(system, unbound, {}, bound.ledger);
    expect(await system.readFile(SETTINGS)).toBe(text);
  });

  it("a settings.json neuradock created is deleted again, and so is an env it created", async () => {
    const system = createMemorySystem({ [SETTINGS]: '{\n  "model": "opus"\n}\n' });
    const a = await runCycle(system, claudeBound, { "claude-code": makeToken(KEY_A) });
    await runCycle(system, unbound, {}, a.ledger);
    expect(await system.readFile(SETTINGS)).toBe('{\n  "model": "opus"\n}\n');

    const fresh = createMemorySystem({});
    const b = await runCycle(fresh, claudeBound, { "claude-code": makeToken(KEY_A) });
    expect(b.plan.files[0]?.basis).toBeNull();
    const created = (await fresh.readFile(SETTINGS)) as string;
    expect(created.startsWith('{\n  "env": {\n    "ANTHROPIC_AUTH_TOKEN"')).toBe(true);
    expect(created.endsWith("}\n")).toBe(true);
    expect((await fresh.stat(SETTINGS))?.mode).toBe(0o600);
    const c = await runCycle(fresh, unbound, {}, b.ledger);
    expect(c.plan.files[0]?.deleteFile).toBe(true);
    expect(await fresh.readFile(SETTINGS)).toBeNull();
  });

  it("a pre-existing empty env object stays", async () => {
    const text = '{\n  "env": {}\n}\n';
    const system = createMemorySystem({ [SETTINGS]: text });
    const a = await runCycle(system, claudeBound, { "claude-code": makeToken(KEY_A) });
    const b = await runCycle(system, unbound, {}, a.ledger);
    expect(b.plan.files[0]?.deleteFile).toBe(false);
    expect(await system.readFile(SETTINGS)).toBe(text);
  });
});

describe("codex round trip", () => {
  const variants = {
    realToml,
    crlfToml: realToml.replace(/\n/g, "\r\n"),
    withPrior: `model_provider = "openai"\n${realToml}`,
    noTables: 'model = "o3"\n',
  };
  for (const [name, toml] of Object.entries(variants)) {
    it(`config.toml and auth.json: bind then unbind gives back the original bytes (${name})`, async () => {
      const system = createMemorySystem({ [CODEX_TOML]: toml, [AUTH]: realAuth });
      const bound = await runCycle(system, codexBound, { codex: makeToken(KEY_A) });
      const boundToml = (await system.readFile(CODEX_TOML)) as string;
      const doc = parseToml(boundToml);
      expect(doc.model_provider).toBe("anyrouter");
      expect(doc.model).toBe("gpt-5");
      expect(doc.model_providers.anyrouter).toEqual({
        name: "AnyRouter",
        base_url: "https://anyrouter.top/v1",
        wire_api: "responses",
        requires_openai_auth: true,
      });
      // A real table section, not an inline or dotted line (users and Codex add keys there).
      expect(boundToml).toMatch(/^\[model_providers\.anyrouter\]\r?$/m);
      expect(boundToml).not.toMatch(/^\[model_providers\]\r?$/m);
      expect(boundToml).not.toContain("model_providers.anyrouter =");
      if (name === "realToml") {
        expect(doc.model_providers.other.name).toBe("Other relay");
        expect(boundToml).toContain('model_reasoning_effort = "high"   # keep this comment');
        expect(
          boundToml.startsWith(
            toml
              .split("[model_providers.other]")[0]!
              .replace('model = "gpt-5-codex"', 'model = "gpt-5"')
              .split("\n")[0]!,
          ),
        ).toBe(true);
      }

      const auth = JSON.parse((await system.readFile(AUTH)) as string);
      expect(auth.OPENAI_API_KEY).toBe(KEY_A);
      expect(auth.auth_mode).toBe("apikey");
      expect(auth.tokens.refresh_token).toBe("rt_fake_refresh_token_value");
      expect(bound.plan.warnings.map((w) => w.code)).toContain("leak-guard");

      await runCycle(system, unbound, {}, bound.ledger);
      expect(await system.readFile(CODEX_TOML)).toBe(toml);
      expect(await system.readFile(AUTH)).toBe(realAuth);
    });
  }

  it("a user key added inside our provider table survives the unbind", async () => {
    const system = createMemorySystem({ [CODEX_TOML]: realToml });
    const bound = await runCycle(system, codexBound, { codex: makeToken(KEY_A) });
    const edited = ((await system.readFile(CODEX_TOML)) as string).replace(
      "requires_openai_auth = true\n",
      "requires_openai_auth = true\nrequest_max_retries = 4\n",
    );
    await system.writeFileAtomic(CODEX_TOML, edited);
    await runCycle(system, unbound, {}, bound.ledger);
    const after = (await system.readFile(CODEX_TOML)) as string;
    expect(parseToml(after).model_providers.anyrouter).toEqual({ request_max_retries: 4 });
    expect(after.startsWith(realToml)).toBe(true);
  });

  it("newapi accounts use the account id as provider id and display name", async () => {
    const config = makeConfig(
      {
        codex: makeBinding("codex", {
          account: "selfhosted",
          nodeUrl: "https://relay.example.com/",
        }),
      },
      [makeAccount("selfhosted", "newapi")],
    );
    const system = createMemorySystem({});
    const bound = await runCycle(system, config, { codex: makeToken(KEY_A) });
    const doc = parseToml((await system.readFile(CODEX_TOML)) as string);
    expect(doc.model_provider).toBe("selfhosted");
    expect(doc.model_providers.selfhosted.name).toBe("selfhosted");
    expect(doc.model_providers.selfhosted.base_url).toBe("https://relay.example.com/v1");
    expect(JSON.parse((await system.readFile(AUTH)) as string)).toEqual({ OPENAI_API_KEY: KEY_A });
    await runCycle(system, unbound, {}, bound.ledger);
    expect(await system.readFile(CODEX_TOML)).toBeNull();
    expect(await system.readFile(AUTH)).toBeNull();
  });
});
