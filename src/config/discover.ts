import { ConfigError } from "../errors.js";
import { userConfigDir } from "../system/paths.js";

export const SEARCH_PLACES = [
  "neuradock.yaml",
  "neuradock.yml",
  ".neuradockrc",
  ".neuradockrc.yaml",
  ".neuradockrc.yml",
  ".config/neuradockrc",
  ".config/neuradockrc.yaml",
  ".config/neuradockrc.yml",
];

/** Searched in the user config dir (e.g. ~/.config/neuradock/) when the cwd has none. */
export const USER_SEARCH_PLACES = ["neuradock.yaml", "neuradock.yml", "config.yaml", "config.yml"];

/** No config file anywhere it is looked for (as opposed to a file that is broken). */
export class ConfigNotFoundError extends ConfigError {
  constructor(searched: readonly string[]) {
    super(
      [],
      `no neuradock.yaml found (looked in ${searched.join(" and ")}); run \`neuradock init\` or pass -c FILE`,
    );
  }
}

/**
 * The config file to load: cosmiconfig only finds it (in the cwd, then the user config dir);
 * parsing is ours, so that every problem has a line and column.
 */
export async function findConfigFile(
  cwd: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): Promise<string> {
  const { cosmiconfig } = await import("cosmiconfig");
  // A loader that reads nothing: an empty file is still "found" and then reported as empty.
  const findOnly = () => ({});
  // Every extension: a cosmiconfig meta-config could add search places, and none may execute code.
  const loaders = Object.fromEntries(
    [".yaml", ".yml", ".json", ".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", "noExt"].map((e) => [
      e,
      findOnly,
    ]),
  );
  const userDir = userConfigDir(env, platform);
  const common = { loaders, ignoreEmptySearchPlaces: false, cache: false } as const;
  const local = await cosmiconfig("neuradock", {
    ...common,
    searchPlaces: SEARCH_PLACES,
    searchStrategy: "none",
  }).search(cwd);
  if (local) return local.filepath;
  const user = await cosmiconfig("neuradock", {
    ...common,
    searchPlaces: USER_SEARCH_PLACES,
    searchStrategy: "none",
  }).search(userDir);
  if (user) return user.filepath;
  throw new ConfigNotFoundError([cwd, userDir]);
}
