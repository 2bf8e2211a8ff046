import { parse as parseToml } from "@decimalturn/toml-patch";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TargetError } from "../../../src/errors.js";
import type { FilePlan } from "../../../src/plan/types.js";
import { applyTomlPlan } from "../../../src/targets/toml-file.js";
import { createMemorySystem } from "../../support/memory-system.js";
import {
  CODEX_TOML,
  KEY_A,
  makeBinding,
  makeConfig,
  makeToken,
  planOnly,
  runCycle,
} from "../plan/support.js";

const codexBound = makeConfig({ codex: makeBinding("codex", { model: "gpt-5" }) });
const codexNoModel = makeConfig({ codex: makeBinding("codex") });
const unbound = makeConfig({});

/** Bind, then unbind; returns the bound text and what unbinding left. */
async function bindUnbind(toml: string, config = codexBound) {
  const system = createMemorySystem({ [CODEX_TOML]: toml });
  const bound = await runCycle(system, config, { codex: makeToken(KEY_A) });
  const boundText = (await system.readFile(CODEX_TOML)) as string;
  await runCycle(system, unbound, {}, bound.ledger);
  return { boundText, restored: await system.readFile(CODEX_TOML) };
}

const OWNED_PROVIDER = {
  name: "AnyRouter",
  base_url: "https://anyrouter.top/v1",
  wire_api: "responses",
  requires_openai_auth: true,
};

describe("config.toml layout: bind puts owned lines where they belong, unbind takes exactly them", () => {
  const cases: Record<string, string> = {
    "comment introducing the first table": `model = "o3"\n# Projects I trust\n[projects.x]\ntrust_level = "trusted"\n`,
    "header comment block followed only by tables": `# Codex config\n# second line\n\n[projects.x]\ntrust_level = "trusted"\n`,
    "comment attached to the first table, nothing above": `# Projects I trust\n[projects.x]\ntrust_level = "trusted"\n`,
    "no final newline": `model = "o3"\n[projects.x]\ntrust_level = "trusted"`,
    "no final newline, keys only": `model = "o3"`,
    "blank line after the last top-level key": 'model = "gpt-5"\n\n',
    "blank line before the first table": "\n[features]\nx = 1\n",
    "only a comment": "# only a note\n",
    "only a comment, no final newline": "# only a note",
    "comment at the end of the top-level keys": 'model = "gpt-5"\n# keep me\n',
    "empty file": "",
    "blank lines only": "\n\n",
    "crlf with comments":
      "# head\r\n\r\nmodel = 'o3' # mine\r\n\r\n# trust\r\n[projects.x]\r\nt = 1\r\n",
    "trailing comment on the updated key": 'model = "o3"   # my model\n[features]\nx = 1\n',
    "existing provider table of ours with a user key": `model_provider = "openai"\n\n[model_providers.anyrouter]\n# mine\nrequest_max_retries = 4\n\n[features]\nx = 1\n`,
    "existing model_providers parent table": `[model_providers]\n\n[model_providers.other]\nname = "o"\n`,
    "dotted keys under a table": `[model_providers]\nother.name = "o"\n`,
    "multi-line value before": `args = [\n  "a",\n  "b",\n]\n# tail\n\n[t]\nk = 1\n`,
    "array of tables": `[[profiles]]\nname = "a"\n\n[[profiles]]\nname = "b"\n`,
    "unicode and quoted keys": `"é key" = "ü😀"\n[projects."/home/ü/x"]\ntrust_level = "trusted"\n`,
  };
  for (const [name, toml] of Object.entries(cases)) {
    it(name, async () => {
      const { boundText, restored } = await bindUnbind(toml);
      const doc = parseToml(boundText);
      expect(doc.model_provider).toBe("anyrouter");
      expect(doc.model).toBe("gpt-5");
      expect(doc.model_providers.anyrouter).toMatchObject(OWNED_PROVIDER);
      // Every line of the user's is still there, in order.
      const userLines = toml.split(/\r?\n/).filter((l) => l.trim() !== "");
      const boundLines = boundText.split(/\r?\n/);
      let at = 0;
      for (const line of userLines) {
        if (/^model(_provider)? = /.test(line)) continue;
        const i = boundLines.indexOf(line, at);
        expect(i, line).toBeGreaterThanOrEqual(at);
        at = i + 1;
      }
      expect(restored).toBe(toml);
    });
  }

  it("a new top-level key goes after the last top-level key, not between a comment and its table", async () => {
    const { boundText } = await bindUnbind(
      `model = "o3"\n# Projects I trust\n[projects.x]\ntrust_level = "trusted"\n`,
      codexNoModel,
    );
    expect(
      boundText.startsWith(
        `model = "o3"\nmodel_provider = "anyrouter"\n# Projects I trust\n[projects.x]\n`,
      ),
    ).toBe(true);
  });

  it("with no top-level key, after a header comment block and before the blank line", async () => {
    const { boundText } = await bindUnbind(
      `# Codex config\n# second line\n\n[projects.x]\ntrust_level = "trusted"\n`,
      codexNoModel,
    );
    expect(boundText).toBe(
      `# Codex config\n# second line\nmodel_provider = "anyrouter"\n\n[projects.x]\ntrust_level = "trusted"\n\n[model_providers.anyrouter]\nname = "AnyRouter"\nbase_url = "https://anyrouter.top/v1"\nwire_api = "responses"\nrequires_openai_auth = true\n`,
    );
  });

  it("an updated value keeps the line's trailing comment", async () => {
    const { boundText } = await bindUnbind('model = "o3"   # my model\n');
    expect(
      boundText.startsWith('model = "gpt-5"   # my model\nmodel_provider = "anyrouter"\n'),
    ).toBe(true);
  });

  it("a key of ours added to an existing table goes after its last key", async () => {
    const { boundText } = await bindUnbind(
      `[model_providers.anyrouter]\n# mine\nrequest_max_retries = 4\n\n[features]\nx = 1\n`,
    );
    expect(boundText).toContain(
      `[model_providers.anyrouter]\n# mine\nrequest_max_retries = 4\nname = "AnyRouter"\n`,
    );
  });

  it("a literal string keeps its quotes when neuradock changes the value", async () => {
    const { boundText } = await bindUnbind("model = 'o3'\n");
    expect(boundText.startsWith("model = 'gpt-5'\n")).toBe(true);
  });

  it("a file without a final newline stays without one while bound", async () => {
    const { boundText } = await bindUnbind(`model = "o3"`);
    expect(boundText.endsWith("\n")).toBe(false);
  });
});

describe("config.toml layouts the line editor leaves to toml-patch", () => {
  for (const [name, toml] of Object.entries({
    "our provider as an inline table": `model_providers = { anyrouter = { wire_api = "chat" } }\n`,
    "our provider as dotted top-level keys": `model_providers.anyrouter.wire_api = "chat"\n[x]\ny = 1\n`,
  })) {
    it(`${name}: bound as asked, and unbinding gives the document back`, async () => {
      const { boundText, restored } = await bindUnbind(toml);
      expect(parseToml(boundText).model_providers.anyrouter).toMatchObject(OWNED_PROVIDER);
      expect(parseToml(restored as string)).toEqual(parseToml(toml));
    });
  }
});

describe("config.toml shapes neuradock cannot own are refused at plan time", () => {
  const cases: Record<string, [string, string]> = {
    "model_providers a string": ['x = 1\nmodel_providers = "oops"\n', "2:1"],
    "model_providers an array": ["model_providers = [1]\n", "1:1"],
    "model_providers an array of tables": ["[[model_providers]]\nname = 'x'\n", "1:1"],
    "a provider a string": ['[model_providers]\nanyrouter = "oops"\n', "2:1"],
    "a provider a number, dotted": ["model_providers.anyrouter = 4\n", "1:1"],
    "a provider inside an inline table": ['model_providers = { anyrouter = "x" }\n', "1:1"],
  };
  for (const [name, [toml, at]] of Object.entries(cases)) {
    it(name, async () => {
      const system = createMemorySystem({ [CODEX_TOML]: toml });
      const err = await planOnly(system, codexBound, { codex: makeToken(KEY_A) }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TargetError);
      const message = (err as TargetError).message;
      expect(message.startsWith(`${CODEX_TOML}:${at}: `)).toBe(true);
      expect(message).toMatch(/must be a table/);
      expect(message).not.toContain("oops");
    });
  }

  it("another tool's non-table keys elsewhere are fine", async () => {
    const system = createMemorySystem({
      [CODEX_TOML]: 'model_providers_note = "x"\n[x]\nmodel_providers = 1\n',
    });
    const plan = await planOnly(system, codexBound, { codex: makeToken(KEY_A) });
    expect(plan.files.some((f) => f.changes.length > 0)).toBe(true);
  });
});

describe("applyTomlPlan never lets a raw parser error out", () => {
  const plan = (): FilePlan => ({
    tool: "codex",
    target: "codex-config",
    file: CODEX_TOML,
    format: "toml",
    credential: false,
    basis: null,
    changes: [
      {
        tool: "codex",
        file: CODEX_TOML,
        path: ["model_providers", "anyrouter", "name"],
        action: "create",
        before: undefined,
        after: "AnyRouter",
        sensitive: false,
        reason: "bind",
      },
    ],
    removeContainers: [],
    deleteFile: false,
  });
  it("an unparsable or unusable text is a TargetError that quotes nothing", () => {
    for (const text of [
      'key = "sk-secret-value-123456"\n[[',
      'model_providers = "sk-secret-value-123456"\n',
    ]) {
      let err: unknown;
      try {
        applyTomlPlan(text, plan());
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TargetError);
      expect((err as Error).message).not.toContain("sk-secret");
      expect((err as Error).message).not.toContain("\n");
    }
  });
});

describe("config.toml round trip over generated layouts", () => {
  const line = fc.oneof(
    fc.constantFrom(
      'model = "o3"',
      "model = 'o3'   # mine",
      'approval_policy = "on-request"',
      "x = [\n  1,\n  2,\n]",
      "# a comment",
      "  # indented comment",
      "",
      "   ",
      "[features]",
      "web_search = true",
      '[projects."/home/me/src"]',
      "[mcp_servers.docs]",
      "[model_providers.mine]",
      "[model_providers.anyrouter]",
      "[[profiles]]",
    ),
  );
  const doc = fc
    .tuple(fc.array(line, { maxLength: 12 }), fc.constantFrom("\n", "\r\n"), fc.boolean())
    .map(
      ([ls, eol, last]) =>
        ls.join(eol).replace(/\n/g, eol).replace(/\r\r/g, "\r") + (last ? eol : ""),
    );

  it("every file that parses comes back byte for byte after bind and unbind", async () => {
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(doc, fc.boolean(), async (toml, withModel) => {
        try {
          parseToml(toml);
        } catch {
          return; // duplicate tables and the like: refused at plan time, covered elsewhere
        }
        checked++;
        const { boundText, restored } = await bindUnbind(
          toml,
          withModel ? codexBound : codexNoModel,
        );
        expect(parseToml(boundText).model_providers.anyrouter).toMatchObject(OWNED_PROVIDER);
        expect(restored).toBe(toml);
      }),
      { seed: 4242, numRuns: 150 },
    );
    expect(checked).toBeGreaterThan(50);
  });
});

describe("config.toml with model_providers as an inline table: what plan lists, apply does", () => {
  for (const [name, toml] of Object.entries({
    "another provider inline": `model_providers = { other = { name = "o", base_url = "https://x" } }\n`,
    "an empty inline table": "model_providers = {}\n",
    "inline with a trailing comment, between other keys": `model = "a"\nmodel_providers = { other = { name = "o" } } # c\n[x]\ny = 1\n`,
    "our provider an empty inline table": "model_providers = { anyrouter = {} }\n",
    "our provider inline with a user key": `[model_providers]\nanyrouter = { wire_api = "chat", env_note = "K" }\nother = {}\n`,
    "dotted keys inside the inline table": `model_providers = { other = { name = "o" }, anyrouter.wire_api = "chat" }\n`,
  })) {
    it(`${name}: bound as planned, and unbinding gives the document back`, async () => {
      const system = createMemorySystem({ [CODEX_TOML]: toml });
      const plan = await planOnly(system, codexBound, { codex: makeToken(KEY_A) });
      const planned = plan.files.find((f) => f.target === "codex-config");
      expect(planned?.changes.length).toBeGreaterThan(0);
      const { boundText, restored } = await bindUnbind(toml);
      const bound = parseToml(boundText);
      expect(bound.model_provider).toBe("anyrouter");
      expect(bound.model_providers.anyrouter).toMatchObject(OWNED_PROVIDER);
      expect(parseToml(restored as string)).toEqual(parseToml(toml));
    });
  }
});
