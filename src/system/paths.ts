import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import { NeuradockError } from "../errors.js";

type Env = NodeJS.ProcessEnv;

/** The user's home: $HOME (USERPROFILE on Windows), else the OS answer. */
export function homeDir(env: Env, platform: NodeJS.Platform = process.platform): string {
  const fromEnv = platform === "win32" ? (env.USERPROFILE ?? env.HOME) : env.HOME;
  return fromEnv && fromEnv.length > 0 ? fromEnv : homedir();
}

/** $NEURADOCK_STATE_DIR, else $XDG_STATE_HOME/neuradock, else ~/.local/state/neuradock. */
export function stateDir(env: Env, platform: NodeJS.Platform = process.platform): string {
  const named = env.NEURADOCK_STATE_DIR;
  if (named) {
    // A relative one would put the ledger (and so what neuradock owns) wherever it runs.
    if (!isAbsolute(named)) {
      throw new NeuradockError(
        `NEURADOCK_STATE_DIR must be an absolute path, not '${named}': the ledger would move with the current directory`,
      );
    }
    return named;
  }
  if (platform === "win32") {
    const local = env.LOCALAPPDATA ?? join(homeDir(env, platform), "AppData", "Local");
    return join(local, "neuradock");
  }
  // XDG: an empty (or relative) value counts as unset.
  if (isAbsolute(env.XDG_STATE_HOME ?? "")) return join(env.XDG_STATE_HOME as string, "neuradock");
  return join(homeDir(env, platform), ".local", "state", "neuradock");
}

/** The user config dir searched last for neuradock.yaml: $XDG_CONFIG_HOME/neuradock. */
export function userConfigDir(env: Env, platform: NodeJS.Platform = process.platform): string {
  if (platform === "win32") {
    return join(env.APPDATA ?? join(homeDir(env, platform), "AppData", "Roaming"), "neuradock");
  }
  const xdg = env.XDG_CONFIG_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(homeDir(env, platform), ".config"), "neuradock");
}
