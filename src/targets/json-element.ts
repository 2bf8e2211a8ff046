import { findNodeAtLocation, type Node, type Segment } from "jsonc-parser";
import { elementSelector } from "./key-path.js";
import type { KeyPath } from "./types.js";

/**
 * Where a key path is in a JSON tree, as jsonc-parser names it: an element segment
 * (`[envKey=NAME]`, see key-path.ts) under an array becomes the index of the first object whose
 * string `field` is `value`, or -1 when there is none (jsonc-parser's "append"); under a
 * missing parent it is -1 too (modify then creates the array).
 */
export function jsonLocation(tree: Node | undefined, path: KeyPath): Segment[] {
  const out: Segment[] = [];
  let node: Node | undefined = tree;
  for (const seg of path) {
    const sel = elementSelector(seg);
    if (sel && (node === undefined || node.type === "array")) {
      const i = (node?.children ?? []).findIndex((el) => stringField(el, sel.field) === sel.value);
      out.push(i);
      node = i < 0 ? undefined : node?.children?.[i];
    } else {
      out.push(seg);
      node = node ? findNodeAtLocation(node, [seg]) : undefined;
    }
  }
  return out;
}

/** The node at a key path (element segments resolved), undefined when absent. */
export function findAt(tree: Node | undefined, path: KeyPath): Node | undefined {
  if (!tree) return undefined;
  const location = jsonLocation(tree, path);
  return location.includes(-1) ? undefined : findNodeAtLocation(tree, location);
}

function stringField(node: Node, field: string): string | undefined {
  if (node.type !== "object") return undefined;
  let found: string | undefined;
  for (const prop of node.children ?? []) {
    const [k, v] = prop.children ?? [];
    if (k?.value === field) found = v?.type === "string" ? (v.value as string) : undefined;
  }
  return found;
}

/**
 * Remove one element of an array without touching the bytes around it: with the separator
 * before it (the comma and whitespace after the element it follows), or, when it is first,
 * the separator after it. The only element goes with what led to it after `[`; what follows it
 * (a comment, the line break before `]`) stays, and a blank inside is the caller's to lay out.
 */
export function removeElementExactly(text: string, node: Node): string {
  const array = node.parent;
  if (array?.type !== "array" || !array.children) return text;
  const i = array.children.indexOf(node);
  const prev = array.children[i - 1];
  const next = array.children[i + 1];
  const end = node.offset + node.length;
  if (prev) return text.slice(0, prev.offset + prev.length) + text.slice(end);
  if (next) return text.slice(0, node.offset) + text.slice(next.offset);
  return text.slice(0, array.offset + 1) + text.slice(end);
}
