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
  const baseIo = io ?? processIo();
  // With --json, a failure is a JSON diagnostic on stdout too, so a script reads one format;
  // unless the command already printed its JSON document (tokens naming the accounts it could
  // not read): stdout then stays one document, and the error goes to stderr as text.
  const json = jsonRequested(argv);
  let printed = false;
  // Object.create, not a spread: Io's lazy `stdin` getter must stay lazy.
  const theIo: Io = json ? Object.create(baseIo) : baseIo;
  if (json) {
    theIo.stdout = {
      write: (chunk: string) => {
        printed = true;
        return baseIo.stdout.write(chunk);
      },
    };
  }
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
    const { reportError } = await import("./commands/report-error.js");
    return reportError(err, baseIo, json && !printed);
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
