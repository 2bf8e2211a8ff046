import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Change, FilePlan } from "../../../src/model/types.js";
import { applyJsonPlan, inlineShapeAt, rawJsonValueAt } from "../../../src/targets/json-file.js";
import { jsonSkeleton } from "../../../src/targets/json-skeleton.js";

const long = (n: number) => "x".repeat(n);

/** A settings.json whose bulk is off the owned paths, as in the bench (a long allow list). */
function bigSettings(rules: number): string {
  const allow = Array.from({ length: rules }, (_, i) => `Bash(./scripts/task-${i}.sh:*)`);
  return `${JSON.stringify({ model: "opus", permissions: { allow }, env: { DISABLE_TELEMETRY: "1" } }, null, 2)}\n`;
}

function plan(changes: Partial<Change>[], format: FilePlan["format"] = "json"): FilePlan {
  return {
    tool: "claude-code",
    target: "claude-settings",
    file: "/h/.claude/settings.json",
    format,
    credential: true,
    basis: null,
    changes: changes.map((c) => ({
      tool: "claude-code",
      file: "/h/.claude/settings.json",
      path: [],
      action: "create",
      before: undefined,
      after: undefined,
      sensitive: false,
      reason: "bind",
      ...c,
    })),
    removeContainers: [],
    deleteFile: false,
  };
}

describe("json skeleton", () => {
  it("hides the values off the kept paths and gives every byte back", () => {
    const text = bigSettings(20_000);
    const sk = jsonSkeleton(text, [["env", "ANTHROPIC_AUTH_TOKEN"]]);
    expect(sk.text.length).toBeLessThan(300);
    expect(sk.text).toContain('"DISABLE_TELEMETRY": "1"');
    expect(sk.text).not.toContain("task-1");
    expect(sk.expand(sk.text)).toBe(text);
  });

  it("follows comments, brackets and quotes inside strings and comments (JSONC)", () => {
    const text = [
      '// a {comment} with "quotes" and ]',
      "{",
      `  /* block { " */ "big": {"a": "}]\\"{[", "b": [${long(80)
        .split("")
        .map(() => "1")
        .join(",")}]},`,
      `  "str": "${long(70)}\\\\", // trailing } comment`,
      `  "env": { "K": "v", "L": "${long(90)}" },`,
      "}",
      "",
    ].join("\n");
    const sk = jsonSkeleton(text, [["env", "K"]]);
    expect(sk.text).not.toContain(long(70));
    expect(sk.text).toContain('"K": "v"');
    expect(sk.text).not.toContain(long(90));
    expect(sk.expand(sk.text)).toBe(text);
  });

  it("keeps a kept path whole, arrays included", () => {
    const text = `{"a": {"list": [${Array(40).fill('"y"').join(", ")}], "other": "${long(80)}"}}`;
    const sk = jsonSkeleton(text, [["a", "list"]]);
    expect(sk.text).toContain(Array(40).fill('"y"').join(", "));
    expect(sk.text).not.toContain(long(80));
  });

  it("gives the text itself for what it cannot follow", () => {
    for (const text of ["[1, 2]", '{"a": ', "", '{"a": 1} x', `{"a": "${long(80)}"`]) {
      const sk = jsonSkeleton(text, [["b"]]);
      expect(sk.text).toBe(text);
      expect(sk.expand("edited")).toBe("edited");
    }
  });

  it("refuses an edit that wrote the placeholder marker (the editor then edits the whole text)", () => {
    const text = `{\n  "big": "${long(100)}",\n  "env": {}\n}\n`;
    const sk = jsonSkeleton(text, [["env", "K"]]);
    const marker = /"(@nd\d+~)0"/.exec(sk.text)?.[1] as string;
    expect(sk.expand(sk.text.replace("{}", `{"K": "${marker}0"}`))).toBeUndefined();
    const out = applyJsonPlan(
      text,
      plan([{ path: ["env", "K"], action: "create", after: `${marker}0` }]),
    );
    expect(JSON.parse(out as string)).toEqual({ big: long(100), env: { K: `${marker}0` } });
    expect(out).toBe(`{\n  "big": "${long(100)}",\n  "env": {\n    "K": "${marker}0"\n  }\n}\n`);
  });
});

describe("the JSON editor on a large file", () => {
  it("edits the owned keys and leaves every other byte", () => {
    const text = bigSettings(20_000);
    const out = applyJsonPlan(
      text,
      plan([
        { path: ["env", "ANTHROPIC_AUTH_TOKEN"], action: "create", after: "sk-test" },
        { path: ["env", "DISABLE_TELEMETRY"], action: "delete", before: "1" },
      ]),
    ) as string;
    expect(out).toBe(text.replace('"DISABLE_TELEMETRY": "1"', '"ANTHROPIC_AUTH_TOKEN": "sk-test"'));
  });

  it("answers the planner's layout questions from the skeleton", () => {
    const text = `{"big": [${Array(50).fill("1").join(",")}], "env": { "A": "1",  "B": "${long(80)}" }}`;
    expect(inlineShapeAt(text, ["env"])).toEqual({ open: " ", close: " ", comma: "  " });
    expect(rawJsonValueAt(text, ["big"])?.raw).toBe(`[${Array(50).fill("1").join(",")}]`);
    expect(rawJsonValueAt(text, ["env", "B"])).toEqual({ raw: `"${long(80)}"`, rawKey: '"B": ' });
  });
});

// ---------- the skeleton edits exactly as the whole text does ----------

const RUNS = Number(process.env.NEURADOCK_UNDO_RUNS ?? 150);

const bigValue = fc.constantFrom(
  `"${'brackets {[ and \\"quotes\\" ]} '.repeat(4)}"`,
  `[${Array.from({ length: 12 }, (_, i) => `"a,b]${i}"`).join(",")}]`,
  `{\n      "deep": {"k": "${long(70)}"},\n      "list": [1, 2, {"}": "{"}]\n    }`,
  `{\n  "deep": "${long(70)}"\n}`,
  `[1,\n2, "${long(70)}"]`,
  `{\r\n\t\t"a": "${long(70)}"\r\n\t}`,
  '"short"',
  "null",
  "{ }",
);

const layout = fc
  .record({
    indent: fc.constantFrom("  ", "    ", "\t"),
    eol: fc.constantFrom("\n", "\r\n"),
    colon: fc.constantFrom(": ", ":", " : "),
    oneLine: fc.boolean(),
    comment: fc.constantFrom("", '// a {"comment"} ]', "/* block\n } */"),
    before: fc.uniqueArray(fc.constantFrom("model", "permissions", "hooks"), { maxLength: 3 }),
    after: fc.uniqueArray(fc.constantFrom("statusLine", "y"), { maxLength: 2 }),
    helper: fc.boolean(),
    env: fc.constantFrom("absent", "empty", "inline", "lines"),
    envKeys: fc.uniqueArray(fc.constantFrom("ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY", "EXTRA"), {
      maxLength: 3,
    }),
    values: fc.array(bigValue, { minLength: 8, maxLength: 8 }),
  })
  .map((g) => {
    let v = 0;
    const value = () => g.values[v++ % g.values.length] as string;
    const pair = (k: string, val: string) => `${JSON.stringify(k)}${g.colon}${val}`;
    const pairs = g.envKeys.map((k) => pair(k, value()));
    const envText =
      g.env === "empty"
        ? "{}"
        : g.env === "inline" || g.oneLine
          ? `{${pairs.join(", ")}}`
          : `{${g.eol}${pairs.map((p) => `${g.indent}${g.indent}${p}`).join(`,${g.eol}`)}${g.eol}${g.indent}}`;
    const top = [
      ...g.before.map((k) => pair(k, value())),
      ...(g.helper ? [pair("apiKeyHelper", '"~/bin/key.sh"')] : []),
      ...(g.env === "absent" ? [] : [pair("env", envText)]),
      ...g.after.map((k) => pair(k, value())),
    ];
    if (g.oneLine) return `{${top.join(", ")}}`;
    const lines = top.map((p) => `${g.indent}${p}`);
    if (g.comment) lines.splice(lines.length > 1 ? 1 : 0, 0, `${g.indent}${g.comment}`);
    const body = lines.join(`,${g.eol}`).replace(`${g.comment},`, g.comment);
    return `{${g.eol}${body}${g.eol}}${g.eol}`;
  });

const changes = fc.subarray<Partial<Change>>([
  { path: ["env", "ANTHROPIC_AUTH_TOKEN"], action: "create", after: "sk-new" },
  { path: ["env", "ANTHROPIC_BASE_URL"], action: "update", after: "https://r.example" },
  { path: ["env", "ANTHROPIC_API_KEY"], action: "delete" },
  { path: ["apiKeyHelper"], action: "delete" },
  { path: ["apiKeyHelper"], action: "create", after: "~/k.sh", insertAfter: "model" },
  { path: ["model"], action: "update", after: { name: "opus", effort: [1, 2] } },
  { path: ["env", "EXTRA"], action: "create", after: [1, { a: null }], insertAfter: null },
]);

describe("the JSON editor: skeleton and whole text agree", () => {
  it(`gives the same bytes as editing the whole text (${RUNS} layouts)`, () => {
    let hid = 0;
    let commented = 0;
    fc.assert(
      fc.property(layout, changes, fc.boolean(), (text, cs, dropEnv) => {
        const p = plan(cs, text.includes("/") ? "jsonc" : "json");
        if (dropEnv) p.removeContainers.push(["env"]);
        if (jsonSkeleton(text, [...cs.map((c) => c.path ?? []), ["env"]]).text !== text) {
          hid++;
          if (text.includes("/")) commented++;
        }
        const run = (skeleton: boolean) => {
          try {
            return applyJsonPlan(text, p, { skeleton });
          } catch (e) {
            return `threw ${String(e)}`;
          }
        };
        expect(run(true)).toBe(run(false));
      }),
      { numRuns: RUNS },
    );
    // The property is about the skeleton: most layouts must have had something hidden.
    expect(hid).toBeGreaterThan(RUNS / 2);
    expect(commented).toBeGreaterThan(RUNS / 10);
  });
});
