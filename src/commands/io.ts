/** What a command may touch of the process: passed in, so tests call commands directly. */
export interface Io {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** stdout is a terminal (tables, spinners). */
  stdoutIsTTY: boolean;
  /** stdin is a terminal (confirmation prompts). */
  stdinIsTTY: boolean;
  /** stderr is a terminal (progress lines). */
  stderrIsTTY: boolean;
  /** Colour on: FORCE_COLOR, else TTY and no NO_COLOR. */
  color: boolean;
}

export function processIo(): Io {
  const env = process.env;
  const stdoutIsTTY = Boolean(process.stdout.isTTY);
  return {
    stdout: tolerateClosedPipe(process.stdout),
    // Built on first write: most commands write nothing there, and a stderr that is a pipe
    // would load node's whole socket layer (as node:tty does for isatty).
    stderr: lazily(() => tolerateClosedPipe(process.stderr)),
    // process.stdin builds a stream on first access (~3 ms): only a confirmation prompt needs it.
    get stdin() {
      return process.stdin;
    },
    env,
    cwd: process.cwd(),
    stdoutIsTTY,
    get stdinIsTTY() {
      return isatty(0);
    },
    get stderrIsTTY() {
      return isatty(2);
    },
    color: wantsColor(env, stdoutIsTTY),
  };
}

function isatty(fd: number): boolean {
  return process.getBuiltinModule("node:tty").isatty(fd);
}

function lazily(make: () => Io["stdout"]): Io["stdout"] {
  let out: Io["stdout"] | undefined;
  return {
    write: (chunk: string) => {
      out ??= make();
      return out.write(chunk);
    },
  };
}

/**
 * `neuradock plan | head -1`: once the reader has gone, further output is dropped instead of
 * crashing on EPIPE, so the command finishes (an apply included) and keeps its exit code.
 */
function tolerateClosedPipe(stream: NodeJS.WriteStream): Io["stdout"] {
  let closed = false;
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
    closed = true;
  });
  return { write: (chunk: string) => (closed ? false : stream.write(chunk)) };
}

export function wantsColor(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0" && env.FORCE_COLOR !== "false") {
    return true;
  }
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR === "0" || env.FORCE_COLOR === "false") return false;
  return isTTY && env.TERM !== "dumb";
}

/** Options every command takes. */
export interface GlobalOptions {
  config?: string;
}
