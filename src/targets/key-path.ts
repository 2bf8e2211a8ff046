import type { KeyPath } from "./types.js";

const BARE = /^[A-Za-z0-9_-]+$/;

/** `env.ANTHROPIC_AUTH_TOKEN`, `projects."/home/u"`: segments that are not bare get quoted. */
export function formatKeyPath(path: KeyPath): string {
  return path.map((s) => (BARE.test(s) ? s : JSON.stringify(s))).join(".");
}

/** The inverse of formatKeyPath. */
export function parseKeyPath(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out.push(JSON.parse(text.slice(i, j + 1)) as string);
      i = j + 1;
    } else {
      let j = text.indexOf(".", i);
      if (j < 0) j = text.length;
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
