import { loadConfig } from "../config/index.js";
import type { Config } from "../config/types.js";
import type { GlobalOptions, Io } from "./io.js";

/** neuradock.yaml for a command: `-c FILE`, else the search of design.md, from the cwd. */
export function loadCommandConfig(
  opts: GlobalOptions,
  io: Io,
  extra: { usedAccounts?: readonly string[] } = {},
): Promise<Config> {
  return loadConfig({
    ...(opts.config ? { configPath: opts.config } : {}),
    cwd: io.cwd,
    env: io.env,
    ...extra,
  });
}
