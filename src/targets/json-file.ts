import {
  applyEdits,
  findNodeAtLocation,
  modify,
  type Node,
  type ParseError,
  parseTree,
  printParseErrorCode,
} from "jsonc-parser";
import type { FilePlan } from "../plan/types.js";
import { lineColAt, targetErrorAt } from "./position.js";
import type { JsonObject, JsonValue, KeyPath } from "./types.js";

/** Strict JSON (no comments, no trailing commas: Claude Code rejects both), root an object. */
export function parseJsonTarget(
  file: string,
  text: string,
): { doc: JsonObject; tree: Node | null } {
  // An empty file (e.g. made with `touch`) reads as an empty object.
  if (stripBom(text).trim() === "") return { doc: {}, tree: null };
  const errors: ParseError[] = [];
  const tree = parseTree(stripBom(text), errors, {
    disallowComments: true,
    allowTrailingComma: false,
    allowEmptyContent: false,
  });
  const first = errors[0];
  if (first) {
    const { line, col } = lineColAt(stripBom(text), first.offset);
    throw targetErrorAt(
      file,
      line,
      col,
      `invalid JSON: ${describeParseError(printParseErrorCode(first.error))}`,
    );
  }
  if (tree?.type !== "object") {
    const { line, col } = lineColAt(text, tree?.offset ?? 0);
    throw targetErrorAt(file, line, col, "the top level must be a JSON object");
  }
  return { doc: nodeToValue(tree) as JsonObject, tree };
}

/**
 * Throws a TargetError at the node of `path` unless it is absent or an object. Its values may
 * be anything: only the owned keys are ours, and a prior `null` there is given back as `null`.
 */
export function requireObjectAt(
  file: string,
  text: string,
  tree: Node | null,
  path: KeyPath,
): void {
  const node = tree ? findNodeAtLocation(tree, [...path]) : undefined;
  if (!node || node.type === "object") return;
  const { line, col } = lineColAt(stripBom(text), node.offset);
  throw targetErrorAt(file, line, col, `"${path.join(".")}" must be an object`);
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

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
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
  const body = text.trim();
  const compact = body.length > 2 && !/[\r\n]/.test(body);
  const indent = /^([ \t]+)["{[\]}]/m.exec(text)?.[1];
  if (indent?.startsWith("\t")) return { insertSpaces: false, tabSize: 1, eol, compact };
  return { insertSpaces: true, tabSize: indent ? indent.length : 2, eol, compact };
}

/**
 * Format-preserving edit: each change is a minimal text edit (jsonc-parser modify), so bytes
 * outside the owned keys stay as they were. null = the file is to be deleted.
 */
export function applyJsonPlan(text: string | null, plan: FilePlan): string | null {
  if (plan.deleteFile) return null;
  const created = text === null || text.trim() === "";
  const bom = text?.charCodeAt(0) === 0xfeff ? "\uFEFF" : "";
  let out = created ? "{}" : (text as string).slice(bom.length);
  const fmt = created
    ? { insertSpaces: true, tabSize: 2, eol: "\n", compact: false }
    : detectJsonFormat(out);
  const formattingOptions = fmt.compact
    ? undefined
    : { insertSpaces: fmt.insertSpaces, tabSize: fmt.tabSize, eol: fmt.eol };
  const edit = (path: KeyPath, value: JsonValue | undefined, insertAfter?: string | null) => {
    const edits = modify(out, [...path], value, {
      formattingOptions,
      getInsertionIndex:
        insertAfter === undefined
          ? undefined
          : (props) => (insertAfter === null ? 0 : positionAfter(props, insertAfter)),
    });
    out = applyEdits(out, edits);
    if (value === undefined) out = collapseEmptyParent(out, path);
  };
  for (const change of plan.changes) {
    edit(change.path, change.action === "delete" ? undefined : change.after, change.insertAfter);
  }
  const containers = [...plan.removeContainers].sort((a, b) => b.length - a.length);
  for (const path of containers) edit(path, undefined);
  if (created) out += fmt.eol;
  return bom + out;
}

function positionAfter(props: string[], key: string): number {
  const i = props.indexOf(key);
  return i < 0 ? props.length : i + 1;
}

// jsonc-parser leaves `{\n  }` when the last property goes; files almost always had `{}`.
function collapseEmptyParent(text: string, removed: KeyPath): string {
  const tree = parseTree(text);
  if (!tree) return text;
  const parent = removed.length > 1 ? findNodeAtLocation(tree, [...removed.slice(0, -1)]) : tree;
  if (parent?.type !== "object" || (parent.children?.length ?? 0) > 0) return text;
  const inner = text.slice(parent.offset + 1, parent.offset + parent.length - 1);
  if (inner.length === 0 || inner.trim() !== "") return text;
  return `${text.slice(0, parent.offset + 1)}${text.slice(parent.offset + parent.length - 1)}`;
}
