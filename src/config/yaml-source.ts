import type { Document, Node } from "yaml";
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from "yaml";

/** A path into the parsed document: map keys and sequence indexes. */
export type DocPath = readonly (string | number)[];

/** A problem located by document path; turned into file:line:col once, in one place. */
export interface PathProblem {
  path: DocPath;
  /** Point at the key of the last segment (unknown key, bad id) rather than its value. */
  at?: "key" | "value";
  message: string;
}

export interface Position {
  line: number;
  col: number;
}

/** A problem that already knows its position (YAML syntax). */
export interface PosProblem extends Position {
  message: string;
}

export const MAX_CONFIG_BYTES = 1024 * 1024;
/** Aliases are legitimate YAML, but thousands of them are an expansion ("billion laughs") attack. */
export const MAX_ALIAS_COUNT = 100;

/** Deeper than this is no config, and every recursive walk over it would risk the stack. */
export const MAX_DEPTH = 64;

export interface YamlSource {
  doc: Document.Parsed;
  lineCounter: LineCounter;
  problems: PosProblem[];
  /** The plain JS value, or undefined when syntax problems prevent it. */
  data: unknown;
}

/** Parse YAML text keeping node ranges; every problem gets a line:col and no source excerpt. */
export function parseYamlSource(text: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems: PosProblem[] = [];
  for (const e of [...doc.errors, ...doc.warnings]) {
    // Where a stack overflow struck depends on the Node version: point at the nesting instead.
    const at = /maximum call stack/i.test(e.message) ? (deepFlowOffset(text) ?? 0) : e.pos[0];
    const pos = lineCounter.linePos(at);
    problems.push({ ...pos, message: describeYamlError(e.code, e.message, text, e.pos) });
  }
  const deep = problems.length === 0 ? findTooDeep(doc.contents) : undefined;
  if (deep) {
    const pos = deep.range ? lineCounter.linePos(deep.range[0]) : { line: 1, col: 1 };
    problems.push({
      ...pos,
      message: `the YAML nests more than ${MAX_DEPTH} levels deep here; neuradock.yaml needs only a few`,
    });
  }
  const cycle = problems.length === 0 ? findCyclicAlias(doc) : undefined;
  if (cycle) {
    const pos = cycle.range ? lineCounter.linePos(cycle.range[0]) : { line: 1, col: 1 };
    problems.push({ ...pos, message: "an alias refers to a node that contains it (a cycle)" });
  }
  let data: unknown;
  if (problems.length === 0) {
    try {
      data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      const alias = firstAlias(doc);
      const pos = alias?.range ? lineCounter.linePos(alias.range[0]) : { line: 1, col: 1 };
      const msg = err instanceof Error ? err.message : String(err);
      problems.push({
        ...pos,
        message: /excessive alias count/i.test(msg)
          ? `too many alias expansions (more than ${MAX_ALIAS_COUNT}); refusing a possible alias bomb`
          : /unresolved alias/i.test(msg)
            ? "alias refers to an anchor that is not defined before it"
            : "invalid YAML",
      });
    }
  }
  return { doc, lineCounter, problems, data };
}

// The yaml package's messages are fine but some mention its API; none may quote the source.
function describeYamlError(
  code: string,
  message: string,
  text: string,
  pos: [number, number],
): string {
  switch (code) {
    case "DUPLICATE_KEY": {
      // pos covers only the start of the key; read the whole (simple) key from the source.
      const key = /^["']?([\w.-]{1,40})["']?\s*:/.exec(text.slice(pos[0], pos[0] + 60))?.[1];
      return key ? `duplicate key '${key}'` : "duplicate key";
    }
    case "MULTIPLE_DOCS":
      return "the file holds more than one YAML document (---); neuradock reads exactly one";
    case "TAB_AS_INDENT":
      return "tabs are not allowed as indentation in YAML; indent with spaces";
    default:
      // The parser itself recurses: a pathologically deep file overflows its stack.
      if (/maximum call stack/i.test(message))
        return `the YAML nests too deeply to read (more than ${MAX_DEPTH} levels); neuradock.yaml needs only a few`;
      return `YAML syntax error: ${message.split("\n")[0]?.replace(/ at line \d+, column \d+.*$/, "")}`;
  }
}

/**
 * An alias inside the very node it names (`a: &x { b: *x }`): toJS builds a circular value
 * that every later walk over the config would recurse into forever. Each node is expanded
 * once (a finished one is not walked again), so an alias bomb costs no more than its text.
 */
function findCyclicAlias(doc: Document.Parsed): Node | undefined {
  const open = new Set<unknown>();
  const done = new Set<unknown>();
  const visit = (n: unknown): Node | undefined => {
    if (!n || done.has(n)) return undefined;
    if (isAlias(n)) {
      const target = n.resolve(doc);
      if (open.has(target)) return n;
      return visit(target);
    }
    open.add(n);
    let found: Node | undefined;
    if (isMap(n) || isSeq(n)) {
      for (const item of n.items) if (!found) found = visit(item);
    } else if (isPair(n)) {
      found = visit(n.key) ?? visit(n.value);
    }
    open.delete(n);
    done.add(n);
    return found;
  };
  return visit(doc.contents);
}

/** Offset of the first flow bracket nested deeper than MAX_DEPTH (quotes not understood: a hint only). */
function deepFlowOffset(text: string): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "[" || c === "{") {
      depth++;
      if (depth > MAX_DEPTH) return i;
    } else if (c === "]" || c === "}") {
      depth = Math.max(0, depth - 1);
    }
  }
  return undefined;
}

/** The first node nested deeper than MAX_DEPTH (walked with an explicit stack, not recursion). */
function findTooDeep(root: unknown): Node | undefined {
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [n, depth] = stack.pop() as [unknown, number];
    if (isMap(n) || isSeq(n)) {
      if (depth > MAX_DEPTH) return n;
      for (const item of n.items) stack.push([item, depth + 1]);
    } else if (isPair(n)) {
      stack.push([n.key, depth], [n.value, depth]);
    }
  }
  return undefined;
}

function firstAlias(doc: Document.Parsed): Node | undefined {
  let found: Node | undefined;
  const walk = (n: unknown): void => {
    if (found || !n) return;
    if (isAlias(n)) {
      found = n;
    } else if (isMap(n) || isSeq(n)) {
      for (const item of n.items) walk(item);
    } else if (isPair(n)) {
      walk(n.key);
      walk(n.value);
    }
  };
  walk(doc.contents);
  return found;
}

/** line:col of the node at `path` (its key when `at` is "key"); the nearest existing ancestor otherwise. */
export function positionOf(
  src: YamlSource,
  path: DocPath,
  at: "key" | "value" = "value",
): Position {
  const { doc, lineCounter } = src;
  let node: unknown = doc.contents;
  let keyNode: unknown;
  let best: unknown = doc.contents;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (isAlias(node)) node = node.resolve(doc);
    let nextKey: unknown;
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      nextKey = pair.key;
      next = pair.value;
    } else if (isSeq(node) && /^\d+$/.test(String(seg))) {
      next = node.items[Number(seg)];
      if (next === undefined) break;
    } else {
      break;
    }
    keyNode = nextKey;
    node = next;
    const last = i === path.length - 1;
    // A key with no value (`url:`) has no value node: fall back to its key.
    best = last && at === "key" ? (keyNode ?? node) : (node ?? keyNode);
    if (node === null || node === undefined) {
      best = keyNode;
      if (!last) break;
    }
  }
  const range = (best as { range?: [number, number, number] } | null)?.range;
  if (!range) return { line: 1, col: 1 };
  return lineCounter.linePos(range[0]);
}
