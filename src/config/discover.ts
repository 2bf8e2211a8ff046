import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { ConfigError } from "../errors.js";
import { homeDir, userConfigDir } from "../system/paths.js";
import { createRealSystem } from "../system/real-system.js";
import type { FileStat, System } from "../system/types.js";

/**
 * Config discovery, exactly as docs/contract.md "Where the config file is" says. It is written out here
 * rather than delegated to cosmiconfig on purpose: cosmiconfig also reads hidden rc files
 * (`.neuradockrc*`) and a meta-config (`.config/config.*`) that can redirect the search
 * anywhere, so a cloned repository could choose the file, and with it the relay that
 * receives the user's session. Only visible names are searched here, and a discovered file
 * must belong to the user and not be writable by anyone else.
 */
export const CONFIG_NAMES = ["neuradock.yaml", "neuradock.yml"] as const;

/** How the config file was chosen: named by the user, or found by the search. */
export type ConfigSource = "flag" | "env" | "search" | "user-dir";

export interface FoundConfig {
  file: string;
  source: ConfigSource;
}

/** No config file anywhere it is looked for (as opposed to a file that is broken). */
export class ConfigNotFoundError extends ConfigError {
  constructor(searched: readonly string[], ignored: readonly string[] = []) {
    const note =
      ignored.length > 0
        ? `; ${ignored.join(", ")} ${ignored.length === 1 ? "is" : "are"} not read (hidden rc files cannot choose the config): rename it to neuradock.yaml`
        : "";
    super(
      [],
      `no neuradock.yaml found (looked in ${searched.join(" and ")}); run \`neuradock init\`, pass -c FILE or set NEURADOCK_CONFIG${note}`,
    );
  }
}

/** Hidden names older versions (and cosmiconfig) read; named when nothing else is found. */
const IGNORED_NAMES = [
  ".neuradockrc",
  ".neuradockrc.yaml",
  ".neuradockrc.yml",
  ".config/neuradockrc",
  ".config/neuradockrc.yaml",
  ".config/neuradockrc.yml",
];

export interface FindConfigOptions {
  /** The disk, as every step sees it (default: the real one). */
  system?: System;
  /** The effective uid (process.getuid()); undefined where there is none (Windows). */
  uid?: number | undefined;
  /** Whether a group is the owner's private group (default: read /etc/passwd and /etc/group). */
  isPrivateGroup?: (gid: number, owner: number) => Promise<boolean>;
}

/**
 * The config file to load when no `-c` was given: `$NEURADOCK_CONFIG`, else the first
 * `neuradock.yaml`/`neuradock.yml` in the cwd or a parent (up to the home directory, or up
 * to `/` outside it), else the user config dir. A discovered file owned by another user or
 * writable by group/others is refused (as git's safe.directory and ssh do).
 */
export async function findConfig(
  cwd: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
  opts: FindConfigOptions = { uid: process.getuid?.() },
): Promise<FoundConfig> {
  const named = env.NEURADOCK_CONFIG;
  if (named !== undefined && named !== "") {
    return { file: resolve(cwd, named), source: "env" };
  }
  const system = opts.system ?? createRealSystem();
  const home = resolve(homeDir(env, platform));
  const dirs = searchDirs(resolve(cwd), home);
  for (const dir of dirs) {
    const file = await firstFile(system, dir);
    if (file) {
      await checkTrusted(system, file, home, platform, opts);
      return { file, source: "search" };
    }
  }
  const userDir = userConfigDir(env, platform);
  const user = await firstFile(system, userDir);
  if (user) {
    await checkTrusted(system, user, home, platform, opts);
    return { file: user, source: "user-dir" };
  }
  const ignored: string[] = [];
  for (const name of IGNORED_NAMES) {
    if ((await fileStat(system, join(cwd, name)))?.kind === "file") ignored.push(name);
  }
  const searched =
    dirs.length === 1 ? (dirs[0] as string) : `${dirs[0]} and its parents up to ${dirs.at(-1)}`;
  throw new ConfigNotFoundError([searched, userDir], ignored);
}

/** Back-compatible: just the path. */
export async function findConfigFile(
  cwd: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
  opts: FindConfigOptions = { uid: process.getuid?.() },
): Promise<string> {
  return (await findConfig(cwd, env, platform, opts)).file;
}

/** The cwd and its parents, up to home when the cwd is inside it, else up to the root. */
function searchDirs(cwd: string, home: string): string[] {
  const rel = relative(home, cwd);
  const insideHome =
    rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
  const dirs: string[] = [];
  let dir = cwd;
  for (;;) {
    dirs.push(dir);
    if (insideHome && dir === home) break;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return dirs;
}

async function fileStat(system: System, path: string): Promise<FileStat | undefined> {
  try {
    return (await system.stat(path)) ?? undefined;
  } catch {
    return undefined;
  }
}

async function firstFile(system: System, dir: string): Promise<string | undefined> {
  for (const name of CONFIG_NAMES) {
    const path = join(dir, name);
    // A directory of that name is not a config; anything else (even unreadable) is found,
    // so that loading reports what is wrong with it rather than looking elsewhere.
    const st = await fileStat(system, path);
    if (st && st.kind !== "directory") return path;
  }
  return undefined;
}

/**
 * A discovered file must be the user's own and writable only by them: a shared directory
 * (`/tmp`, a world-writable checkout) must not choose the config. Running as root, files of
 * the home directory's owner count as the user's (sudo with the user's HOME).
 */
async function checkTrusted(
  system: System,
  file: string,
  home: string,
  platform: NodeJS.Platform,
  opts: FindConfigOptions,
): Promise<void> {
  const { uid } = opts;
  if (platform === "win32" || uid === undefined) return;
  const st = await fileStat(system, file);
  if (!st) return; // vanished or unreadable: loading reports it
  const refuse = (why: string, fix: string): never => {
    throw new ConfigError([
      {
        file,
        line: 1,
        col: 1,
        message: `refusing to use this config: ${why}, so someone else could choose which relay gets your credentials. ${fix}, or name the file with -c FILE / NEURADOCK_CONFIG if you trust it`,
      },
    ]);
  };
  const owners = new Set([uid]);
  if (uid === 0) {
    const homeOwner = (await fileStat(system, home))?.uid;
    if (homeOwner !== undefined) owners.add(homeOwner);
  }
  if (!owners.has(st.uid)) {
    refuse(`it is owned by another user (uid ${st.uid}, you are uid ${uid})`, "Move it away");
  }
  const groupWritable = (st.mode & 0o020) !== 0;
  // As ssh: a group write bit is harmless when the group is the user's private group
  // (umask 002 distributions give every new file that bit).
  const writableBy =
    (st.mode & 0o002) !== 0 ||
    (groupWritable &&
      !(await (opts.isPrivateGroup ?? ((g, o) => isPrivateGroup(system, g, o)))(st.gid, st.uid)));
  if (writableBy) {
    const mode = (st.mode & 0o777).toString(8).padStart(4, "0");
    const who =
      (st.mode & 0o020) !== 0 && (st.mode & 0o002) !== 0
        ? "group and others"
        : (st.mode & 0o002) !== 0
          ? "others"
          : "group";
    refuse(`it is writable by ${who} (mode ${mode})`, `Run \`chmod go-w ${file}\``);
  }
}

/** The group has no member but the file's owner: their user-private group (or no group file). */
async function isPrivateGroup(system: System, gid: number, owner: number): Promise<boolean> {
  const read = (f: string) => system.readFile(f).catch(() => null);
  const [passwd, group] = await Promise.all([read("/etc/passwd"), read("/etc/group")]);
  if (passwd === null || group === null) return false;
  const users = passwd.split("\n").map((l) => l.split(":"));
  const ownerName = users.find((u) => Number(u[2]) === owner)?.[0];
  // Anyone else whose primary group it is, or who is listed as a member, could write.
  if (users.some((u) => Number(u[3]) === gid && Number(u[2]) !== owner)) return false;
  const entry = group.split("\n").find((l) => Number(l.split(":")[2]) === gid);
  const members = (entry?.split(":")[3] ?? "").split(",").filter((m) => m.trim() !== "");
  return ownerName !== undefined && members.every((m) => m.trim() === ownerName);
}
