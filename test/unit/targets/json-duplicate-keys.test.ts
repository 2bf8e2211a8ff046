import { describe, expect, it } from "vitest";
import { TargetError } from "../../../src/errors.js";
import { parseJsonTarget } from "../../../src/targets/json-file.js";
import { createMemorySystem } from "../../support/memory-system.js";
import {
  AUTH,
  KEY_A,
  makeBinding,
  makeConfig,
  makeToken,
  planOnly,
  SETTINGS,
} from "../plan/support.js";

const VALUE = "sk-duplicate-secret-value-0000";

function errorOf(text: string): Error {
  try {
    parseJsonTarget("/h/settings.json", text);
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a TargetError, the text parsed");
}

describe("duplicate keys in a JSON target are refused", () => {
  it("a repeated top-level key names file:line:col of the second one, never a value", () => {
    const err = errorOf(
      `{\n  "env": { "ANTHROPIC_API_KEY": "${VALUE}" },\n  "env": { "FOO": "1" }\n}\n`,
    );
    expect(err).toBeInstanceOf(TargetError);
    expect(err.message).toMatch(/^\/h\/settings\.json:3:3: duplicate key "env"/);
    expect(err.message).not.toContain(VALUE);
  });

  it("a repeated key in a nested object (or inside an array) too", () => {
    expect(errorOf(`{"env":{"A":"${VALUE}","A":"2"}}`).message).toMatch(
      /settings\.json:1:\d+: duplicate key "A"/,
    );
    expect(errorOf('{\n  "hooks": [\n    { "x": 1, "x": 2 }\n  ]\n}').message).toMatch(
      /settings\.json:3:15: duplicate key "x"/,
    );
    expect(errorOf('\uFEFF{"a":1,\n"a":2}').message).toMatch(/settings\.json:2:1: /);
  });

  it("the same key in different objects is fine", () => {
    expect(parseJsonTarget("f", '{"a":{"k":1},"b":{"k":2},"k":3}').doc).toEqual({
      a: { k: 1 },
      b: { k: 2 },
      k: 3,
    });
  });

  it("plan refuses such a settings.json and auth.json instead of editing the first copy", async () => {
    const settings = createMemorySystem({
      [SETTINGS]: `{"env":{"ANTHROPIC_API_KEY":"${VALUE}"},"env":{"FOO":"1"}}`,
    });
    const claude = makeConfig({ "claude-code": makeBinding("claude-code") });
    await expect(planOnly(settings, claude, { "claude-code": makeToken(KEY_A) })).rejects.toThrow(
      /settings\.json:1:\d+: duplicate key "env"/,
    );

    const auth = createMemorySystem({
      [AUTH]: `{"OPENAI_API_KEY":"${VALUE}","OPENAI_API_KEY":null}`,
    });
    const codex = makeConfig({ codex: makeBinding("codex") });
    const err = await planOnly(auth, codex, { codex: makeToken(KEY_A) }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(TargetError);
    expect(err?.message).toMatch(/auth\.json:1:\d+: duplicate key "OPENAI_API_KEY"/);
    expect(err?.message).not.toContain(VALUE);
  });
});

describe("a JSON target nested absurdly deep is refused, not a stack overflow", () => {
  const deep = (n: number) => `{\n  "a": ${"[".repeat(n)}${"]".repeat(n)},\n  "env": {}\n}\n`;

  it("names file:line:col where the nesting goes too deep (strings and comments do not count)", () => {
    const err = errorOf(deep(100_000));
    expect(err).toBeInstanceOf(TargetError);
    expect(err.message).toMatch(/^\/h\/settings\.json:2:\d+: nested deeper than \d+ levels/);
    expect(
      parseJsonTarget("f", `{"a": "${"[".repeat(5000)}", "b": ${deep(20).trim()}}`).doc.a,
    ).toBe("[".repeat(5000));
    expect(
      parseJsonTarget("f", `{"a": 1 /* ${"{".repeat(5000)} */}`, { comments: true }).doc,
    ).toEqual({ a: 1 });
  });

  it("plan says so for settings.json; a JSONC file too", async () => {
    const claude = makeConfig({ "claude-code": makeBinding("claude-code") });
    const system = createMemorySystem({ [SETTINGS]: deep(5000) });
    await expect(planOnly(system, claude, { "claude-code": makeToken(KEY_A) })).rejects.toThrow(
      /settings\.json:2:\d+: nested deeper than/,
    );
    expect(() => parseJsonTarget("q.json", `// mine\n${deep(5000)}`, { comments: true })).toThrow(
      /^q\.json:3:\d+: nested deeper than/,
    );
  });
});
