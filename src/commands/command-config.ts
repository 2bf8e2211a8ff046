import { displayPath, type LoadConfigOptions, loadConfig } from "../config/index.js";
import type { Config } from "../config/types.js";
import type { GlobalOptions, Io } from "./io.js";

/** neuradock.yaml for a command: `-c FILE`, else the search of docs/contract.md, from the cwd. */
export function loadCommandConfig(
  opts: GlobalOptions,
  io: Io,
  extra: Pick<LoadConfigOptions, "usedAccounts"> = {},
): Promise<Config> {
  return loadConfig({
    ...(opts.config ? { configPath: opts.config } : {}),
    cwd: io.cwd,
    env: io.env,
    ...extra,
  });
}

/**
 * For plan and apply: only the accounts the (targeted) bindings use must have their variables
 * set, so a machine that carries only the work account's secrets can still provision it.
 */
export function loadConfigForBindings(
  opts: GlobalOptions & { target?: readonly string[] },
  io: Io,
): Promise<Config> {
  return loadCommandConfig(opts, io, {
    usedAccounts: (bindings, withTokens) => [
      ...Object.entries(bindings)
        .filter(([tool]) => !opts.target || opts.target.includes(tool))
        .map(([, b]) => String(b.account)),
      // Declared relay tokens are planned (created, updated, deleted) with their account.
      ...(opts.target ? [] : withTokens),
    ],
  });
}

/**
 * Commands that send credentials to a relay (plan, apply, tokens, checkin) say which config
 * chose that relay: on stderr when it is a terminal (their JSON carries `config` instead).
 */
export function announceConfig(config: Config, io: Io): void {
  if (io.stderrIsTTY) io.stderr.write(`Using config ${displayPath(config.file, io.cwd)}\n`);
}
