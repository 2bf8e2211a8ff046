import { isUtf8 } from "node:buffer";
import type { Stats } from "node:fs";
import { constants as fsConstants } from "node:fs";
import * as fs from "node:fs/promises";
import { basename, dirname, join, relative, sep } from "node:path";
import { TargetError } from "../errors.js";
import { errnoCode, toTargetError } from "./fs-errors.js";
import { homeDir } from "./paths.js";
import { tempNameFor } from "./temp-files.js";
import type { FileStat, System, WriteOptions } from "./types.js";

const DEFAULT_FILE_MODE = 0o600;
const DEFAULT_DIR_MODE = 0o700;

/** Who files and folders neuradock creates belong to (see `homeOwner`). */
export interface Owner {
  uid: number;
  gid: number;
}

export interface RealSystemOptions {
  /**
   * Give every file and folder created to this owner (running as root for another user's
   * home). Existing files keep their owner. Without it, new files belong to whoever runs.
   */
  owner?: Owner;
}

/**
 * The owner of `home` when running as root and the home belongs to someone else (`sudo` with
 * the user's HOME, a provisioning script): what neuradock creates there must be theirs, or
 * the tools (running as that user) could not read their own settings. undefined otherwise.
 */
export async function homeOwner(home: string): Promise<Owner | undefined> {
  if (!isRoot()) return undefined;
  const stats = await orNull(() => fs.stat(home)).catch(() => null);
  if (stats === null || !stats.isDirectory() || stats.uid === 0) return undefined;
  return { uid: stats.uid, gid: stats.gid };
}

/**
 * The System a command uses: the real disk, with what it creates given to the owner of the
 * home directory when running as root for another user (docs/contract.md "Trust rules").
 */
export async function createSystemFor(env: NodeJS.ProcessEnv): Promise<System> {
  return createRealSystem({ owner: await homeOwner(homeDir(env)) });
}

/** The System that touches the real disk. */
export function createRealSystem(options: RealSystemOptions = {}): System {
  const { owner } = options;
  const mkdirs = (dir: string, mode: number) => makeDirs(dir, mode, owner);
  return {
    readFile: readFileOrNull,
    lstat: async (path) => toFileStat(await orNull(() => fs.lstat(path))),
    stat: async (path) => toFileStat(await orNull(() => fs.stat(path))),
    realpath: (path) => fs.realpath(path),
    writeFileAtomic: (path, data, opts) => writeFileAtomic(path, data, opts, owner),
    removeFile,
    mkdirp: async (path, mode = DEFAULT_DIR_MODE) => {
      await mkdirs(path, mode);
    },
    chmod: async (path, mode) => {
      try {
        await fs.chmod(path, mode);
      } catch (err) {
        throw toTargetError(path, "change its permissions", err);
      }
    },
    readdir: async (path) => (await orNull(() => fs.readdir(path))) ?? [],
    createExclusive: (path, data, opts) => createExclusive(path, data, opts, owner),
  };
}

/**
 * `mkdir -p`; every folder it creates is given to `owner` (outermost first, so none is ever
 * left root-owned under one that is the user's).
 */
async function makeDirs(dir: string, mode: number, owner: Owner | undefined): Promise<void> {
  const first = await fs.mkdir(dir, { recursive: true, mode });
  if (first === undefined || owner === undefined) return;
  let created = first;
  await fs.chown(created, owner.uid, owner.gid);
  for (const part of relative(first, dir)
    .split(sep)
    .filter((p) => p !== "")) {
    created = join(created, part);
    await fs.chown(created, owner.uid, owner.gid);
  }
}

async function readFileOrNull(path: string): Promise<string | null> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(path);
  } catch (err) {
    const code = errnoCode(err);
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    throw toTargetError(path, "read", err);
  }
  return decodeUtf8(path, bytes);
}

/**
 * The text of a UTF-8 file (a BOM stays in the text, so writing it back gives the same bytes).
 * Anything else is refused: decoding it would turn its bytes into U+FFFD, and the write (and
 * the backup) would then lose them for good.
 */
export function decodeUtf8(path: string, bytes: Buffer): string {
  if (isUtf8(bytes)) return bytes.toString("utf8");
  const lossy = Buffer.from(bytes.toString("utf8"), "utf8");
  let at = 0;
  while (at < bytes.length && bytes[at] === lossy[at]) at++;
  const before = bytes.subarray(0, at);
  const line = before.filter((b) => b === 0x0a).length + 1;
  const col = at - (before.lastIndexOf(0x0a) + 1) + 1;
  throw new TargetError(
    path,
    `is not valid UTF-8 (byte 0x${(bytes[at] ?? 0).toString(16).padStart(2, "0")} at line ${line}, column ${col}); ` +
      "neuradock edits UTF-8 files only and changed nothing. Convert it to UTF-8 (e.g. `iconv -f latin1 -t utf-8`) and run neuradock again",
  );
}

async function removeFile(path: string): Promise<void> {
  try {
    await fs.unlink(path);
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return;
    throw toTargetError(path, "remove", err);
  }
}

async function createExclusive(
  path: string,
  data: string,
  options: WriteOptions = {},
  owner?: Owner,
): Promise<boolean> {
  try {
    await makeDirs(dirname(path), options.dirMode ?? DEFAULT_DIR_MODE, owner);
  } catch (err) {
    // EEXIST here is a file where the directory should be, not the file we create.
    throw toTargetError(dirname(path), "create the directory", err);
  }
  try {
    const handle = await fs.open(
      path,
      fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY,
      options.mode ?? DEFAULT_FILE_MODE,
    );
    try {
      if (owner) await handle.chown(owner.uid, owner.gid);
      await handle.writeFile(data, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    return true;
  } catch (err) {
    if (errnoCode(err) === "EEXIST") return false;
    throw toTargetError(path, "create", err);
  }
}

/**
 * Where a write to `path` must land, and what is there now. A symlink (a dotfiles repo)
 * is written through: the real file is replaced and the link stays a link.
 */
async function resolveWriteTarget(path: string): Promise<{ real: string; existing: Stats | null }> {
  const link = await orNull(() => fs.lstat(path));
  if (link === null) return { real: path, existing: null };
  if (link.isSymbolicLink()) {
    let real: string;
    try {
      real = await fs.realpath(path);
    } catch (err) {
      const code = errnoCode(err);
      if (code === "ENOENT" || code === "ENOTDIR") {
        const target = await fs.readlink(path).catch(() => "?");
        throw new TargetError(
          path,
          `is a symbolic link to ${target}, which does not exist (dangling link); fix or remove the link`,
        );
      }
      throw toTargetError(path, "resolve the symbolic link", err);
    }
    const stats = await fs.stat(real);
    checkRegular(path, stats);
    return { real, existing: stats };
  }
  checkRegular(path, link);
  return { real: path, existing: link };
}

function checkRegular(path: string, stats: Stats): void {
  if (stats.isDirectory()) throw new TargetError(path, "is a directory, expected a file");
  if (!stats.isFile()) throw new TargetError(path, "is not a regular file");
}

async function writeFileAtomic(
  path: string,
  data: string,
  options: WriteOptions = {},
  owner?: Owner,
): Promise<void> {
  const { real, existing } = await resolveWriteTarget(path);
  const dir = dirname(real);
  if (existing === null) {
    try {
      await makeDirs(dir, options.dirMode ?? DEFAULT_DIR_MODE, owner);
    } catch (err) {
      // mkdir -p meeting a file where a folder of the path goes (`~/.qwen` a file, say).
      const code = errnoCode(err);
      if (code === "EEXIST" || code === "ENOTDIR") {
        throw new TargetError(
          path,
          `cannot create its directory: a file is in the way of a folder on its path (${code})`,
        );
      }
      throw toTargetError(path, "create its directory", err);
    }
  }
  // Same directory as the target, so the rename cannot cross a file system.
  // node:crypto only here, when a file is written: reading commands never load it.
  const { randomBytes } = await import("node:crypto");
  const temp = join(dir, tempNameFor(basename(real), randomBytes(6).toString("hex")));
  let created = false;
  try {
    const handle = await fs.open(
      temp,
      fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY,
      0o600,
    );
    created = true;
    try {
      await handle.writeFile(data, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (existing !== null) {
      await fs.chmod(temp, existing.mode & (options.secret ? 0o7700 : 0o7777));
      // Only root can give a file away; anyone else writes files they own anyway.
      if (isRoot()) await fs.chown(temp, existing.uid, existing.gid);
    } else {
      await fs.chmod(temp, options.mode ?? DEFAULT_FILE_MODE);
      if (owner) await fs.chown(temp, owner.uid, owner.gid);
    }
    await fs.rename(temp, real);
    created = false;
  } catch (err) {
    if (created) await fs.unlink(temp).catch(() => undefined);
    throw toTargetError(path, "write", err);
  }
  await syncDirectory(dir);
}

/** Make the rename durable. Some platforms cannot fsync a directory: that is not an error. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, "r");
    await handle.sync();
  } catch {
    // best effort (Windows, some network file systems)
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

async function orNull<T>(fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (err) {
    const code = errnoCode(err);
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    throw err;
  }
}

function toFileStat(stats: Stats | null): FileStat | null {
  if (stats === null) return null;
  return {
    kind: stats.isSymbolicLink()
      ? "symlink"
      : stats.isDirectory()
        ? "directory"
        : stats.isFile()
          ? "file"
          : "other",
    mode: stats.mode & 0o7777,
    uid: stats.uid,
    gid: stats.gid,
    size: stats.size,
    mtimeMs: stats.mtimeMs,
  };
}
