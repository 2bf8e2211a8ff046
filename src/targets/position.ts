import { TargetError } from "../errors.js";

/** 1-based line and column of a character offset. */
export function lineColAt(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: end - lineStart + 1 };
}

/** A TargetError whose message starts with `file:line:col`, as editors and terminals link it. */
export function targetErrorAt(
  file: string,
  line: number,
  col: number,
  message: string,
): TargetError {
  const err = new TargetError(file, message);
  err.message = `${file}:${line}:${col}: ${message}`;
  err.line = line;
  err.col = col;
  return err;
}

/** The text without a leading byte-order mark (editors on Windows add one). */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
