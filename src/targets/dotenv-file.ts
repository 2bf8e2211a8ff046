import { TargetError } from "../errors.js";
import type { FilePlan } from "../model/types.js";
import { canonicalJson, deleteAtPath, setAtPath } from "./doc-path.js";
import { lineColAt, targetErrorAt } from "./position.js";
import type { JsonObject, JsonValue } from "./types.js";

/**
 * The `dotenv` package's own line pattern (v16, as bundled by Gemini CLI), run on the text
 * with line endings normalised to `\n`, as dotenv does. Using the reader's pattern means a
 * file parses here exactly as the tool reads it.
 */
const LINE =
  /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/dgm;

/** One `KEY=value` entry, with offsets into the original text. */
interface Entry {
  key: string;
  value: string;
  /** Where the key starts. */
  keyAt: number;
  /** The value as written, without the whitespace around it ([start, end) of the original). */
  raw: { start: number; end: number; text: string };
  /** The whole lines the entry takes, end of line included ([start, end) of the original). */
  lines: { start: number; end: number };
}

interface Parsed {
  entries: Entry[];
  eol: string;
}

/** dotenv's value: quotes stripped; inside double quotes `\n` and `\r` are line breaks. */
function dotenvValue(raw: string): string {
  const trimmed = raw.trim();
  const quote = trimmed[0];
  const value = trimmed.replace(/^(['"`])([\s\S]*)\1$/gm, "$2");
  return quote === '"' ? value.replace(/\\n/g, "\n").replace(/\\r/g, "\r") : value;
}

function parseEntries(text: string): Parsed {
  // Offsets of the normalised text map back to the original one character at a time.
  const back: number[] = [];
  let norm = "";
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "\r") {
      back.push(i);
      norm += "\n";
      if (text[i + 1] === "\n") i++;
      continue;
    }
    back.push(i);
    norm += text[i];
  }
  back.push(text.length);
  const orig = (n: number) => back[n] as number;
  const lineStart = (n: number) => norm.lastIndexOf("\n", n - 1) + 1;
  const lineEnd = (n: number) => {
    const nl = norm.indexOf("\n", n);
    return nl === -1 ? norm.length : nl + 1;
  };
  const entries: Entry[] = [];
  LINE.lastIndex = 0;
  for (let m = LINE.exec(norm); m !== null; m = LINE.exec(norm)) {
    if (m[0].length === 0) LINE.lastIndex++;
    const key = m[1] as string;
    const indices = m.indices as RegExpIndicesArray;
    const keyAt = (indices[1] as [number, number])[0];
    const group = indices[2];
    let start: number;
    let end: number;
    if (group) {
      const text2 = m[2] as string;
      start = group[0] + (text2.length - text2.trimStart().length);
      end = group[1] - (text2.length - text2.trimEnd().length);
      if (end < start) end = start;
    } else {
      // `KEY=` with nothing after: the value goes right after the separator.
      const sep = /^(?:[^\S\n]*=|:[^\S\n])/.exec(norm.slice(keyAt + key.length));
      start = end = keyAt + key.length + (sep ? sep[0].length : 1);
    }
    // A byte-order mark is not part of the first line's entry.
    const first = lineStart(keyAt) === 0 && norm.startsWith("\uFEFF") ? 1 : lineStart(keyAt);
    const last = lineEnd(Math.max(end - 1, keyAt));
    entries.push({
      key,
      value: dotenvValue(m[2] ?? ""),
      keyAt: orig(keyAt),
      raw: { start: orig(start), end: orig(end), text: text.slice(orig(start), orig(end)) },
      lines: { start: orig(first), end: orig(last) },
    });
  }
  return { entries, eol: text.includes("\r\n") ? "\r\n" : text.includes("\r") ? "\r" : "\n" };
}

/**
 * A `.env` file as the tool reads it: `KEY → value`. Two assignments of one key are refused
 * (the reader takes the last one, an edit would find the first): merge them into one.
 */
export function parseDotenvTarget(file: string, text: string): JsonObject {
  const doc: JsonObject = {};
  const seen = new Set<string>();
  for (const e of parseEntries(text).entries) {
    if (seen.has(e.key)) {
      const { line, col } = lineColAt(text, e.keyAt);
      throw targetErrorAt(
        file,
        line,
        col,
        `${e.key} is assigned twice (the last one wins when the file is read); keep one`,
      );
    }
    seen.add(e.key);
    // A plain object with a null prototype would leak through JSON; keys are [\w.-]+ anyway.
    Object.defineProperty(doc, e.key, {
      value: e.value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return doc;
}

/** Read back unchanged without quotes: no comment sign, no line break, no edge blanks. */
const plain = (v: string) => !/[#\r\n]/.test(v) && v === v.trim() && !/^['"`]/.test(v);
/** Read back unchanged in double quotes (where `\n` and `\r` are line breaks). */
const doubled = (v: string) => !/["\r\n]|\\[nr]/.test(v);

/** The value as it is to be written, in the quotes it had where that still reads back right. */
function encodeValue(file: string, key: string, value: string, had?: string): string {
  const quote = had?.[0];
  if (quote === "'" && !value.includes("'")) return `'${value}'`;
  if (quote === '"' && doubled(value)) return `"${value}"`;
  if (quote === "`" && !value.includes("`")) return `\`${value}\``;
  if (plain(value)) return value;
  if (!/['\r\n]/.test(value)) return `'${value}'`;
  if (!/["\\\r]/.test(value)) return `"${value.replace(/\n/g, "\\n")}"`;
  throw new TargetError(file, `the value for ${key} cannot be written to a .env file as it is`);
}

/**
 * Line-preserving edit: a changed value is replaced where it stands (its `export` prefix,
 * quotes, spacing and comment kept), a removed key takes exactly its own lines with it, a
 * new key is one line at the end (or back where it was, for a restore). The result must
 * parse back to the intended values, or nothing is written.
 */
export function applyDotenvPlan(text: string | null, plan: FilePlan): string | null {
  if (plan.deleteFile) return null;
  let out = text ?? "";
  const intended = parseDotenvTarget(plan.file, out);
  for (const change of plan.changes) {
    const key = change.path[0] as string;
    if (change.path.length !== 1) throw new Error(`internal error: .env path ${change.path}`);
    const value = change.action === "delete" ? undefined : change.after;
    out = editKey(plan.file, out, key, value, change.insertAfter, change.raw);
    if (value === undefined) deleteAtPath(intended, change.path);
    else setAtPath(intended, change.path, value);
  }
  if (canonicalJson(parseDotenvTarget(plan.file, out)) !== canonicalJson(intended)) {
    throw new TargetError(
      plan.file,
      "cannot be edited in place without changing what else it says; nothing was written",
    );
  }
  return out;
}

function editKey(
  file: string,
  text: string,
  key: string,
  value: JsonValue | undefined,
  insertAfter: string | null | undefined,
  raw?: string,
): string {
  const { entries, eol } = parseEntries(text);
  const entry = entries.find((e) => e.key === key);
  if (value !== undefined && typeof value !== "string") {
    throw new Error(`internal error: .env values are strings (${key})`);
  }
  // A restored value goes back as it was written (`'a` stays `'a`), when that reads as it.
  const source =
    raw !== undefined && !/[\r\n]/.test(raw) && dotenvValue(raw) === value ? raw : undefined;
  if (entry && value !== undefined) {
    const encoded = source ?? encodeValue(file, key, value, entry.raw.text);
    return text.slice(0, entry.raw.start) + encoded + text.slice(entry.raw.end);
  }
  if (entry) return removeLines(text, entry.lines);
  if (value === undefined) return text;
  const exported = entries.length > 0 && entries.every((e) => isExported(text, e));
  const line = `${exported ? "export " : ""}${key}=${source ?? encodeValue(file, key, value)}`;
  const after = insertAfter === undefined ? undefined : entries.find((e) => e.key === insertAfter);
  if (insertAfter === null && entries[0])
    return insertLineAt(text, entries[0].lines.start, line, eol);
  if (after) return insertLineAt(text, after.lines.end, line, eol);
  return insertLineAt(text, text.length, line, eol);
}

function isExported(text: string, e: Entry): boolean {
  return /^\s*export\s/.test(text.slice(e.lines.start, e.keyAt));
}

/** Insert a whole line at a line boundary; at the end of a file without a final newline the
 * line goes after a line break and stays unterminated, so that removing it gives the bytes back. */
function insertLineAt(text: string, at: number, line: string, eol: string): string {
  if (at === text.length && text.length > 0 && !/[\r\n]$/.test(text) && text !== "\uFEFF") {
    return `${text}${eol}${line}`;
  }
  return `${text.slice(0, at)}${line}${eol}${text.slice(at)}`;
}

/** Remove whole lines; the last line of a file without a final newline takes the break before it. */
function removeLines(text: string, lines: { start: number; end: number }): string {
  if (lines.end === text.length && !/[\r\n]$/.test(text) && lines.start > 0) {
    const before = text.slice(0, lines.start);
    const cut = before.endsWith("\r\n") ? 2 : 1;
    return before.slice(0, -cut);
  }
  return text.slice(0, lines.start) + text.slice(lines.end);
}

/** The value of `key` as written in the file (quotes included), for a later restore. */
export function rawDotenvValueAt(text: string, key: string): string | undefined {
  return parseEntries(text).entries.find((e) => e.key === key)?.raw.text;
}
