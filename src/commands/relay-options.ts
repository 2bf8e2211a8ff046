import { UsageError } from "../errors.js";
import type { ClientOptions, RelayEvent } from "../providers/index.js";
import { readHttpOptionsFromEnv } from "../providers/index.js";
import type { Io } from "./io.js";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** Progress of a networked command: drawn on stderr when it is a terminal, never otherwise. */
export interface Progress {
  onEvent(event: RelayEvent): void;
  /** Clears the status line (before the command prints its result). */
  stop(): void;
}

/**
 * A status line on stderr saying what is being fetched right now, redrawn as it changes, and
 * one permanent line per retry (reason, attempt n of m) and per WAF challenge solved. On a
 * pipe (or with stderr redirected) nothing at all is written, so output stays byte-identical.
 */
export function startProgress(io: Io, title: string | (() => string)): Progress {
  if (!io.stderrIsTTY) return { onEvent() {}, stop() {} };
  const active = new Map<string, Map<string, number>>();
  let frame = 0;
  let stopped = false;
  // A pseudo-terminal without a size reports 0 columns.
  const width = () => Math.max(20, ((process.stderr.columns as number | undefined) || 80) - 1);
  const status = () => {
    const parts = [...active].map(
      ([account, whats]) => `${account}: ${[...whats.keys()].join(", ")}`,
    );
    const head = typeof title === "function" ? title() : title;
    const line = `${FRAMES[frame++ % FRAMES.length]} ${head}${parts.length > 0 ? ` — ${parts.join("; ")}` : ""}`;
    return line.length > width() ? `${line.slice(0, width() - 1)}…` : line;
  };
  // The line is on screen only while requests are out: between them (a plan being printed,
  // a confirmation prompt) it is cleared and stays so.
  let shown = false;
  const draw = () => {
    if (stopped) return;
    if (active.size > 0) {
      io.stderr.write(`\r\x1b[K${status()}`);
      shown = true;
    } else if (shown) {
      io.stderr.write("\r\x1b[K");
      shown = false;
    }
  };
  const say = (line: string) => {
    io.stderr.write(`\r\x1b[K${line}\n`);
    shown = false;
    draw();
  };
  const timer = setInterval(draw, 80);
  timer.unref();
  return {
    onEvent(e) {
      if (stopped) return;
      if (e.type === "request" || e.type === "done") {
        const whats = active.get(e.account) ?? new Map<string, number>();
        const n = (whats.get(e.what) ?? 0) + (e.type === "request" ? 1 : -1);
        if (n > 0) whats.set(e.what, n);
        else whats.delete(e.what);
        if (whats.size > 0) active.set(e.account, whats);
        else active.delete(e.account);
        draw();
      } else if (e.type === "retry") {
        say(`↻ ${e.account}: ${e.what}: ${e.reason}; retrying (attempt ${e.attempt} of ${e.of})`);
      } else if (e.type === "waf") {
        say(`· ${e.account}: answered the web firewall's challenge at ${e.host}`);
      }
    },
    stop() {
      if (stopped) return;
      clearInterval(timer);
      stopped = true;
      if (shown) io.stderr.write("\r\x1b[K");
    },
  };
}

/** `--timeout SECONDS` as given on the command line, checked. */
export function parseTimeout(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0 || raw.trim() === "") {
    throw new UsageError(`--timeout takes a positive number of seconds (got '${raw}')`);
  }
  return Math.round(seconds * 1000);
}

/**
 * How a command talks to relays: NEURADOCK_HTTP_* from the environment, `--timeout` over
 * them, the proxy variables of the command's environment, and progress.
 */
export function relayOptions(
  io: Io,
  opts: { timeout?: string },
  progress?: Progress,
): ClientOptions {
  const timeoutMs = parseTimeout(opts.timeout);
  return {
    ...readHttpOptionsFromEnv(io.env),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    env: io.env,
    ...(progress ? { onEvent: (e: RelayEvent) => progress.onEvent(e) } : {}),
  };
}
