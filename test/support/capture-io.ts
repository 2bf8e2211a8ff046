import { PassThrough } from "node:stream";
import type { Io } from "../../src/commands/io.js";

export interface CapturedIo extends Io {
  out(): string;
  err(): string;
}

/** An Io whose stdout/stderr are captured strings: for calling commands directly in tests. */
export function captureIo(overrides: Partial<Io> = {}): CapturedIo {
  let out = "";
  let err = "";
  const stdin = new PassThrough();
  stdin.end();
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    stdin,
    env: {},
    cwd: process.cwd(),
    stdoutIsTTY: false,
    stdinIsTTY: false,
    stderrIsTTY: false,
    color: false,
    ...overrides,
    out: () => out,
    err: () => err,
  };
}
