import { elementSelector } from "./key-path.js";
import type { JsonObject, JsonValue, KeyPath } from "./types.js";

export function isObject(value: JsonValue | undefined): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The element an element segment (`[field=value]`) selects in an array: its index, else -1. */
export function elementIndex(array: readonly JsonValue[], seg: string): number {
  const sel = elementSelector(seg);
  if (!sel) return -1;
  return array.findIndex((el) => isObject(el) && el[sel.field] === sel.value);
}

/** One step down: a key of an object, or the element an element segment selects. */
function child(cur: JsonValue | undefined, seg: string): JsonValue | undefined {
  if (Array.isArray(cur)) {
    const i = elementIndex(cur, seg);
    return i < 0 ? undefined : cur[i];
  }
  return isObject(cur) && Object.hasOwn(cur, seg) ? cur[seg] : undefined;
}

/** The value at a path of a parsed document; undefined when absent. */
export function getAtPath(doc: JsonObject, path: KeyPath): JsonValue | undefined {
  let cur: JsonValue | undefined = doc;
  for (const seg of path) {
    cur = child(cur, seg);
    if (cur === undefined) return undefined;
  }
  return cur;
}

/**
 * Set a value, creating containers on the way (replacing what is in the way): an array where
 * the next segment selects an element, an object otherwise. A selected element that is not
 * there is appended.
 */
export function setAtPath(doc: JsonObject, path: KeyPath, value: JsonValue): void {
  let cur: JsonObject | JsonValue[] = doc;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i] as string;
    const last = i === path.length - 1;
    const wantArray = !last && elementSelector(path[i + 1]) !== undefined;
    const existing = child(cur, seg);
    const next: JsonValue = last
      ? value
      : wantArray
        ? Array.isArray(existing)
          ? existing
          : []
        : isObject(existing)
          ? existing
          : {};
    if (Array.isArray(cur)) {
      const at = elementIndex(cur, seg);
      if (at < 0) cur.push(next);
      else cur[at] = next;
    } else {
      cur[seg] = next;
    }
    if (!last) cur = next as JsonObject | JsonValue[];
  }
}

export function deleteAtPath(doc: JsonObject, path: KeyPath): void {
  const parent = path.length > 1 ? getAtPath(doc, path.slice(0, -1)) : doc;
  const seg = path[path.length - 1] as string;
  if (Array.isArray(parent)) {
    const i = elementIndex(parent, seg);
    if (i >= 0) parent.splice(i, 1);
  } else if (isObject(parent)) {
    delete parent[seg];
  }
}

/**
 * The key just before the last segment of `path` in its parent: null when it is first (and
 * for an array element, which goes back at the end of its array).
 */
export function precedingKey(doc: JsonObject, path: KeyPath): string | null {
  const parent = path.length > 1 ? getAtPath(doc, path.slice(0, -1)) : doc;
  if (!isObject(parent)) return null;
  const keys = Object.keys(parent);
  const i = keys.indexOf(path[path.length - 1] as string);
  return i > 0 ? (keys[i - 1] as string) : null;
}

/** An empty container (`{}` or `[]`). */
export function isEmptyContainer(value: JsonValue | undefined): boolean {
  return Array.isArray(value)
    ? value.length === 0
    : isObject(value) && Object.keys(value).length === 0;
}

/**
 * A copy of `doc` that setAtPath and deleteAtPath may change along `paths` without touching
 * `doc`: the containers on those paths are copied (a selected array element too), everything
 * off them is shared. Simulating a plan's edits then costs the owned part of the file, not a
 * deep copy of all of it.
 */
export function cloneAlong(doc: JsonObject, paths: readonly KeyPath[]): JsonObject {
  const made = new Set<object>();
  const copy = <T extends JsonObject | JsonValue[]>(value: T): T => {
    if (made.has(value)) return value;
    const out = (Array.isArray(value) ? [...value] : shallowObject(value as JsonObject)) as T;
    made.add(out);
    return out;
  };
  const root = copy(doc);
  for (const path of paths) {
    let cur: JsonObject | JsonValue[] = root;
    for (const seg of path) {
      const next = child(cur, seg);
      if (next === null || typeof next !== "object" || next instanceof Date) break;
      const own = copy(next);
      if (Array.isArray(cur)) cur[elementIndex(cur, seg)] = own;
      else defineKey(cur, seg, own);
      cur = own;
    }
  }
  return root;
}

function shallowObject(value: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) defineKey(out, k, v);
  return out;
}

// defineProperty: a "__proto__" key stays a plain key.
function defineKey(obj: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Deep copy of a parsed document. TOML dates and times stay the very objects the parser made
 * (structuredClone would turn a local date `1979-05-27` into a plain Date, which then writes
 * and compares as `1979-05-27T00:00:00.000Z`: another type and another value).
 */
export function cloneJson<T extends JsonValue>(value: T): T {
  if (value === null || typeof value !== "object" || (value as unknown) instanceof Date) {
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => cloneJson(v)) as T;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    // defineProperty: a "__proto__" key stays a plain key.
    Object.defineProperty(out, k, {
      value: cloneJson(v),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out as T;
}

/** Structural equality of JSON values (object key order ignored). */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => jsonEqual(v, b[i]));
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
}

/** JSON with object keys sorted, so equal values always give the same text (and hash). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}
