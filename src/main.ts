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
  try {
    const { buildProgram } = await import("./commands/program.js");
    let code = 0;
    const program = buildProgram(theIo, VERSION, (c) => {
      code = c;
    });
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (err) {
    return reportError(err, theIo);
  }
}

async function reportError(err: unknown, io: Io): Promise<number> {
  const { NeuradockError } = await import("./errors.js");
  const commanderCode = (err as { code?: string } | null)?.code;
  if (typeof commanderCode === "string" && commanderCode.startsWith("commander.")) {
    // commander already printed its message (or help/version); map its exit code.
    const exitCode = (err as { exitCode?: number }).exitCode ?? 1;
    return exitCode === 0 ? 0 : 1;
  }
  if (err instanceof NeuradockError) {
    io.stderr.write(`Error: ${err.message}\n`);
    for (const line of err.details) io.stderr.write(`  ${line}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  io.stderr.write(`Error: internal error: ${message}\n`);
  if (io.env.NEURADOCK_DEBUG && err instanceof Error && err.stack)
    io.stderr.write(`${err.stack}\n`);
  return 1;
}
