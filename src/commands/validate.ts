import { displayPath } from "../config/index.js";
import { formatDiagnostic } from "../errors.js";
import { loadCommandConfig } from "./command-config.js";
import type { GlobalOptions, Io } from "./io.js";

/** Load and check neuradock.yaml (schema, ${VAR}s, rules) without any network call. */
export async function runValidate(opts: GlobalOptions, io: Io): Promise<number> {
  const config = await loadCommandConfig(opts, io);
  const accounts = Object.keys(config.accounts).length;
  const bindings = Object.keys(config.bindings).length;
  const nodes = config.nodes.length;
  const name = opts.config ?? displayPath(config.file, io.cwd);
  for (const w of config.warnings ?? []) {
    io.stderr.write(`warning: ${formatDiagnostic({ ...w, file: name })}\n`);
  }
  const { protocolWarnings } = await import("../targets/protocols.js");
  for (const w of protocolWarnings(config)) io.stderr.write(`warning: ${w.message}\n`);
  io.stdout.write(
    `${name} is valid: ${count(accounts, "account")}, ${count(nodes, "custom node")}, ${count(bindings, "binding")}.\n`,
  );
  return 0;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
