import type { Io } from "./commands/io.js";

declare const __VERSION__: string;
const VERSION = typeof __VERSION__ === "string" ? __VERSION__ : "0.0.0-dev";

/**
 * The one error boundary: commands throw typed errors, only this file prints them and turns
 * them into the exit code it returns (src/cli.ts sets process.exitCode from it; nothing calls
 * process.exit, so pending output is flushed). Command modules are imported on demand, so
 * start-up stays cheap.
 */
export async function main(argv: string[], io?: Io): Promise<number> {
  // Fast path: no commander, no command modules.
  if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
    (io?.stdout ?? process.stdout).write(`${VERSION}\n`);
    return 0;
  }
  const { processIo } = await import("./commands/io.js");
  const theIo = io ?? processIo();
  // With --json, a failure is a JSON diagnostic on stdout too, so a script reads one format.
  const json = jsonRequested(argv);
  try {
    const { buildProgram } = await import("./commands/program.js");
    let code = 0;
    const program = buildProgram(
      theIo,
      VERSION,
      (c) => {
        code = c;
      },
      { json },
    );
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (err) {
    const { reportError } = await import("./report-error.js");
    return reportError(err, theIo, json);
  }
}

/** `--json` given as an option (not after `--`, not as the value of another option). */
function jsonRequested(argv: readonly string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") return false;
    if (arg === "--json") return true;
    if (arg === "-c" || arg === "--config" || arg === "--out" || arg === "--target") i++;
  }
  return false;
}
