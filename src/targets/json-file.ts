import {
  applyEdits,
  findNodeAtLocation,
  format,
  modify,
  type Node,
  type ParseError,
  parseTree,
  printParseErrorCode,
} from "jsonc-parser";
import type { FilePlan } from "../model/types.js";
import { jsonEqual } from "./doc-path.js";
import { findAt, jsonLocation, removeElementExactly } from "./json-element.js";
import { jsonSkeleton } from "./json-skeleton.js";
import { formatKeyPath } from "./key-path.js";
import { lineColAt, stripBom, targetErrorAt } from "./position.js";
import type { JsonObject, JsonValue, KeyPath } from "./types.js";

/** What a tool's JSON reader accepts beyond strict JSON. */
export interface JsonDialect {
  comments?: boolean;
  trailingCommas?: boolean;
}

/**
 * JSON as the tool reads it, root an object. Default strict (no comments, no trailing commas:
 * Claude Code rejects both); JSONC readers (opencode, Gemini CLI, Qwen Code) accept comments.
 */
export function parseJsonTarget(
  file: string,
  text: string,
  dialect: JsonDialect = {},
): { doc: JsonObject } {
  const body = stripBom(text);
  // An empty file (e.g. made with `touch`) reads as an empty object.
  if (body.trim() === "") return { doc: {} };
  refuseDeepNesting(file, body);
  const strict = strictJsonObject(body);
  if (strict) return { doc: strict };
  const errors: ParseError[] = [];
  const tree = parseTree(body, errors, {
    disallowComments: !dialect.comments,
    allowTrailingComma: dialect.trailingCommas ?? false,
    allowEmptyContent: false,
  });
  const first = errors[0];
  if (first) {
    const { line, col } = lineColAt(body, first.offset);
    throw targetErrorAt(
      file,
      line,
      col,
      `invalid JSON: ${describeParseError(printParseErrorCode(first.error))}`,
    );
  }
  if (tree?.type !== "object") {
    const { line, col } = lineColAt(body, tree?.offset ?? 0);
    throw targetErrorAt(file, line, col, "the top level must be a JSON object");
  }
  const duplicate = findDuplicateKey(tree);
  if (duplicate) {
    const { line, col } = lineColAt(body, duplicate.offset);
    throw targetErrorAt(
      file,
      line,
      col,
      `duplicate key ${JSON.stringify(shorten(String(duplicate.value)))} (JSON readers use only the last one); merge them into one`,
    );
  }
  return { doc: nodeToValue(tree) as JsonObject };
}

/** Deeper than any settings file needs; the editors' parser recurses once per level. */
const MAX_DEPTH = 512;

/**
 * Refuses text nested deeper than MAX_DEPTH (`[[[[…`), naming where: the parse tree and the
 * editors are recursive and would die of a stack overflow with no file named. Strings and
 * comments are skipped; anything else malformed is left to the parser to name.
 */
function refuseDeepNesting(file: string, body: string): void {
  let depth = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '"') {
      for (i++; i < body.length && body[i] !== '"'; i++) if (body[i] === "\\") i++;
    } else if (c === "/" && body[i + 1] === "/") {
      while (i < body.length && body[i] !== "\n") i++;
    } else if (c === "/" && body[i + 1] === "*") {
      const end = body.indexOf("*/", i + 2);
      i = end < 0 ? body.length : end + 1;
    } else if (c === "{" || c === "[") {
      if (++depth > MAX_DEPTH) {
        const { line, col } = lineColAt(body, i);
        throw targetErrorAt(file, line, col, `nested deeper than ${MAX_DEPTH} levels`);
      }
    } else if (c === "}" || c === "]") {
      depth--;
    }
  }
}

const STRING = /"[^"\\]*(?:\\[\s\S][^"\\]*)*"/y;
const COLON = /[ \t\r\n]*:/y;

/**
 * The fast path: a file that is plain JSON (most are) parsed by the engine's own JSON.parse,
 * with no parse tree. JSON.parse keeps the last of two equal keys silently, so the keys of
 * the text (strings followed by a colon) are counted against the members of the result: one
 * fewer means a duplicate, and the slow path then names it with its line. undefined = not
 * strict JSON, or not an object, or a duplicate: the slow path decides.
 */
function strictJsonObject(body: string): JsonObject | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return undefined;
  let members = 0;
  const stack: unknown[] = [doc];
  for (let v = stack.pop(); v !== undefined; v = stack.pop()) {
    if (v === null || typeof v !== "object") continue;
    const values = Object.values(v);
    if (!Array.isArray(v)) members += values.length;
    for (const child of values) if (child !== null && typeof child === "object") stack.push(child);
  }
  let keys = 0;
  for (let pos = body.indexOf('"'); pos >= 0; pos = body.indexOf('"', pos)) {
    STRING.lastIndex = pos;
    if (!STRING.test(body)) return undefined;
    pos = STRING.lastIndex;
    COLON.lastIndex = pos;
    if (COLON.test(body)) keys++;
  }
  return keys === members ? (doc as JsonObject) : undefined;
}

/**
 * The key node of the first repeated key in any object. Claude Code and Codex (JSON.parse)
 * read the last one while edits would find the first: a binding would silently do nothing.
 */
function findDuplicateKey(root: Node): Node | undefined {
  const stack = [root];
  for (let node = stack.pop(); node; node = stack.pop()) {
    if (node.type === "object") {
      const seen = new Set<string>();
      for (const prop of node.children ?? []) {
        const key = prop.children?.[0];
        if (!key) continue;
        const name = String(key.value);
        if (seen.has(name)) return key;
        seen.add(name);
      }
    }
    for (const child of node.children ?? []) stack.push(child);
  }
  return undefined;
}

function shorten(key: string): string {
  return key.length > 60 ? `${key.slice(0, 57)}...` : key;
}

/**
 * Throws a TargetError at the node of `path` unless it is absent or an object. Its values may
 * be anything: only the owned keys are ours, and a prior `null` there is given back as `null`.
 */
export function requireObjectAt(file: string, text: string, doc: JsonObject, path: KeyPath): void {
  requireAt(file, text, doc, path, "object");
}

/** Throws a TargetError at the node of `path` unless it is absent or an array. */
export function requireArrayAt(file: string, text: string, doc: JsonObject, path: KeyPath): void {
  requireAt(file, text, doc, path, "array");
}

function requireAt(
  file: string,
  text: string,
  doc: JsonObject,
  path: KeyPath,
  kind: "object" | "array",
): void {
  let value: JsonValue | undefined = doc;
  for (const key of path) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return;
    value = Object.hasOwn(value, key) ? value[key] : undefined;
  }
  if (value === undefined) return;
  const isArray = Array.isArray(value);
  if (kind === "array" ? isArray : value !== null && typeof value === "object" && !isArray) return;
  // Only now the position is needed: a parse tree to find it.
  const body = stripBom(text);
  const tree = parseTree(body);
  const node = tree ? findNodeAtLocation(tree, [...path]) : undefined;
  const { line, col } = lineColAt(body, node?.offset ?? 0);
  throw targetErrorAt(file, line, col, `"${path.join(".")}" must be an ${kind}`);
}

function describeParseError(code: string): string {
  const words: Record<string, string> = {
    InvalidSymbol: "unexpected character",
    InvalidNumberFormat: "invalid number",
    PropertyNameExpected: "property name expected (trailing comma?)",
    ValueExpected: "value expected (trailing comma?)",
    ColonExpected: "':' expected",
    CommaExpected: "',' expected",
    CloseBraceExpected: "'}' expected",
    CloseBracketExpected: "']' expected",
    EndOfFileExpected: "end of file expected",
    InvalidCommentToken: "comments are not allowed",
    UnexpectedEndOfComment: "unexpected end of comment",
    UnexpectedEndOfString: "unterminated string",
    UnexpectedEndOfNumber: "unexpected end of number",
    InvalidUnicode: "invalid unicode escape",
    InvalidEscapeCharacter: "invalid escape character",
    InvalidCharacter: "invalid character",
  };
  return words[code] ?? code;
}

// Built by hand rather than with getNodeValue so that a "__proto__" key stays a plain key.
function nodeToValue(node: Node): JsonValue {
  switch (node.type) {
    case "object": {
      const out: JsonObject = Object.create(null);
      for (const prop of node.children ?? []) {
        const [k, v] = prop.children ?? [];
        if (k && v) out[String(k.value)] = nodeToValue(v);
      }
      return Object.setPrototypeOf(out, Object.prototype) as JsonObject;
    }
    case "array":
      return (node.children ?? []).map(nodeToValue);
    default:
      return node.value as JsonValue;
  }
}

interface JsonFormat {
  insertSpaces: boolean;
  tabSize: number;
  eol: string;
  /** No line breaks at all: edits stay on one line too. */
  compact: boolean;
}

/** Indentation, line ending and layout as the file already uses them. */
export function detectJsonFormat(text: string): JsonFormat {
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  // The root object's own text: a comment line before it does not make a one-line file spread.
  const root = parseTree(text);
  const body =
    root?.type === "object" ? text.slice(root.offset, root.offset + root.length) : text.trim();
  const compact = body.length > 2 && !/[\r\n]/.test(body);
  const indent = /^([ \t]+)["{[\]}]/m.exec(text)?.[1];
  if (indent?.startsWith("\t")) return { insertSpaces: false, tabSize: 1, eol, compact };
  return { insertSpaces: true, tabSize: indent ? indent.length : 2, eol, compact };
}

/**
 * The planner asks these layout questions of one file several times: they are answered from
 * one skeleton of it (see json-skeleton.ts) that keeps the paths asked so far, not from a
 * parse of the whole file each time.
 */
let lastSkeleton: { text: string; paths: KeyPath[]; body: string; tree: Node | undefined } | null =
  null;

function skeletonTree(text: string, path: KeyPath): { body: string; tree: Node | undefined } {
  const covered = (paths: KeyPath[]) =>
    paths.some((p) => p.length <= path.length && p.every((k, i) => path[i] === k));
  if (lastSkeleton?.text !== text || !covered(lastSkeleton.paths)) {
    const paths = lastSkeleton?.text === text ? [...lastSkeleton.paths, path] : [path];
    const body = jsonSkeleton(stripBom(text), paths).text;
    lastSkeleton = { text, paths, body, tree: parseTree(body) };
  }
  return lastSkeleton;
}

/** The source text of the value at `path` and of its key and colon; undefined when absent. */
export function rawJsonValueAt(
  text: string,
  path: KeyPath,
): { raw: string; rawKey: string } | undefined {
  const { body, tree } = skeletonTree(text, path);
  const node = findAt(tree, path);
  // An array element has no key: its own text is all there is to keep.
  if (node?.parent?.type === "array") {
    return { raw: body.slice(node.offset, node.offset + node.length), rawKey: "" };
  }
  const key = node?.parent?.children?.[0];
  if (!node || !key) return undefined;
  return {
    raw: body.slice(node.offset, node.offset + node.length),
    rawKey: body.slice(key.offset, node.offset),
  };
}

/** The spacing inside the braces of the object at `path`, when it is one-line and not empty. */
export function inlineShapeAt(
  text: string,
  path: KeyPath,
): { open: string; close: string; comma?: string } | undefined {
  const { body, tree } = skeletonTree(text, path);
  const node = tree && path.length > 0 ? findNodeAtLocation(tree, [...path]) : undefined;
  const first = node?.children?.[0];
  const last = node?.children?.[node.children.length - 1];
  if (node?.type !== "object" || !first || !last) return undefined;
  const own = body.slice(node.offset, node.offset + node.length);
  if (/[\r\n]/.test(own)) return undefined;
  const second = node.children?.[1];
  const between = second ? body.slice(first.offset + first.length, second.offset) : "";
  return {
    open: body.slice(node.offset + 1, first.offset),
    close: body.slice(last.offset + last.length, node.offset + node.length - 1),
    ...(/^[ \t]*,[ \t]*$/.test(between) ? { comma: between.replace(/^[ \t]*,/, "") } : {}),
  };
}

/** The whitespace inside the object (or array) at `path` when it is empty (`{ }` gives " "). */
export function emptyObjectInner(text: string, path: KeyPath): string | undefined {
  const { body, tree } = skeletonTree(text, path);
  const node = tree && path.length > 0 ? findAt(tree, path) : tree;
  if (!isContainer(node) || (node.children?.length ?? 0) > 0) return undefined;
  const inner = body.slice(node.offset + 1, node.offset + node.length - 1);
  return /^[ \t\r\n]*$/.test(inner) ? inner : undefined;
}

/**
 * Format-preserving edit: each change is a minimal text edit (jsonc-parser modify), so bytes
 * outside the owned keys stay as they were. null = the file is to be deleted.
 *
 * The edits are made on the file's skeleton (json-skeleton.ts: every value off the changed
 * paths swapped for a placeholder), so each one re-parses only the owned part of the file,
 * then the hidden values go back in. One scan of the file, whatever its size or the number
 * of keys changed.
 */
export function applyJsonPlan(
  text: string | null,
  plan: FilePlan,
  { skeleton: useSkeleton = true }: { skeleton?: boolean } = {},
): string | null {
  if (plan.deleteFile) return null;
  const created = text === null || text.trim() === "";
  const bom = text?.charCodeAt(0) === 0xfeff ? "\uFEFF" : "";
  const body = created ? "{}" : (text as string).slice(bom.length);
  const fmt = created
    ? { insertSpaces: true, tabSize: 2, eol: "\n", compact: false }
    : detectJsonFormat(body);
  const skeleton = useSkeleton
    ? jsonSkeleton(body, [...plan.changes.map((c) => c.path), ...plan.removeContainers])
    : { text: body, expand: (edited: string) => edited };
  const edited = editJson(skeleton.text, plan, fmt);
  if (edited === null) return bom + (plan.blankText ?? "");
  const out = skeleton.expand(edited) ?? editJson(body, plan, fmt);
  if (out === null) return bom + (plan.blankText ?? "");
  return bom + (created ? out + fmt.eol : out);
}

/** The changes of `plan` made one after the other; null = the root object is to be blanked. */
function editJson(text: string, plan: FilePlan, fmt: JsonFormat): string | null {
  let out = text;
  const formattingOptions = fmt.compact
    ? undefined
    : { insertSpaces: fmt.insertSpaces, tabSize: fmt.tabSize, eol: fmt.eol };
  const edit = (
    path: KeyPath,
    value: JsonValue | undefined,
    insertAfter?: string | null,
    raw?: { raw?: string; rawKey?: string },
  ) => {
    out =
      value === undefined
        ? removeExactly(out, path)
        : withRaw(
            (plan.inline && intoEmptyInline(out, path, value, plan.inline)) ??
              setExactly(
                out,
                path,
                value,
                formattingOptions,
                insertAfter,
                plan.inline?.[formatKeyPath(path.slice(0, -1))]?.comma,
              ),
            path,
            value,
            raw,
          );
    if (value === undefined) out = collapseEmptyParent(out, path, plan.layouts);
  };
  for (const change of plan.changes) {
    edit(
      change.path,
      change.action === "delete" ? undefined : change.after,
      change.insertAfter,
      change.action === "create" ? change : { raw: change.raw },
    );
  }
  const containers = [...plan.removeContainers].sort((a, b) => b.length - a.length);
  for (const path of containers) if (path.length > 0) edit(path, undefined);
  // The root object itself is neuradock's (the file was blank before): blank it again.
  if (plan.removeContainers.some((p) => p.length === 0) && /^\{\s*\}\s*$/.test(out.trim())) {
    return null;
  }
  return out;
}

type FormattingOptions = { insertSpaces: boolean; tabSize: number; eol: string };

/**
 * Set a value with a minimal edit. jsonc-parser's own formatting re-formats whole lines
 * around an insertion (an inline sibling such as `"statusLine": { … }` would be spread over
 * lines), so the raw edit is formatted here over exactly the inserted text.
 */
function setExactly(
  text: string,
  path: KeyPath,
  value: JsonValue,
  formattingOptions: FormattingOptions | undefined,
  insertAfter: string | null | undefined,
  comma?: string,
): string {
  const [raw] = modify(text, jsonLocation(parseTree(text), path), value, {
    getInsertionIndex:
      insertAfter === undefined
        ? undefined
        : (props) => (insertAfter === null ? 0 : positionAfter(props, insertAfter)),
  });
  if (!raw) return text;
  const inline = inlineInsertion(text, path, raw, comma) ?? inlineAppend(text, path, value, raw);
  if (inline !== null) return inline;
  if (!formattingOptions) {
    // A one-line file: the new text follows its spacing (jsonc-parser always writes `": "`).
    return applyEdits(text, [{ ...raw, content: respace(raw.content, compactSpacing(text)) }]);
  }
  const next = applyEdits(text, [raw]);
  if (raw.length > 0) {
    // A replaced value: exactly its own bytes change (the spacing around it is the user's);
    // an object or array is spread over lines only where its parent already is.
    if (value === null || typeof value !== "object") return next;
    const tree = parseTree(text);
    const parent = tree && path.length > 1 ? findAt(tree, path.slice(0, -1)) : tree;
    const own = parent ? text.slice(parent.offset, parent.offset + parent.length) : text;
    if (!/[\r\n]/.test(own)) {
      return applyEdits(text, [
        { ...raw, content: respace(raw.content, compactSpacing(text, parent)) },
      ]);
    }
  }
  const end = raw.offset + raw.content.length;
  // Into an empty `{}`: the closing brace needs its own line too.
  const closes = raw.length === 0 && (next[end] === "}" || next[end] === "]");
  // An insertion is formatted from the character before it (its line break and indent); a
  // replaced value only within itself.
  const from = raw.length > 0 ? raw.offset : Math.max(0, raw.offset - 1);
  const range = { offset: from, length: end - from + (closes ? 1 : 0) };
  return applyEdits(next, format(next, range, { ...formattingOptions, keepLines: false }));
}

/**
 * A new key in an existing one-line object (`"env": { "A": "1" }`) stays on that line:
 * `, "KEY": value` (or `,"KEY":value` where the object is written without spaces).
 */
function inlineInsertion(
  text: string,
  path: KeyPath,
  raw: { offset: number; length: number; content: string },
  comma?: string,
): string | null {
  // Only an insertion can be inline; a replaced value needs no second parse of the file.
  if (raw.length !== 0) return null;
  const tree = parseTree(text);
  const parent = tree && path.length > 1 ? findNodeAtLocation(tree, [...path.slice(0, -1)]) : tree;
  if (parent?.type !== "object" || !parent.children?.length) return null;
  const own = text.slice(parent.offset, parent.offset + parent.length);
  if (/[\r\n]/.test(own)) return null;
  const key = JSON.stringify(path[path.length - 1]);
  const m = /^(,?)(.*?)(,?)$/s.exec(raw.content);
  if (!m || m[2] === undefined || !m[2].startsWith(key)) return null;
  const value = m[2].slice(key.length).replace(/^:\s*/, "");
  const sp = compactSpacing(text, parent);
  // After a comma, the object's own spacing when it has two pairs to go by (`"a":1, "b":2`).
  const [first, second] = parent.children;
  const between =
    first && second ? text.slice(first.offset + first.length, second.offset) : undefined;
  const csp =
    comma ??
    (between !== undefined && /^\s*,[ \t]*$/.test(between) ? between.replace(/^\s*,/, "") : sp);
  const property = `${key}:${sp}${value}`;
  const content = m[1] ? `,${csp}${property}` : `${property},${csp}`;
  return text.slice(0, raw.offset) + content + text.slice(raw.offset);
}

/**
 * A new element at the end of an existing one-line array (`"openai": [{ "id": "a" }]`) stays on
 * that line, `, {…}` after the last element and spaced as the array is, so removing it (with the
 * separator before it) gives back the very bytes; jsonc-parser would spread the array over lines.
 */
function inlineAppend(
  text: string,
  path: KeyPath,
  value: JsonValue,
  raw: { offset: number; length: number },
): string | null {
  if (raw.length !== 0 || path.length < 2) return null;
  const parent = findAt(parseTree(text), path.slice(0, -1));
  const last = parent?.children?.at(-1);
  if (parent?.type !== "array" || !last) return null;
  const own = text.slice(parent.offset, parent.offset + parent.length);
  if (/[\r\n]/.test(own)) return null;
  const sp = compactSpacing(own);
  const [first, second] = parent.children ?? [];
  const between =
    first && second ? text.slice(first.offset + first.length, second.offset) : undefined;
  const csp =
    between !== undefined && /^\s*,[ \t]*$/.test(between) ? between.replace(/^\s*,/, "") : sp;
  const at = last.offset + last.length;
  return `${text.slice(0, at)},${csp}${stringifyCompact(value, sp)}${text.slice(at)}`;
}

/**
 * " " when `"a": 1, "b": 2` is written with spaces (inside `node`, first its own pairs, else
 * the whole file), "" when it is written `"a":1,"b":2` or there is no pair to go by.
 */
function compactSpacing(text: string, node?: Node): string {
  const own = node?.children?.find((c) => c.type === "property" && c.colonOffset !== undefined);
  const tree = own ?? parseTree(text);
  const stack = tree ? [tree] : [];
  for (let node = stack.pop(); node; node = stack.pop()) {
    if (node.type === "property" && node.colonOffset !== undefined) {
      return /\s/.test(text[node.colonOffset + 1] ?? "") ? " " : "";
    }
    stack.push(...(node.children ?? []));
  }
  return "";
}

/**
 * jsonc-parser's insertion text (`,"k": v`, `"k": v,` or a bare value, v as JSON.stringify
 * wrote it) with `:` and `,` spaced as the file does.
 */
function respace(content: string, sp: string): string {
  const m = /^(,?)("(?:[^"\\]|\\.)*")\s*:\s*(.*?)(,?)$/s.exec(content);
  const value = (json: string) => {
    try {
      return stringifyCompact(JSON.parse(json) as JsonValue, sp);
    } catch {
      return json;
    }
  };
  if (!m) return value(content);
  const [, before, key, json, after] = m as unknown as [string, string, string, string, string];
  return `${before ? `,${sp}` : ""}${key}:${sp}${value(json)}${after ? `,${sp}` : ""}`;
}

function stringifyCompact(value: JsonValue, sp: string): string {
  if (Array.isArray(value)) return `[${value.map((v) => stringifyCompact(v, sp)).join(`,${sp}`)}]`;
  if (value !== null && typeof value === "object") {
    const pairs = Object.entries(value).map(
      ([k, v]) => `${JSON.stringify(k)}:${sp}${stringifyCompact(v, sp)}`,
    );
    return `{${pairs.join(`,${sp}`)}}`;
  }
  return JSON.stringify(value);
}

/** Remove a property without touching the bytes around it (no re-formatting). */
function removeExactly(text: string, path: KeyPath): string {
  const node = findAt(parseTree(text), path);
  if (node?.parent?.type === "array") return removeElementExactly(text, node);
  const prop = node?.parent;
  const parent = prop?.parent;
  if (!prop || parent?.type !== "object" || !parent.children) return text;
  const i = parent.children.indexOf(prop);
  const next = parent.children[i + 1];
  if (i === 0 && next) {
    // First of several: drop it and its comma, keep the whitespace that led to it.
    return text.slice(0, prop.offset) + text.slice(next.offset);
  }
  const [raw] = modify(text, [...path], undefined, {});
  return raw ? applyEdits(text, [raw]) : text;
}

function positionAfter(props: string[], key: string): number {
  const i = props.indexOf(key);
  return i < 0 ? props.length : i + 1;
}

/**
 * A key put back into an object that was one line (`"env": {"A": "1"}`) and is empty now:
 * back on that line, with the spacing it had inside its braces.
 */
function intoEmptyInline(
  text: string,
  path: KeyPath,
  value: JsonValue,
  inline: Record<string, { open: string; close: string }>,
): string | undefined {
  if (path.length < 2) return undefined;
  const shape = inline[formatKeyPath(path.slice(0, -1))];
  const tree = parseTree(text);
  const node = tree ? findNodeAtLocation(tree, [...path.slice(0, -1)]) : undefined;
  if (!shape || node?.type !== "object" || (node.children?.length ?? 0) > 0) return undefined;
  const own = text.slice(node.offset + 1, node.offset + node.length - 1);
  if (own.trim() !== "") return undefined;
  const pair = `${JSON.stringify(path[path.length - 1])}: ${JSON.stringify(value)}`;
  return `${text.slice(0, node.offset)}{${shape.open}${pair}${shape.close}}${text.slice(node.offset + node.length)}`;
}

/**
 * The value just written at `path`, re-typed as its source text from before (a restore):
 * `[1,{"a":null}]` comes back with its own spacing. Used only when it is that very value.
 */
function withRaw(
  text: string,
  path: KeyPath,
  value: JsonValue,
  source: { raw?: string; rawKey?: string } | undefined,
): string {
  const raw = source?.raw;
  if (raw === undefined) return text;
  const errors: ParseError[] = [];
  const parsed = parseTree(raw, errors, { disallowComments: true, allowTrailingComma: false });
  if (errors.length > 0 || !parsed || !jsonEqual(nodeToValue(parsed), value)) return text;
  const node = findAt(parseTree(text), path);
  if (node?.parent?.type === "array") {
    return text.slice(0, node.offset) + raw + text.slice(node.offset + node.length);
  }
  const key = node?.parent?.children?.[0];
  if (!node || !key) return text;
  // The key as it was written (`"k" : `), when it is that key and a colon, nothing else.
  const m =
    source?.rawKey === undefined ? null : /^("(?:[^"\\]|\\.)*")(\s*:\s*)$/.exec(source.rawKey);
  const sameKey = m?.[1] !== undefined && JSON.parse(m[1]) === path[path.length - 1];
  const from = sameKey ? key.offset : node.offset;
  const lead = sameKey ? (source?.rawKey as string) : "";
  return text.slice(0, from) + lead + raw + text.slice(node.offset + node.length);
}

/**
 * Once the last property of an object goes, its inside is what it was before neuradock wrote
 * there (`{ }`, `{\n  }`, recorded in the ledger), else `{}` (jsonc-parser would leave `{\n  }`).
 */
function collapseEmptyParent(
  text: string,
  removed: KeyPath,
  layouts: Record<string, string> | undefined,
): string {
  const tree = parseTree(text);
  if (!tree) return text;
  const parentPath = removed.slice(0, -1);
  const parent = parentPath.length > 0 ? findAt(tree, parentPath) : tree;
  if (!isContainer(parent) || (parent.children?.length ?? 0) > 0) return text;
  const inner = text.slice(parent.offset + 1, parent.offset + parent.length - 1);
  if (inner.trim() !== "") return text;
  const recorded = layouts?.[formatKeyPath(parentPath)];
  const want = recorded !== undefined && /^[ \t\r\n]*$/.test(recorded) ? recorded : "";
  return `${text.slice(0, parent.offset + 1)}${want}${text.slice(parent.offset + parent.length - 1)}`;
}

function isContainer(node: Node | undefined): node is Node {
  return node?.type === "object" || node?.type === "array";
}
