import type { KeyPath } from "./types.js";

const BARE = /^[A-Za-z0-9_-]+$/;
const ELEMENT = /^\[([A-Za-z_][A-Za-z0-9_]*)=([A-Za-z0-9_.-]+)\]$/;

/**
 * A path segment naming one element of an array: the object whose string `field` is `value`
 * (`[envKey=NEURADOCK_QWEN_CODE_API_KEY]`). Under an array it selects that element (the
 * first such one); under an object it is a plain key like any other.
 */
export function elementSegment(field: string, value: string): string {
  const seg = `[${field}=${value}]`;
  if (!ELEMENT.test(seg)) throw new Error(`internal error: bad element selector ${seg}`);
  return seg;
}

/** The field and value of an element segment, else undefined. */
export function elementSelector(
  seg: string | undefined,
): { field: string; value: string } | undefined {
  const m = seg === undefined ? null : ELEMENT.exec(seg);
  return m ? { field: m[1] as string, value: m[2] as string } : undefined;
}

/**
 * `env.ANTHROPIC_AUTH_TOKEN`, `projects."/home/u"`, `modelProviders.openai[envKey=X]`:
 * segments that are not bare get quoted; an element segment follows without a dot.
 */
export function formatKeyPath(path: KeyPath): string {
  let out = "";
  path.forEach((s, i) => {
    if (ELEMENT.test(s) && i > 0) out += s;
    else out += (i > 0 ? "." : "") + (BARE.test(s) ? s : JSON.stringify(s));
  });
  return out;
}

/** The inverse of formatKeyPath. */
export function parseKeyPath(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === "[" && out.length > 0) {
      const j = text.indexOf("]", i);
      const end = j < 0 ? text.length : j + 1;
      out.push(text.slice(i, end));
      i = end;
    } else if (text[i] === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out.push(JSON.parse(text.slice(i, j + 1)) as string);
      i = j + 1;
    } else {
      let j = text.slice(i).search(/[.[]/);
      j = j < 0 ? text.length : i + j;
      out.push(text.slice(i, j));
      i = j;
    }
    if (text[i] === ".") i++;
  }
  return out;
}

/**
 * A value at a path ending in KEY, TOKEN, SECRET, PASSWORD, AUTH, HEADERS or COOKIE is
 * redacted (docs/contract.md), and so is an apiKeyHelper. This only adds to the
 * sensitivity a value carries itself (a key, a value from a ${VAR}).
 */
export function isSensitivePath(path: KeyPath): boolean {
  const last = path[path.length - 1] ?? "";
  return (
    /(key|token|secret|password|auth|headers|cookies?)$/i.test(last) || last === "apiKeyHelper"
  );
}

/**
 * Whether the path makes these values sensitive: a flag (`requires_openai_auth = true`) or a
 * null holds nothing to hide, whatever its name.
 */
export function isSensitiveAt(path: KeyPath, ...values: unknown[]): boolean {
  return (
    isSensitivePath(path) &&
    values.some((v) => v !== undefined && v !== null && typeof v !== "boolean")
  );
}
