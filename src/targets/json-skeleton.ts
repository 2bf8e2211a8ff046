import type { KeyPath } from "./types.js";

/**
 * A JSON(C) document with every value off the kept paths swapped for a short placeholder:
 * the keys, commas, comments and whitespace of the objects on the kept paths stay exactly as
 * they are, so their offsets, spacing and layout read the same as in the file. The editor and
 * the planner's layout questions work on this text instead of the whole file: one scan of the
 * file (no parse tree of it), then parses of a text as small as the owned keys.
 *
 * A value on a kept path is kept whole (an owned object with everything in it, or an array:
 * an editor that owns one element of an array keeps the array's path), and so is everything
 * under it. `expand` puts the hidden values back into an edited skeleton.
 */
export interface JsonSkeleton {
  text: string;
  /** The skeleton after edits, with the hidden values back; undefined if a placeholder moved. */
  expand(edited: string): string | undefined;
}

/** Values shorter than this are left in place: a placeholder would save nothing. */
const MIN_HIDDEN = 64;

interface Trie {
  keep: boolean;
  children: Map<string, Trie>;
}

function trieOf(paths: readonly KeyPath[]): Trie {
  const root: Trie = { keep: false, children: new Map() };
  for (const path of paths) {
    let node = root;
    for (const key of path) {
      let next = node.children.get(key);
      if (!next) {
        next = { keep: false, children: new Map() };
        node.children.set(key, next);
      }
      node = next;
    }
    node.keep = true;
  }
  return root;
}

class Unexpected extends Error {}

/** The last line of a value spread over lines, when it is only its closing bracket. */
const LAST_LINE = /(\r\n|\r|\n)([ \t]*)([}\]])$/;
const FIRST_BREAK = /\r\n|\r|\n/;

/**
 * A value on one line, or one whose last line is its closing bracket alone: the editor
 * formats an insertion from the line it follows, so that line must read the same.
 */
function hideable(text: string, from: number, to: number): boolean {
  const value = text.substring(from, to);
  return !/[\r\n]/.test(value) || LAST_LINE.test(value);
}

const TRIVIA = /(?:[ \t\r\n\f\v\uFEFF]+|\/\/[^\r\n]*|\/\*[\s\S]*?\*\/)*/y;
const STRING = /"[^"\\]*(?:\\[\s\S][^"\\]*)*"/y;
const SCALAR = /[^\s,:\]}{[/"]+/y;
const PLAIN = /[^"{}[\]/]+/y;
const COMMENT = /\/\/[^\r\n]*|\/\*[\s\S]*?\*\//y;

function skipTrivia(text: string, pos: number): number {
  TRIVIA.lastIndex = pos;
  TRIVIA.test(text);
  return TRIVIA.lastIndex;
}

function sticky(re: RegExp, text: string, pos: number): number {
  re.lastIndex = pos;
  if (!re.test(text)) throw new Unexpected();
  return re.lastIndex;
}

/** The end of the value that starts at `pos` (strings, comments and brackets honoured). */
function skipValue(text: string, pos: number): number {
  const ch = text[pos];
  if (ch === '"') return sticky(STRING, text, pos);
  if (ch !== "{" && ch !== "[") return sticky(SCALAR, text, pos);
  let depth = 0;
  for (;;) {
    const c = text[pos];
    if (c === undefined) throw new Unexpected();
    if (c === '"') pos = sticky(STRING, text, pos);
    else if (c === "/") pos = sticky(COMMENT, text, pos);
    else if (c === "{" || c === "[") {
      depth++;
      pos++;
    } else if (c === "}" || c === "]") {
      depth--;
      pos++;
      if (depth === 0) return pos;
    } else pos = sticky(PLAIN, text, pos);
  }
}

/**
 * The skeleton of `text` (no byte-order mark) keeping `paths`. Text it cannot follow (not a
 * JSON object) gives the text itself: the callers then work on the whole file as before.
 */
export function jsonSkeleton(text: string, paths: readonly KeyPath[]): JsonSkeleton {
  const hidden: [number, number][] = [];
  try {
    const walkObject = (pos: number, at: Trie): number => {
      pos++;
      for (;;) {
        pos = skipTrivia(text, pos);
        if (text[pos] === "}") return pos + 1;
        const keyEnd = sticky(STRING, text, pos);
        const child = at.children.get(JSON.parse(text.slice(pos, keyEnd)) as string);
        pos = skipTrivia(text, keyEnd);
        if (text[pos] !== ":") throw new Unexpected();
        const start = skipTrivia(text, pos + 1);
        if (child && !child.keep && text[start] === "{") pos = walkObject(start, child);
        else {
          pos = skipValue(text, start);
          if (!child && pos - start > MIN_HIDDEN && hideable(text, start, pos)) {
            hidden.push([start, pos]);
          }
        }
        pos = skipTrivia(text, pos);
        if (text[pos] === ",") pos++;
        else if (text[pos] !== "}") throw new Unexpected();
      }
    };
    const trie = trieOf(paths);
    const start = skipTrivia(text, 0);
    if (text[start] !== "{" || trie.keep) return whole(text);
    const end = walkObject(start, trie);
    if (skipTrivia(text, end) !== text.length) throw new Unexpected();
  } catch (e) {
    if (e instanceof Unexpected || e instanceof SyntaxError) return whole(text);
    throw e;
  }
  if (hidden.length === 0) return whole(text);

  // A marker the file does not hold; `expand` checks that no edit wrote it either.
  let n = 0;
  while (text.includes(`@nd${n}~`)) n++;
  const marker = `@nd${n}~`;
  const placeholders = hidden.map(([from, to], i) => {
    const value = text.substring(from, to);
    const end = LAST_LINE.exec(value);
    if (!end) return `"${marker}${i}"`;
    // A value spread over lines stays so (its parent is "multi-line" for the layout checks),
    // with its first line break (jsonc-parser's formatter takes the file's first one) and its
    // last line (indent and bracket): an insertion after it is indented from that line.
    const first = FIRST_BREAK.exec(value) as RegExpExecArray;
    const breaks = first.index === end.index ? end[1] : first[0] + end[1];
    const open = end[3] === "}" ? `{"${marker}${i}":0` : `["${marker}${i}"`;
    return `${open}${breaks}${end[2]}${end[3]}`;
  });
  const parts: string[] = [];
  let last = 0;
  hidden.forEach(([from, to], i) => {
    parts.push(text.slice(last, from), placeholders[i] as string);
    last = to;
  });
  parts.push(text.slice(last));
  return {
    text: parts.join(""),
    expand(edited: string): string | undefined {
      // Every placeholder once, in order, and the marker nowhere else (no edit wrote it).
      if (edited.split(marker).length !== hidden.length + 1) return undefined;
      const out: string[] = [];
      let at = 0;
      for (let i = 0; i < hidden.length; i++) {
        const ph = placeholders[i] as string;
        const found = edited.indexOf(ph, at);
        if (found < 0) return undefined;
        const [from, to] = hidden[i] as [number, number];
        out.push(edited.slice(at, found), text.slice(from, to));
        at = found + ph.length;
      }
      out.push(edited.slice(at));
      return out.join("");
    },
  };
}

function whole(text: string): JsonSkeleton {
  return { text, expand: (edited) => edited };
}
