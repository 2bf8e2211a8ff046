import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TargetError } from "../../../src/errors.js";
import type { Change, FilePlan } from "../../../src/plan/types.js";
import { applyDotenvPlan, parseDotenvTarget } from "../../../src/targets/dotenv-file.js";

/**
 * The reader's own parser, as dotenv 16 ships it (and Gemini CLI bundles it): the oracle for
 * what a tool sees in the file neuradock wrote.
 */
function dotenvParse(src: string): Record<string, string> {
  const LINE =
    /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/gm;
  const obj: Record<string, string> = {};
  const lines = src.replace(/\r\n?/gm, "\n");
  for (let match = LINE.exec(lines); match != null; match = LINE.exec(lines)) {
    const key = match[1] as string;
    let value = (match[2] || "").trim();
    const maybeQuote = value[0];
    value = value.replace(/^(['"`])([\s\S]*)\1$/gm, "$2");
    if (maybeQuote === '"') value = value.replace(/\\n/g, "\n").replace(/\\r/g, "\r");
    obj[key] = value;
  }
  return obj;
}

const FILE = "/h/.gemini/.env";
const plainValue = (v: string) => !/[#\r\n]/.test(v) && v === v.trim() && !/^['"`]/.test(v);

function plan(changes: Array<[string, string | undefined, string | null | undefined]>): FilePlan {
  return {
    tool: "gemini-cli",
    target: "gemini-env",
    file: FILE,
    format: "dotenv",
    credential: true,
    basis: null,
    removeContainers: [],
    deleteFile: false,
    changes: changes.map(
      ([key, after, insertAfter]): Change => ({
        tool: "gemini-cli",
        file: FILE,
        path: [key],
        action: after === undefined ? "delete" : "update",
        before: undefined,
        after,
        sensitive: false,
        reason: "bind",
        ...(insertAfter !== undefined ? { insertAfter } : {}),
      }),
    ),
  };
}

const edit = (text: string, changes: Parameters<typeof plan>[0]) =>
  applyDotenvPlan(text, plan(changes)) as string;

const USER_ENV = [
  "# my gemini settings",
  "export GOOGLE_CLOUD_PROJECT=my-project   # for vertex",
  "",
  'GEMINI_API_KEY="user-own-key-0001" # the key I pay for',
  "GOOGLE_API_KEY='user-google-key-0002'",
  "DEBUG=1",
  "",
].join("\n");

describe(".env editor", () => {
  it("parses as dotenv does: export, quotes, comments, escapes", () => {
    const text = [
      "export A=1",
      "B = 'two words' # note",
      'C="line\\nbreak"',
      "D=plain value # comment",
      "E=",
      "# F=commented",
      "G=`tick`",
    ].join("\n");
    expect(parseDotenvTarget(FILE, text)).toEqual(dotenvParse(text));
    expect(parseDotenvTarget(FILE, text)).toMatchObject({ B: "two words", C: "line\nbreak" });
  });

  it("replaces a value where it stands: export prefix, quotes, spacing and comment kept", () => {
    const out = edit(USER_ENV, [["GEMINI_API_KEY", "sk-bound", undefined]]);
    expect(out).toBe(USER_ENV.replace('"user-own-key-0001"', '"sk-bound"'));
    const out2 = edit(USER_ENV, [["GOOGLE_CLOUD_PROJECT", "other", undefined]]);
    expect(out2).toContain("export GOOGLE_CLOUD_PROJECT=other   # for vertex\n");
  });

  it("appends new keys as lines, and removing them gives back the bytes", () => {
    for (const text of [USER_ENV, USER_ENV.trimEnd(), USER_ENV.replace(/\n/g, "\r\n"), ""]) {
      const bound = edit(text, [
        ["GOOGLE_GEMINI_BASE_URL", "https://relay.example.com", undefined],
        ["GEMINI_MODEL", "gemini-2.5-pro", undefined],
      ]);
      expect(dotenvParse(bound)).toEqual({
        ...dotenvParse(text),
        GOOGLE_GEMINI_BASE_URL: "https://relay.example.com",
        GEMINI_MODEL: "gemini-2.5-pro",
      });
      if (text.includes("\r\n")) expect(bound.replace(/\r\n/g, "")).not.toContain("\n");
      const back = edit(bound, [
        ["GEMINI_MODEL", undefined, undefined],
        ["GOOGLE_GEMINI_BASE_URL", undefined, undefined],
      ]);
      expect(back).toBe(text);
    }
  });

  it("writes `export` on a new line when every line of the file has it", () => {
    const out = edit("export A=1\nexport B=2\n", [["C", "3", undefined]]);
    expect(out).toBe("export A=1\nexport B=2\nexport C=3\n");
  });

  it("puts a restored key back after the key it followed", () => {
    const out = edit("A=1\nC=3\n", [["B", "2", "A"]]);
    expect(out).toBe("A=1\nB=2\nC=3\n");
    expect(edit("A=1\n", [["Z", "0", null]])).toBe("Z=0\nA=1\n");
  });

  it("quotes a value only when it needs quotes to read back", () => {
    expect(edit("", [["A", "has space", undefined]])).toBe("A=has space\n");
    expect(edit("", [["A", "x # y", undefined]])).toBe("A='x # y'\n");
    expect(edit("", [["A", "it's\nmultiline", undefined]])).toBe('A="it\'s\\nmultiline"\n');
  });

  it("refuses a key assigned twice, naming file:line:col", () => {
    expect(() =>
      parseDotenvTarget(FILE, "A=1\n# x\n  GEMINI_API_KEY=a\nGEMINI_API_KEY=b\n"),
    ).toThrow(`${FILE}:4:1: GEMINI_API_KEY is assigned twice`);
    try {
      parseDotenvTarget(FILE, "K=secret-value-1\nK=secret-value-2\n");
    } catch (err) {
      expect(err).toBeInstanceOf(TargetError);
      expect(String(err)).not.toContain("secret-value");
    }
  });

  it("keeps a byte-order mark", () => {
    const text = "\uFEFFA=1\n";
    const bound = edit(text, [["B", "2", undefined]]);
    expect(bound).toBe("\uFEFFA=1\nB=2\n");
    expect(edit(edit(text, [["A", undefined, undefined]]), [["A", "1", null]])).toBe(text);
  });
});

// ---------- fuzzing: any file, any owned-key edits, read back exactly; undone byte for byte ----------

const key = fc.constantFrom("GEMINI_API_KEY", "GOOGLE_GEMINI_BASE_URL", "GEMINI_MODEL");
const otherKey = fc.constantFrom("GOOGLE_API_KEY", "DEBUG", "A.B", "x-y", "PATH_2");
const valueText = fc.oneof(
  fc.constantFrom("", "v", "two words", "sk-abc123", "https://x.example/v1", "a=b", "C:\\dir"),
  fc.string({ maxLength: 8 }).filter((s) => !/[\r\n'"`#\\]/.test(s)),
);
const quoted = fc
  .tuple(valueText, fc.constantFrom("", "'", '"', "`"))
  .map(([v, q]) => (q === "" ? v.trim() : `${q}${v}${q}`));
const entryLine = fc
  .tuple(
    fc.oneof(key, otherKey),
    quoted,
    fc.constantFrom("", "export "),
    fc.constantFrom("=", " = ", "= ", ": "),
    fc.constantFrom("", " # note", "   #c"),
    fc.constantFrom("", "  "),
  )
  .map(([k, v, ex, sep, comment, lead]) => ({ k, line: `${lead}${ex}${k}${sep}${v}${comment}` }));
const otherLine = fc.constantFrom("", "# comment", "   ", "#GEMINI_API_KEY=old", "not a line");
const envFile = fc
  .tuple(
    fc.array(
      fc.oneof(
        entryLine,
        otherLine.map((line) => ({ k: "", line })),
      ),
      { maxLength: 8 },
    ),
    fc.constantFrom("\n", "\r\n"),
    fc.boolean(),
  )
  .map(([lines, eol, final]) => {
    const seen = new Set<string>();
    const kept = lines.filter((l) => l.k === "" || (!seen.has(l.k) && seen.add(l.k)));
    const text = kept.map((l) => l.line).join(eol);
    return text === "" ? "" : text + (final ? eol : "");
  });
// What neuradock writes: keys, URLs, model names (any of them with spaces, `#` or quotes
// still reads back right; only their old quoting may not come back byte for byte).
const newValue = fc.oneof(
  fc.constantFrom("sk-bound-0001", "https://relay.example.com", "gemini-2.5-pro", "a # b"),
  fc.string({ maxLength: 10 }).filter((s) => !/['"`]/.test(s)),
);

describe("fuzz: .env editor", () => {
  it("every edit reads back exactly as intended and the inverse edit restores the bytes", () => {
    fc.assert(
      fc.property(
        envFile,
        fc.uniqueArray(fc.tuple(key, fc.option(newValue, { nil: undefined })), {
          selector: ([k]) => k,
          maxLength: 3,
        }),
        (text, edits) => {
          let original: Record<string, string | undefined>;
          try {
            original = parseDotenvTarget(FILE, text) as Record<string, string>;
          } catch (err) {
            expect(err).toBeInstanceOf(TargetError);
            return;
          }
          expect(original).toEqual(dotenvParse(text));
          let bound: string;
          try {
            bound = edit(
              text,
              edits.map(([k, v]) => [k, v, undefined]),
            );
          } catch (err) {
            // Only a value no quoting can carry is refused, with a clean error.
            expect(err).toBeInstanceOf(TargetError);
            return;
          }
          const want = { ...original };
          for (const [k, v] of edits) {
            if (v === undefined) delete want[k];
            else want[k] = v;
          }
          expect(dotenvParse(bound)).toEqual(want);
          // Undo in reverse, each key to its prior value (or gone), at its old place.
          const keys = Object.keys(original);
          const undo = [...edits]
            .reverse()
            .map(([k]): [string, string | undefined, string | null] => {
              const i = keys.indexOf(k);
              return [k, original[k], i <= 0 ? null : (keys[i - 1] as string)];
            });
          const back = edit(bound, undo);
          expect(dotenvParse(back)).toEqual(original);
          // Byte for byte unless a removed key had to come back (its line is rebuilt) or a
          // bound value needed quotes where the original had none (the quotes then stay).
          const removedExisting = edits.some(([k, v]) => v === undefined && k in original);
          const quotedNew = edits.some(([, v]) => v !== undefined && !plainValue(v));
          if (!removedExisting && !quotedNew) expect(back).toBe(text);
        },
      ),
      { numRuns: 600, seed: 15 },
    );
  });
});
