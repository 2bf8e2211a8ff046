import { parse as parseToml } from "@decimalturn/toml-patch";
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

// ---------- the round-trip property, over generated layouts ----------

const RUNS = Number(process.env.NEURADOCK_UNDO_RUNS ?? 120);

/** JSON values as people (and other tools) write them: spacing inside is part of the test. */
const jsonValue = fc.constantFrom(
  '"x"',
  '"https://old.example"',
  "null",
  "true",
  "12.50",
  '[1,{"a":null}]',
  '{ "a" : 1 }',
  "[ ]",
  "{}",
  '"caf\\u00e9 ✓"',
  // Values long enough for the editor to hide them behind a placeholder (json-skeleton.ts):
  // a string full of brackets and escaped quotes, a long one-line array.
  `"${'brackets {[ and \\"quotes\\" ]} '.repeat(4)}"`,
  `[${Array.from({ length: 12 }, (_, i) => `"a,b]${i}"`).join(",")}]`,
);

const jsonLayout = fc
  .record({
    indent: fc.constantFrom("  ", "    ", "\t"),
    eol: fc.constantFrom("\n", "\r\n"),
    bom: fc.constantFrom("", "\uFEFF"),
    final: fc.boolean(),
    colon: fc.constantFrom(": ", ":", " : "),
    shape: fc.constantFrom("blank", "empty-root", "object", "object", "object"),
    blank: fc.array(fc.constantFrom(" ", "\t", "\n", "\r\n"), { maxLength: 4 }),
    emptyInner: fc.constantFrom("", " ", "\n", "\n  ", "\r\n\t"),
    before: fc.uniqueArray(fc.constantFrom("model", "permissions", "hooks", "x"), {
      maxLength: 2,
    }),
    after: fc.uniqueArray(fc.constantFrom("statusLine", "y", "z"), { maxLength: 2 }),
    helper: fc.boolean(),
    env: fc.constantFrom("absent", "empty", "inline", "lines"),
    envKeys: fc.uniqueArray(
      fc.constantFrom(
        "ANTHROPIC_BASE_URL",
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_AUTH_TOKEN",
        "ANTHROPIC_MODEL",
        "EXTRA",
        "USER_FLAG",
      ),
      { maxLength: 4 },
    ),
    values: fc.array(jsonValue, { minLength: 12, maxLength: 12 }),
  })
  .map((g) => {
    if (g.shape === "blank") return g.bom + g.blank.join("");
    const end = g.final ? g.eol : "";
    if (g.shape === "empty-root") return `${g.bom}{${g.emptyInner}}${end}`;
    let v = 0;
    const value = () => g.values[v++ % g.values.length] as string;
    const pair = (k: string, val: string) => `${JSON.stringify(k)}${g.colon}${val}`;
    const envText = (() => {
      if (g.env === "empty") return `{${g.emptyInner}}`;
      const pairs = g.envKeys.map((k) => pair(k, value()));
      if (g.env === "inline" || pairs.length === 0) return `{${pairs.join(", ")}}`;
      const inner = pairs.map((p) => `${g.indent}${g.indent}${p}`).join(`,${g.eol}`);
      return `{${g.eol}${inner}${g.eol}${g.indent}}`;
    })();
    const top = [
      ...g.before.map((k) => pair(k, value())),
      ...(g.helper ? [pair("apiKeyHelper", '"~/bin/key.sh"')] : []),
      ...(g.env === "absent" ? [] : [pair("env", envText)]),
      ...g.after.map((k) => pair(k, value())),
    ];
    if (top.length === 0) return `${g.bom}{${g.emptyInner}}${end}`;
    const body = top.map((p) => `${g.indent}${p}`).join(`,${g.eol}`);
    return `${g.bom}{${g.eol}${body}${g.eol}}${end}`;
  });

const tomlValue = fc.constantFrom(
  '"gpt-4"',
  "'gpt-4'",
  "'''x'''",
  '"""y"""',
  "1979-05-27T07:32:00Z",
  "1979-05-27",
  "07:32:00",
  "1979-05-27T07:32:00.999",
  "42",
  "true",
  "[ 1, 2 ]",
  "{ a = 1 }",
);

const tomlLayout = fc
  .record({
    eol: fc.constantFrom("\n", "\r\n"),
    bom: fc.constantFrom("", "\uFEFF"),
    final: fc.boolean(),
    shape: fc.constantFrom("blank", "keys", "keys", "keys"),
    blank: fc.array(fc.constantFrom(" ", "\t", "\n", "\r\n"), { maxLength: 4 }),
    header: fc.boolean(),
    top: fc.uniqueArray(fc.constantFrom("model", "model_provider", "approval_policy"), {
      maxLength: 3,
    }),
    comment: fc.constantFrom("", "   # mine", " #x"),
    provider: fc.constantFrom("none", "ours", "other"),
    providerKeys: fc.uniqueArray(fc.constantFrom("name", "base_url", "wire_api", "env_key"), {
      maxLength: 3,
    }),
    features: fc.boolean(),
    values: fc.array(tomlValue, { minLength: 8, maxLength: 8 }),
  })
  .map((g) => {
    if (g.shape === "blank") return g.bom + g.blank.join("");
    let v = 0;
    const value = () => g.values[v++ % g.values.length] as string;
    const lines: string[] = [];
    if (g.header) lines.push("# my codex settings");
    for (const k of g.top) lines.push(`${k} = ${value()}${g.comment}`);
    if (g.provider !== "none") {
      lines.push("", `[model_providers.${g.provider === "ours" ? "anyrouter" : "mine"}]`);
      for (const k of g.providerKeys) lines.push(`${k} = ${value()}`);
    }
    if (g.features) lines.push("", "[features]", "web_search = true");
    const text = lines.join(g.eol);
    return g.bom + text + (g.final && text !== "" ? g.eol : "");
  });

describe("undo is byte-identical: a round-trip property over generated layouts", () => {
  it(`settings.json: bind then unbind gives back every byte (${RUNS} layouts)`, async () => {
    await fc.assert(
      fc.asyncProperty(jsonLayout, (text) => expectUndone(SETTINGS, text)),
      { numRuns: RUNS },
    );
  });
  it(`auth.json: bind then unbind gives back every byte (${RUNS} layouts)`, async () => {
    await fc.assert(
      fc.asyncProperty(jsonLayout, (text) => expectUndone(AUTH, text)),
      { numRuns: RUNS },
    );
  });
  it(`config.toml: bind then unbind gives back every byte (${RUNS} layouts)`, async () => {
    await fc.assert(
      fc.asyncProperty(tomlLayout, async (text) => {
        // A layout Codex itself would refuse is not a round-trip case.
        try {
          parseToml(text.replace(/^\uFEFF/, ""));
        } catch {
          return;
        }
        await expectUndone(CODEX_TOML, text);
      }),
      { numRuns: RUNS },
    );
  });
});
