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

/** Any value at a path ending in KEY, TOKEN or SECRET is redacted, and so is an apiKeyHelper. */
export function isSensitivePath(path: KeyPath): boolean {
  const last = path[path.length - 1] ?? "";
  return /(key|token|secret)$/i.test(last) || last === "apiKeyHelper";
}
