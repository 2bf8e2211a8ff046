import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  generateValidatorSource,
  SCHEMA_PATH,
  VALIDATOR_PATH,
} from "../../../scripts/generate-validator.js";
import { interpolateString, interpolateTree } from "../../../src/config/interpolate.js";
import {
  checkUrl,
  isLoopbackHost,
  listNodes,
  nodeUrlFor,
  normalizeBaseUrl,
} from "../../../src/config/nodes.js";
import { validate } from "../../../src/config/schema-validator.generated.js";
import { didYouMean, levenshtein, safeName, suggestName } from "../../../src/config/suggest.js";
import type { NodeDef } from "../../../src/config/types.js";

describe("interpolateString", () => {
  const env = { A: "alpha", EMPTY: "" };
  it.each([
    ["plain", "plain"],
    ["${A}", "alpha"],
    ["x-${A}-y", "x-alpha-y"],
    ["${MISSING:-dflt}", "dflt"],
    ["${EMPTY:-dflt}", "dflt"],
    ["${EMPTY}", ""],
    ["${A:-dflt}", "alpha"],
    ["${MISSING:-}", ""],
    ["$${A}", "${A}"],
    ["$$${A}", "$${A}"],
    ["cost: $5", "cost: $5"],
    ["$A", "$A"],
  ])("%s → %s", (input, want) => {
    expect(interpolateString(input, env)).toEqual({ ok: true, value: want });
  });

  it.each([
    ["${MISSING}", "environment variable MISSING is not set"],
    ["${A", "unterminated ${ (write $${ for a literal ${)"],
    ["${1X}", "invalid variable reference '${1X...}': use ${NAME} or ${NAME:-default}"],
    ["${}", "invalid variable reference: use ${NAME} or ${NAME:-default}"],
  ])("%s is an error", (input, message) => {
    expect(interpolateString(input, env)).toEqual({ ok: false, message });
  });

  it("never quotes a value in an error", () => {
    const r = interpolateString("${A}${NOPE}", { A: "sk-very-secret-value" });
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toContain("sk-very-secret-value");
  });

  it("touches string values only, never keys, and reports paths", () => {
    const { value, problems } = interpolateTree(
      { "${A}": "${A}", list: ["${A}", 1, true], n: null, deep: { x: "${NOPE}" } },
      env,
    );
    expect(value).toEqual({
      "${A}": "alpha",
      list: ["alpha", 1, true],
      n: null,
      deep: { x: "${NOPE}" },
    });
    expect(problems).toEqual([
      { path: ["deep", "x"], message: "deep.x: environment variable NOPE is not set" },
    ]);
  });
});

describe("suggestions", () => {
  it("computes edit distances", () => {
    expect(levenshtein("personl", "personal")).toBe(1);
    expect(levenshtein("kitten", "sitting")).toBe(3);
    expect(levenshtein("", "abc")).toBe(3);
    expect(levenshtein("ABC", "abc")).toBe(0);
  });
  it("suggests only plausible typos", () => {
    expect(suggestName("personl", ["work", "personal"])).toBe("personal");
    expect(suggestName("claude", ["claude-code", "codex"])).toBe("claude-code");
    expect(suggestName("zzz", ["personal", "work"])).toBeUndefined();
    expect(suggestName("x", [])).toBeUndefined();
    expect(didYouMean("sesion", ["session", "url"])).toBe(" — did you mean 'session'?");
    expect(didYouMean("qqqq", ["session"])).toBe("");
  });
  it("does not echo long names, which could be pasted secrets", () => {
    expect(safeName("short")).toBe("short");
    expect(safeName("x".repeat(64))).toBe("(a 64-character name)");
  });
});

describe("nodes", () => {
  const custom: NodeDef[] = [
    { provider: "agentrouter", name: "eu", url: "https://eu.example.com", builtin: false },
  ];
  it("lists built-ins first, grouped by provider", () => {
    expect(listNodes(null).map((n) => `${n.provider}/${n.name}`)).toEqual([
      "anyrouter/default",
      "anyrouter/cn-shanghai",
      "anyrouter/cn-nb1",
      "agentrouter/default",
      "newapi/default",
    ]);
    expect(listNodes({ nodes: custom }, "agentrouter")).toEqual([
      { provider: "agentrouter", name: "default", url: "https://agentrouter.org", builtin: true },
      custom[0],
    ]);
  });
  it("resolves node URLs per account", () => {
    const any = { provider: "anyrouter" as const, url: "https://anyrouter.top" };
    const relay = { provider: "newapi" as const, url: "https://relay.example.com" };
    expect(nodeUrlFor(any, "cn-nb1", { nodes: [] })).toBe("https://pmpjfbhq.cn-nb1.rainapp.top");
    expect(nodeUrlFor(any, "cn-shanghai", { nodes: [] })).toBe(
      "https://a-ocnfniawgw.cn-shanghai.fcapp.run",
    );
    expect(nodeUrlFor(relay, "default", { nodes: [] })).toBe("https://relay.example.com");
    // A `url:` override on anyrouter/agentrouter moves its `default` node too (README).
    const mirror = { provider: "anyrouter" as const, url: "https://mirror.example.com/" };
    expect(nodeUrlFor(mirror, "default", { nodes: [] })).toBe("https://mirror.example.com");
    expect(nodeUrlFor(mirror, "cn-nb1", { nodes: [] })).toBe("https://pmpjfbhq.cn-nb1.rainapp.top");
    expect(nodeUrlFor(any, "default", { nodes: [] })).toBe("https://anyrouter.top");
    expect(nodeUrlFor(any, "eu", { nodes: custom })).toBeUndefined();
    expect(nodeUrlFor({ provider: "agentrouter", url: "" }, "eu", { nodes: custom })).toBe(
      "https://eu.example.com",
    );
  });
  it.each([
    ["https://a.example.com/", "https://a.example.com"],
    ["https://a.example.com/v1", "https://a.example.com"],
    ["https://a.example.com/v1/", "https://a.example.com"],
    ["https://a.example.com/proxy/v1", "https://a.example.com/proxy"],
    ["https://a.example.com/v10", "https://a.example.com/v10"],
  ])("normalizes %s", (input, want) => {
    expect(normalizeBaseUrl(input)).toBe(want);
  });
  it.each([
    ["localhost", true],
    ["127.0.0.1", true],
    ["127.12.0.9", true],
    ["[::1]", true],
    ["::1", true],
    ["localhost.example.com", false],
    ["128.0.0.1", false],
    ["127.0.0.1.nip.io", false],
    ["example.com", false],
  ])("loopback(%s) = %s", (host, want) => {
    expect(isLoopbackHost(host)).toBe(want);
  });
  it.each([
    ["https://example.com", null],
    ["http://127.0.0.1:8080", null],
    ["http://[::1]:1/", null],
    ["http://localhost", null],
    [
      "http://example.com",
      "must use https (http is allowed only for loopback hosts; got http://example.com)",
    ],
    ["ftp://example.com", "must be an https URL (got ftp:)"],
    ["example.com", "is not a valid URL"],
    ["https://user:pw@example.com", "must not contain credentials (user:password@)"],
    ["https://example.com/?key=1", "must not have a query or fragment"],
  ])("checkUrl(%s)", (url, want) => {
    expect(checkUrl(url)).toBe(want);
  });
});

describe("schema", () => {
  const schema = JSON.parse(readFileSync("schema/neuradock.schema.json", "utf8"));
  it("describes every property, for editor hover", () => {
    const missing: string[] = [];
    const visit = (node: unknown, path: string): void => {
      if (!node || typeof node !== "object") return;
      const props = (node as { properties?: Record<string, Record<string, unknown>> }).properties;
      for (const [name, prop] of Object.entries(props ?? {})) {
        const ref = prop.$ref as string | undefined;
        const target = ref ? schema.definitions[ref.split("/").pop() as string] : undefined;
        if (!prop.description && !target?.description) missing.push(`${path}.${name}`);
      }
      for (const [k, v] of Object.entries(node)) visit(v, `${path}.${k}`);
    };
    visit(schema, "#");
    expect(missing).toEqual([]);
  });
});

describe("precompiled schema validator", () => {
  it("is, byte for byte, what the generator makes of the current schema", () => {
    const schemaText = readFileSync(SCHEMA_PATH, "utf8");
    const generated = readFileSync(VALIDATOR_PATH, "utf8");
    expect(generated).toBe(generateValidatorSource(schemaText));
  });

  it("agrees with ajv compiling the schema at run time", async () => {
    const { Ajv } = await import("ajv");
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    ajv.addKeyword({ keyword: "errorMessage", schemaType: "string" });
    ajv.addKeyword({ keyword: "patternErrorMessage", schemaType: "string" });
    const live = ajv.compile(JSON.parse(readFileSync(SCHEMA_PATH, "utf8")));
    const samples: unknown[] = [
      { version: 1 },
      { version: 2 },
      [],
      { version: 1, accounts: { a: { provider: "newapi", user_id: "${X}", session: "s" } } },
      { version: 1, accounts: { a: { provider: "x", user_id: 0 } } },
      { version: 1, bindings: { codex: { account: "a", token: { id: 1 }, env: {} } } },
      { version: 1, bindings: { "claude-code": { account: "a", token: "", env: { "1A": "x" } } } },
      { version: 1, nodes: { anyrouter: { Bad: "https://x" }, newapi: null } },
    ];
    for (const sample of samples) {
      expect(validate(sample), JSON.stringify(sample)).toBe(live(sample));
    }
  });
});
