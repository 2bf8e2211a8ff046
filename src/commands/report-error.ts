import {
  AbortedError,
  ConfigError,
  LockError,
  NeuradockError,
  ProviderError,
  StalePlanError,
  TargetError,
  UsageError,
} from "../errors.js";
import { safeText } from "../untrusted.js";
import type { Io } from "./io.js";

/** The `--json` form of a failure: `{"error": {code, message, file, line, col}}`. */
export interface JsonDiagnostic {
  error: {
    code: string;
    message: string;
    file: string | null;
    line: number | null;
    col: number | null;
    /** Every problem, when there are several (a config with three mistakes). */
    details?: string[];
  };
}

/**
 * The one place errors are printed: `error: <message>` on stderr (commander's usage errors
 * included, in the same style), or a JSON diagnostic on stdout when the command got --json.
 */
export function reportError(err: unknown, io: Io, json: boolean): number {
  const commander = commanderError(err);
  if (commander && commander.exitCode === 0) return 0; // --help, --version
  if (json) {
    io.stdout.write(`${JSON.stringify(toJsonDiagnostic(err), null, 2)}\n`);
    return exitCodeOf(err);
  }
  // commander already printed its one line (see program.ts).
  if (commander) return 1;
  // Messages may quote untrusted text (a relay's words, a token name): the last line of
  // defence strips control characters and scrubs secrets (src/untrusted.ts).
  if (err instanceof NeuradockError) {
    io.stderr.write(`error: ${safeText(err.message)}\n`);
    for (const line of err.details) io.stderr.write(`  ${safeText(line)}\n`);
    return err.exitCode;
  }
  const message = safeText(err instanceof Error ? err.message : String(err));
  io.stderr.write(`error: internal error: ${message}\n`);
  if (io.env.NEURADOCK_DEBUG && err instanceof Error && err.stack) {
    io.stderr.write(`${err.stack}\n`);
  }
  return 1;
}

function exitCodeOf(err: unknown): number {
  return err instanceof NeuradockError ? err.exitCode : 1;
}

function commanderError(err: unknown): { exitCode: number; message: string } | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== "string" || !code.startsWith("commander.")) return null;
  const e = err as { exitCode?: number; message?: string };
  return { exitCode: e.exitCode ?? 1, message: e.message ?? "" };
}

const CODES: [new (...args: never[]) => NeuradockError, string][] = [
  [ConfigError, "config"],
  [ProviderError, "provider"],
  [TargetError, "target"],
  [StalePlanError, "stale-plan"],
  [LockError, "lock"],
  [AbortedError, "aborted"],
  [UsageError, "usage"],
];

export function toJsonDiagnostic(err: unknown): JsonDiagnostic {
  const commander = commanderError(err);
  if (commander) {
    return {
      error: {
        code: "usage",
        message: oneLine(commander.message.replace(/^error: /, "")),
        file: null,
        line: null,
        col: null,
      },
    };
  }
  if (!(err instanceof NeuradockError)) {
    const message = safeText(err instanceof Error ? err.message : String(err));
    return {
      error: {
        code: "internal",
        message: `internal error: ${message}`,
        file: null,
        line: null,
        col: null,
      },
    };
  }
  const code = CODES.find(([type]) => err instanceof type)?.[1] ?? "error";
  let file: string | null = null;
  let line: number | null = null;
  let col: number | null = null;
  if (err instanceof ConfigError && err.diagnostics[0]) {
    ({ file, line, col } = err.diagnostics[0]);
  } else if (err instanceof TargetError) {
    file = err.file;
    line = err.line ?? null;
    col = err.col ?? null;
  }
  return {
    error: {
      code,
      message: safeText(err.message).replace(/:$/, ""),
      file,
      line,
      col,
      ...(err.details.length > 0 ? { details: err.details.map((d) => safeText(d)) } : {}),
    },
  };
}

/** commander's `error: unknown command 'x'\n(Did you mean y?)` as one line, in our style. */
export function oneLine(message: string): string {
  return message
    .trim()
    .replace(/\n\(Did you mean ([^\s,]+)\?\)$/, " — did you mean '$1'?")
    .replace(/\n\(Did you mean (.+)\?\)$/, " — did you mean $1?")
    .replace(/\s*\n\s*/g, " ");
}
