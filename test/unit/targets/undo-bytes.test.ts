import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createMemorySystem } from "../../support/memory-system.js";
import {
  AUTH,
  CODEX_TOML,
  KEY_A,
  KEY_B,
  makeBinding,
  makeConfig,
  makeToken,
  runCycle,
  SETTINGS,
} from "../plan/support.js";

// design.md "Ownership rules": after bind → unbind, every file is byte for byte what it was.

const claude = makeConfig({
  "claude-code": makeBinding("claude-code", { model: "claude-opus-4-1", env: { EXTRA: "on" } }),
});
const codex = makeConfig({ codex: makeBinding("codex", { model: "gpt-5" }) });
const tokens = { "claude-code": makeToken(KEY_A), codex: makeToken(KEY_B) };

/** Bind, check it took, unbind: the file must be its original bytes again. */
async function expectUndone(file: string, text: string): Promise<void> {
  const system = createMemorySystem({ [file]: text });
  const config = file === SETTINGS ? claude : codex;
  const bound = await runCycle(system, config, tokens);
  const boundText = (await system.readFile(file)) as string;
  expect(boundText).not.toBe(text);
  expect(boundText).toContain(
    file === CODEX_TOML ? "model_provider" : file === AUTH ? KEY_B : KEY_A,
  );
  await runCycle(system, makeConfig({}), {}, bound.ledger);
  expect(await system.readFile(file)).toBe(text);
}

describe("undo is byte-identical: the listed layouts", () => {
  const json: Record<string, string> = {
    "inline env with the base URL, in a multi-line file":
      '{\n  "model": "opus",\n  "env": {"ANTHROPIC_BASE_URL": "https://old.example"},\n  "x": 1\n}\n',
    "inline env with spaces":
      '{\n  "env": { "ANTHROPIC_BASE_URL": "https://old.example", "A": "1" }\n}\n',
    "{ }": "{ }",
    "{ } with a newline": "{ }\n",
    "{\\n}": "{\n}\n",
    "an empty env spread over lines": '{\n  "env": {\n  }\n}\n',
    "an empty env with a space": '{\n  "env": { },\n  "a": 1\n}\n',
    "JSON spacing inside a restored value":
      '{\n  "env": {\n    "ANTHROPIC_MODEL": [1,{"a":null}],\n    "ANTHROPIC_BASE_URL" :  {"u" : [ 1 ]}\n  }\n}\n',
    "a whitespace-only file": "  \n\n",
    "a whitespace-only file with a tab": "\t\r\n",
    "a BOM only": "\uFEFF",
    "an empty file": "",
  };
  for (const [name, text] of Object.entries(json)) {
    it(`settings.json: ${name}`, () => expectUndone(SETTINGS, text));
  }
  const auth: Record<string, string> = {
    "{ }": "{ }",
    "a key with odd spacing": '{"OPENAI_API_KEY" : null , "x":[1,{"a":null}]}',
  };
  for (const [name, text] of Object.entries(auth)) {
    it(`auth.json: ${name}`, () => expectUndone(AUTH, text));
  }
  const toml: Record<string, string> = {
    "a datetime model": "model = 1979-05-27T07:32:00Z\n",
    "a local date model": "model = 1979-05-27\n",
    "a multi-line literal model": "model = '''x'''\n",
    "a literal model": "model = 'gpt-4'\n",
    "a multi-line basic model": 'model = """gpt-4"""\n',
    "a model with a comment": 'model = "gpt-4"   # mine\n',
    "a whitespace-only file": "  \n\n",
    "an empty file": "",
    "a provider table of the user's":
      "[model_providers.anyrouter]\nname = \"Mine\"\nbase_url = 'https://x.example/v1'\n",
  };
  for (const [name, text] of Object.entries(toml)) {
    it(`config.toml: ${name}`, () => expectUndone(CODEX_TOML, text));
  }
});
