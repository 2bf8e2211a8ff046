import { parse, patch, TomlDocument } from "@decimalturn/toml-patch";
import { TargetError } from "../errors.js";
import type { FilePlan } from "../model/types.js";
import {
  canonicalJson,
  cloneJson,
  deleteAtPath,
  getAtPath,
  isObject,
  setAtPath,
} from "./doc-path.js";
import { formatKeyPath } from "./key-path.js";
import { stripBom, targetErrorAt } from "./position.js";
import type { JsonObject, JsonValue, KeyPath } from "./types.js";

/** Parse config.toml; a syntax error names file:line:col (never the offending line's text). */
export function parseTomlTarget(file: string, text: string): JsonObject {
  try {
    return parse(text) as JsonObject;
  } catch (err) {
    const e = err as { line?: unknown; column?: unknown; message?: unknown };
    // The library's message quotes the source line, which may hold a secret: keep the reason only.
    const lines = String(e.message ?? err)
      .split(/\r?\n/)
      .filter((l) => l.trim() !== "");
    // …and the reason itself may quote the offending value (`Invalid integer "sk-…"`).
    const reason = (lines[lines.length - 1] ?? "invalid TOML").replace(/"[^"]{4,}"/g, '"…"');
    if (typeof e.line === "number" && typeof e.column === "number") {
      throw targetErrorAt(file, e.line, e.column + 1, `invalid TOML: ${reason}`);
    }
    throw new TargetError(file, `invalid TOML: ${reason}`);
  }
}

/**
 * 1-based line and column of what defines `path` in a parsed TOML text: the key/value or
 * table header for the path itself or, when it sits inside an inline value, for the
 * deepest enclosing one. null when nothing in the text names it.
 */
export function locateTomlPath(text: string, path: KeyPath): { line: number; col: number } | null {
  let best: { depth: number; line: number; col: number } | null = null;
  const consider = (full: readonly string[], loc: Loc) => {
    const depth = full.length;
    if (depth > path.length || !full.every((s, i) => s === path[i])) return;
    if (best && best.depth >= depth) return;
    best = { depth, line: loc.start.line, col: loc.start.column + 1 };
  };
  try {
    for (const { prefix, block } of walkCst(new TomlDocument(stripBom(text)).cst as Block[])) {
      if (block.type === "KeyValue") consider([...prefix, ...block.key.value], block.loc);
      else if (block.type === "Table" || block.type === "TableArray") {
        consider(block.key.item.value, block.loc);
      }
    }
  } catch {
    return null;
  }
  const found = best as { line: number; col: number } | null;
  return found && { line: found.line, col: found.col };
}

/** The source text of a `key = value` line's value and of its key and `=`; undefined when none. */
export function rawTomlValueAt(
  text: string,
  path: KeyPath,
): { raw: string; rawKey: string } | undefined {
  const body = stripBom(text);
  const kv = findKeyValue(cstOf(body), path);
  if (!kv) return undefined;
  const lines = new Lines(body);
  const start = lines.offset(kv.value.loc.start);
  return {
    raw: body.slice(start, lines.offset(kv.value.loc.end)),
    rawKey: body.slice(lines.offset(kv.loc.start), start),
  };
}

/**
 * Format-preserving edit. The owned shapes (top-level `key = value` lines, and key lines in
 * a `[model_providers.<id>]` table) are edited line by line, so that a removal takes away
 * exactly the lines an insertion added: comments, blank lines and a missing final newline
 * come back byte for byte. Any other layout goes through toml-patch. Either way the result
 * must parse back to exactly the intended document, or nothing is written.
 */
export function applyTomlPlan(text: string | null, plan: FilePlan): string | null {
  if (plan.deleteFile) return null;
  const src = text ?? "";
  let before: JsonObject;
  try {
    before = parse(src) as JsonObject;
  } catch {
    throw new TargetError(plan.file, "is no longer valid TOML; run `neuradock plan` again");
  }
  const intended = intendedDocument(before, plan);
  const want = canonicalJson(intended);
  const edits = [
    editByLines,
    (t: string, p: FilePlan) => editWithTomlPatch(t, p, true),
    // Into an inline `model_providers = { … }` a header would redefine it: toml-patch alone.
    (t: string, p: FilePlan) => editWithTomlPatch(t, p, false),
  ];
  for (const edit of edits) {
    let out: string | null;
    try {
      out = edit(src, plan);
      if (out !== null && canonicalJson(parse(out)) !== want) out = null;
    } catch {
      // The library's errors quote file lines (and the file can hold secrets): never pass them on.
      out = null;
    }
    if (out !== null) return out;
  }
  throw new TargetError(
    plan.file,
    "cannot be edited in place: the layout around model_provider / [model_providers] is not one neuradock can change without disturbing the rest; nothing was written",
  );
}

function intendedDocument(before: JsonObject, plan: FilePlan): JsonObject {
  const doc = cloneJson(before);
  for (const change of plan.changes) {
    if (change.action === "delete" || change.after === undefined) deleteAtPath(doc, change.path);
    else setAtPath(doc, change.path, change.after);
  }
  for (const path of [...plan.removeContainers].sort((a, b) => b.length - a.length)) {
    const value = getAtPath(doc, path);
    if (isObject(value) && Object.keys(value).length === 0) deleteAtPath(doc, path);
  }
  return doc;
}

/**
 * A table we create gets its `[a.b]` header appended first, so toml-patch fills a real
 * section instead of its quirks (a dotted inline line next to other `[model_providers.x]`,
 * or an extra empty `[model_providers]` header).
 */
function editWithTomlPatch(text: string, plan: FilePlan, addHeaders: boolean): string {
  let src = text;
  const eol = src.includes("\r\n") ? "\r\n" : "\n";
  const before = parse(src) as JsonObject;
  const headers = new Set<string>();
  for (const change of plan.changes) {
    if (!addHeaders || change.action !== "create" || change.path.length < 2) continue;
    const table = change.path.slice(0, -1);
    if (getAtPath(before, table) !== undefined) continue;
    const header = formatKeyPath(table);
    if (headers.has(header)) continue;
    headers.add(header);
    if (src.length > 0 && !src.endsWith("\n")) src += eol;
    src += `${src.trim() === "" ? "" : eol}[${header}]${eol}`;
  }
  // Never replace a user's non-table value with a table of ours (the header would refuse it).
  for (const change of plan.changes) {
    for (let n = 1; n < change.path.length; n++) {
      const value = getAtPath(before, change.path.slice(0, n));
      if (value !== undefined && !isObject(value)) throw new Error("not a table");
    }
  }
  const doc = intendedDocument(parse(src) as JsonObject, plan);
  const out = patch(src, doc);
  return out.trim() === "" ? "" : out;
}

// ---------- the line editor ----------

interface Loc {
  start: { line: number; column: number };
  end: { line: number; column: number };
}
interface KeyNode {
  value: string[];
  loc: Loc;
}
interface KeyValueBlock {
  type: "KeyValue";
  key: KeyNode;
  value: { loc: Loc };
  loc: Loc;
}
interface TableBlock {
  type: "Table" | "TableArray";
  key: { item: KeyNode; loc: Loc };
  items: Block[];
  loc: Loc;
}
type Block = KeyValueBlock | TableBlock | { type: "Comment"; loc: Loc };

/** Every block with the table path its keys are relative to (table arrays' keys are not ours). */
function* walkCst(blocks: Block[]): Generator<{ prefix: readonly string[]; block: Block }> {
  for (const block of blocks) {
    yield { prefix: [], block };
    if (block.type === "Table") {
      for (const item of block.items) yield { prefix: block.key.item.value, block: item };
    }
  }
}

const samePath = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((s, i) => s === b[i]);

/** The text as lines; `starts[i]` is where line i+1 begins (one more entry: the end). */
class Lines {
  readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text[i] === "\n") this.starts.push(i + 1);
    if (!text.endsWith("\n") && text.length > 0) this.starts.push(text.length);
  }
  /** Real lines (a final unterminated line counts, the empty rest after a final newline not). */
  get count(): number {
    return this.starts.length - 1;
  }
  line(n: number): string {
    return this.text.slice(this.starts[n - 1], this.starts[n]).replace(/\r?\n$/, "");
  }
  offset(pos: { line: number; column: number }): number {
    return (this.starts[pos.line - 1] as number) + pos.column;
  }
  terminated(): boolean {
    return this.text.length === 0 || this.text.endsWith("\n");
  }
}

/** Insert one line after line `after` (0 = first); the final-newline state stays as it was. */
function insertLine(text: string, after: number, content: string, eol: string): string {
  const lines = new Lines(text);
  if (after >= lines.count && !lines.terminated()) return `${text}${eol}${content}`;
  const at = lines.starts[Math.min(after, lines.count)] as number;
  return `${text.slice(0, at)}${content}${eol}${text.slice(at)}`;
}

/** Remove lines first..last whole; removing an unterminated last line takes the newline before it. */
function removeLines(text: string, first: number, last: number): string {
  const lines = new Lines(text);
  let start = lines.starts[first - 1] as number;
  const end = lines.starts[last] as number;
  if (end === text.length && !lines.terminated() && start > 0) {
    start -= text[start - 2] === "\r" ? 2 : 1;
  }
  return text.slice(0, start) + text.slice(end);
}

/** The line editor; null when the file's layout is not one it handles (toml-patch then does). */
function editByLines(text: string, plan: FilePlan): string | null {
  const bom = text.startsWith("\uFEFF") ? "\uFEFF" : "";
  let src = text.slice(bom.length);
  const eol = src.includes("\r\n") ? "\r\n" : "\n";
  for (const change of plan.changes) {
    const next =
      change.action === "delete" || change.after === undefined
        ? deleteKey(src, change.path)
        : setKey(src, change.path, change.after, change.insertAfter, eol, change);
    if (next === null) return null;
    src = next;
  }
  for (const path of [...plan.removeContainers].sort((a, b) => b.length - a.length)) {
    const next = removeEmptyTable(src, path);
    if (next === null) return null;
    src = next;
  }
  return bom + src;
}

function cstOf(text: string): Block[] {
  return new TomlDocument(text).cst as Block[];
}

function findKeyValue(blocks: Block[], path: KeyPath): KeyValueBlock | null {
  for (const { prefix, block } of walkCst(blocks)) {
    if (block.type === "KeyValue" && samePath([...prefix, ...block.key.value], path)) return block;
  }
  return null;
}

function findTable(blocks: Block[], path: KeyPath): TableBlock | null {
  for (const block of blocks) {
    if (block.type === "Table" && samePath(block.key.item.value, path)) return block;
  }
  return null;
}

/** Whole lines, nothing else on them but blanks and a comment: safe to remove as a unit. */
function ownsItsLines(lines: Lines, loc: Loc): boolean {
  const before = lines.line(loc.start.line).slice(0, loc.start.column);
  const after = lines.line(loc.end.line).slice(loc.end.column);
  return before.trim() === "" && /^\s*(#.*)?$/.test(after);
}

function deleteKey(text: string, path: KeyPath): string | null {
  const blocks = cstOf(text);
  const kv = findKeyValue(blocks, path);
  if (!kv) return getAtPath(parse(text) as JsonObject, path) === undefined ? text : null;
  const lines = new Lines(text);
  if (!ownsItsLines(lines, kv.loc)) return null;
  return removeLines(text, kv.loc.start.line, kv.loc.end.line);
}

function setKey(
  text: string,
  path: KeyPath,
  value: JsonValue,
  insertAfter: string | null | undefined,
  eol: string,
  restore: { raw?: string; rawKey?: string } = {},
): string | null {
  const raw = restore.raw;
  const blocks = cstOf(text);
  const lines = new Lines(text);
  const kv = findKeyValue(blocks, path);
  // A restore writes the value as the file had it (a date stays a date, '''x''' stays so);
  // the whole result is verified by parsing it back, so a wrong raw text is never written.
  const source = raw ?? formatTomlValue(value);
  if (kv) {
    const from = lines.offset(kv.value.loc.start);
    const to = lines.offset(kv.value.loc.end);
    const literal =
      raw === undefined &&
      text[from] === "'" &&
      typeof value === "string" &&
      /^[^'\p{Cc}]*$/u.test(value);
    return text.slice(0, from) + (literal ? `'${value}'` : source) + text.slice(to);
  }
  const doc = parse(text) as JsonObject;
  if (getAtPath(doc, path) !== undefined) return null;
  const parent = path.slice(0, -1);
  // The key as it was written (`key=`), when it is a single line of key and `=`.
  const keyText =
    raw !== undefined && restore.rawKey !== undefined && /^[^\r\n#]*=[ \t]*$/.test(restore.rawKey)
      ? restore.rawKey
      : `${formatKeyPath(path.slice(-1))} = `;
  const line = `${keyText}${source}`;
  if (parent.length === 0) {
    const top = blocks.filter((b) => b.type === "KeyValue");
    return insertLine(
      text,
      keyLineAfter(top, insertAfter) ?? topInsertionLine(blocks, lines),
      line,
      eol,
    );
  }
  const table = findTable(blocks, parent);
  if (table) {
    const kvs = table.items.filter((b) => b.type === "KeyValue");
    return insertLine(text, keyLineAfter(kvs, insertAfter) ?? table.key.loc.end.line, line, eol);
  }
  // Only a table of our own making: data there in another shape is toml-patch's to edit.
  if (getAtPath(doc, parent) !== undefined) return null;
  const header = `[${formatKeyPath(parent)}]`;
  const withHeader =
    text === ""
      ? `${header}${eol}`
      : lines.terminated()
        ? `${text}${eol}${header}${eol}`
        : `${text}${eol}${eol}${header}`;
  return insertLine(withHeader, new Lines(withHeader).count, line, eol);
}

/**
 * The line a new key goes after among a table's key/values: after `insertAfter` (a restore
 * puts a prior key back where it was), first for null, else after the last one. undefined
 * when there is no key/value to go by.
 */
function keyLineAfter(kvs: Block[], insertAfter: string | null | undefined): number | undefined {
  const keyed = kvs as KeyValueBlock[];
  if (keyed.length === 0) return undefined;
  if (insertAfter === null) return (keyed[0] as (typeof keyed)[0]).loc.start.line - 1;
  const prev =
    insertAfter === undefined ? undefined : keyed.find((k) => samePath(k.key.value, [insertAfter]));
  return (prev ?? (keyed[keyed.length - 1] as (typeof keyed)[0])).loc.end.line;
}

/**
 * With no top-level key yet: after the file's leading comments, but never between a table
 * and the comment lines right above it (they introduce it), nor after blank lines.
 */
function topInsertionLine(blocks: Block[], lines: Lines): number {
  const first = blocks.find((b) => b.type === "Table" || b.type === "TableArray");
  let n = first ? first.loc.start.line - 1 : lines.count;
  if (first) while (n > 0 && lines.line(n).trim().startsWith("#")) n--;
  while (n > 0 && lines.line(n).trim() === "") n--;
  return n;
}

/**
 * Drop a container neuradock created once it is empty: its header line, and the blank line
 * that was put before it. Comment lines a user added inside stay.
 */
function removeEmptyTable(text: string, path: KeyPath): string | null {
  const value = getAtPath(parse(text) as JsonObject, path);
  if (value === undefined || (isObject(value) && Object.keys(value).length > 0)) return text;
  const blocks = cstOf(text);
  const table = findTable(blocks, path);
  if (!table) {
    const kv = findKeyValue(blocks, path);
    // Nothing names it (a parent only implied by `[a.b]` headers): nothing to remove.
    if (!kv) return text;
    return ownsItsLines(new Lines(text), kv.loc)
      ? removeLines(text, kv.loc.start.line, kv.loc.end.line)
      : null;
  }
  if (table.items.some((b) => b.type !== "Comment")) return null;
  const lines = new Lines(text);
  const header = table.key.loc.start.line;
  if (!ownsItsLines(lines, table.key.loc)) return null;
  const blank = header > 1 && table.items.length === 0 && lines.line(header - 1) === "";
  return removeLines(text, blank ? header - 1 : header, header);
}

/** A value as TOML source: strings as basic strings, objects as inline tables. */
function formatTomlValue(value: JsonValue): string {
  if (typeof value === "string") {
    // JSON's escapes are TOML's, except that TOML wants DEL escaped too.
    return JSON.stringify(value).replace(/\u007f/g, "\\u007F");
  }
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "nan";
    if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
    return String(value);
  }
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(formatTomlValue).join(", ")}]`;
  if (isObject(value)) {
    const items = Object.entries(value).map(
      ([k, v]) => `${formatKeyPath([k])} = ${formatTomlValue(v)}`,
    );
    return items.length === 0 ? "{}" : `{ ${items.join(", ")} }`;
  }
  // null has no TOML form: leave it to the verification to refuse.
  throw new Error("no TOML form");
}
