import { posix } from "node:path";
import { TargetError } from "../../src/errors.js";
import { makeErrnoError, toTargetError } from "../../src/system/fs-errors.js";
import { tempNameFor } from "../../src/system/temp-files.js";
import type { FileStat, System, WriteOptions } from "../../src/system/types.js";

/** How a file, link or directory is described when seeding a memory system. */
export type MemoryEntry =
  | string
  | { kind?: "file"; content: string; mode?: number; uid?: number; gid?: number }
  | { kind: "symlink"; target: string }
  | { kind: "dir"; mode?: number };

/**
 * An injected failure. `write` fails while the temp file is written, `rename` when it is
 * moved over the target, `remove` on removeFile. `nth` counts calls of that kind (1-based)
 * from when the fault was added; `path` restricts the count to one path as passed in.
 */
export interface MemoryFault {
  op: "write" | "rename" | "remove";
  nth?: number;
  code: string;
  path?: string;
}

export type MemorySnapshotEntry =
  | { kind: "file"; content: string; mode: number; mtimeMs: number }
  | { kind: "symlink"; target: string }
  | { kind: "dir"; mode: number };

export interface MemoryLogEntry {
  op: "write" | "remove" | "create";
  /** The path written (for a symlink: the real file behind it). */
  path: string;
}

export interface MemorySystem extends System {
  failOn(fault: MemoryFault): void;
  clearFaults(): void;
  /** Every node of the tree, by absolute path (parents included). */
  snapshot(): Record<string, MemorySnapshotEntry>;
  /** Completed mutations, in order. */
  readonly log: readonly MemoryLogEntry[];
}

type Node =
  | { kind: "file"; data: string; mode: number; uid: number; gid: number; mtimeMs: number }
  | { kind: "symlink"; target: string; mtimeMs: number }
  | { kind: "dir"; mode: number; mtimeMs: number };

const OWNER_UID = 1000;
const OWNER_GID = 1000;
const MAX_LINK_HOPS = 40;

/** An in-memory tree (files, directories, symlinks, modes) for fast tests, with fault injection. */
export function createMemorySystem(files: Record<string, MemoryEntry> = {}): MemorySystem {
  const nodes = new Map<string, Node>([["/", { kind: "dir", mode: 0o755, mtimeMs: 0 }]]);
  const faults: Array<MemoryFault & { seen: number }> = [];
  const log: MemoryLogEntry[] = [];
  // A logical clock: every mutation gets a fresh, strictly increasing mtime.
  let clock = 1_700_000_000_000;
  const tick = () => {
    clock += 1000;
    return clock;
  };
  let tempSeq = 0;

  const abs = (path: string) => posix.resolve("/", path);

  /** The path with its symlinks resolved (the last one only when followLast). */
  const resolve = (path: string, followLast: boolean): string => {
    let pending = abs(path);
    for (let hops = 0; hops <= MAX_LINK_HOPS; hops++) {
      const parts = pending.split("/").filter(Boolean);
      let cur = "/";
      let restarted = false;
      for (let i = 0; i < parts.length; i++) {
        const next = posix.join(cur, parts[i] as string);
        const node = nodes.get(next);
        const isLast = i === parts.length - 1;
        if (node?.kind === "symlink" && (!isLast || followLast)) {
          const target = posix.isAbsolute(node.target) ? node.target : posix.join(cur, node.target);
          pending = posix.join(target, ...parts.slice(i + 1));
          restarted = true;
          break;
        }
        if (!isLast && node?.kind === "file") throw makeErrnoError("ENOTDIR", "open", path);
        cur = next;
      }
      if (!restarted) return cur;
    }
    throw makeErrnoError("ELOOP", "open", path);
  };

  const takeFault = (op: MemoryFault["op"], path: string): string | undefined => {
    for (const fault of faults) {
      if (fault.op !== op) continue;
      if (fault.path !== undefined && abs(fault.path) !== abs(path)) continue;
      fault.seen += 1;
      if (fault.seen === (fault.nth ?? 1)) return fault.code;
    }
    return undefined;
  };

  const makeDirs = (dir: string, mode: number, forPath: string) => {
    const parts = dir.split("/").filter(Boolean);
    let cur = "/";
    for (const part of parts) {
      cur = posix.join(cur, part);
      const real = resolve(cur, true);
      const node = nodes.get(real);
      if (node === undefined) {
        nodes.set(real, { kind: "dir", mode, mtimeMs: tick() });
        cur = real;
      } else if (node.kind !== "dir") {
        throw makeErrnoError("ENOTDIR", "mkdir", forPath);
      } else {
        cur = real;
      }
    }
  };

  const checkWritableDir = (dir: string, forPath: string) => {
    const node = nodes.get(dir);
    if (node?.kind === "dir" && (node.mode & 0o200) === 0) {
      throw makeErrnoError("EACCES", "open", forPath);
    }
  };

  const toStat = (node: Node | undefined): FileStat | null => {
    if (node === undefined) return null;
    if (node.kind === "file") {
      return {
        kind: "file",
        mode: node.mode,
        uid: node.uid,
        gid: node.gid,
        size: Buffer.byteLength(node.data),
        mtimeMs: node.mtimeMs,
      };
    }
    if (node.kind === "dir") {
      return {
        kind: "directory",
        mode: node.mode,
        uid: OWNER_UID,
        gid: OWNER_GID,
        size: 0,
        mtimeMs: node.mtimeMs,
      };
    }
    return {
      kind: "symlink",
      mode: 0o777,
      uid: OWNER_UID,
      gid: OWNER_GID,
      size: node.target.length,
      mtimeMs: node.mtimeMs,
    };
  };

  const safeResolve = (path: string, followLast: boolean): string | null => {
    try {
      return resolve(path, followLast);
    } catch {
      return null;
    }
  };

  for (const [path, entry] of Object.entries(files)) {
    const p = abs(path);
    makeDirs(posix.dirname(p), 0o755, p);
    if (typeof entry === "string") {
      nodes.set(p, {
        kind: "file",
        data: entry,
        mode: 0o644,
        uid: OWNER_UID,
        gid: OWNER_GID,
        mtimeMs: tick(),
      });
    } else if (entry.kind === "symlink") {
      nodes.set(p, { kind: "symlink", target: entry.target, mtimeMs: tick() });
    } else if (entry.kind === "dir") {
      makeDirs(p, entry.mode ?? 0o755, p);
      const node = nodes.get(p);
      if (node?.kind === "dir") node.mode = entry.mode ?? node.mode;
    } else {
      nodes.set(p, {
        kind: "file",
        data: entry.content,
        mode: entry.mode ?? 0o644,
        uid: entry.uid ?? OWNER_UID,
        gid: entry.gid ?? OWNER_GID,
        mtimeMs: tick(),
      });
    }
  }

  const system: MemorySystem = {
    log,

    async readFile(path) {
      let real: string;
      try {
        real = resolve(path, true);
      } catch (err) {
        // As the real disk: a path through a file reads as absent, a link loop is an error.
        if ((err as NodeJS.ErrnoException).code === "ENOTDIR") return null;
        throw toTargetError(path, "read", err);
      }
      const node = nodes.get(real);
      if (node === undefined) return null;
      if (node.kind === "dir")
        throw toTargetError(path, "read", makeErrnoError("EISDIR", "read", path));
      if (node.kind !== "file") return null;
      return node.data;
    },

    async lstat(path) {
      const real = safeResolve(path, false);
      return real === null ? null : toStat(nodes.get(real));
    },

    async stat(path) {
      const real = safeResolve(path, true);
      return real === null ? null : toStat(nodes.get(real));
    },

    async realpath(path) {
      const real = resolve(path, true);
      if (!nodes.has(real)) throw makeErrnoError("ENOENT", "realpath", path);
      return real;
    },

    async writeFileAtomic(path: string, data: string, options: WriteOptions = {}) {
      let real: string;
      try {
        real = resolve(path, false);
      } catch (err) {
        throw toTargetError(path, "write", err);
      }
      if (nodes.get(real)?.kind === "symlink") {
        real = resolve(path, true);
        if (!nodes.has(real)) {
          const link = nodes.get(resolve(path, false));
          const target = link?.kind === "symlink" ? link.target : "?";
          throw new TargetError(
            path,
            `is a symbolic link to ${target}, which does not exist (dangling link); fix or remove the link`,
          );
        }
      }
      const existing = nodes.get(real);
      if (existing?.kind === "dir") throw new TargetError(path, "is a directory, expected a file");
      const dir = posix.dirname(real);
      try {
        if (existing === undefined) makeDirs(dir, options.dirMode ?? 0o700, path);
        checkWritableDir(dir, path);
      } catch (err) {
        throw toTargetError(path, "write", err);
      }
      const temp = posix.join(
        dir,
        tempNameFor(posix.basename(real), (tempSeq++).toString(16).padStart(12, "0")),
      );
      nodes.set(temp, {
        kind: "file",
        data: "",
        mode: 0o600,
        uid: OWNER_UID,
        gid: OWNER_GID,
        mtimeMs: tick(),
      });
      const writeFault = takeFault("write", path);
      if (writeFault) {
        nodes.delete(temp);
        throw toTargetError(path, "write", makeErrnoError(writeFault, "write", temp));
      }
      const renameFault = takeFault("rename", path);
      if (renameFault) {
        nodes.delete(temp);
        throw toTargetError(path, "write", makeErrnoError(renameFault, "rename", temp));
      }
      nodes.delete(temp);
      nodes.set(real, {
        kind: "file",
        data,
        mode:
          existing?.kind === "file"
            ? existing.mode & (options.secret ? 0o7700 : 0o7777)
            : (options.mode ?? 0o600),
        uid: existing?.kind === "file" ? existing.uid : OWNER_UID,
        gid: existing?.kind === "file" ? existing.gid : OWNER_GID,
        mtimeMs: tick(),
      });
      log.push({ op: "write", path: real });
    },

    async removeFile(path) {
      const real = safeResolve(path, false);
      if (real === null) return;
      const node = nodes.get(real);
      if (node === undefined) return;
      if (node.kind === "dir") throw new TargetError(path, "is a directory, expected a file");
      const fault = takeFault("remove", path);
      try {
        if (fault) throw makeErrnoError(fault, "unlink", path);
        checkWritableDir(posix.dirname(real), path);
      } catch (err) {
        throw toTargetError(path, "remove", err);
      }
      nodes.delete(real);
      log.push({ op: "remove", path: real });
    },

    async mkdirp(path, mode = 0o700) {
      try {
        makeDirs(abs(path), mode, path);
      } catch (err) {
        throw toTargetError(path, "create the directory", err);
      }
    },

    async chmod(path, mode) {
      const real = safeResolve(path, true);
      const node = real === null ? undefined : nodes.get(real);
      if (node === undefined || node.kind === "symlink") {
        throw toTargetError(
          path,
          "change its permissions",
          makeErrnoError("ENOENT", "chmod", path),
        );
      }
      node.mode = mode & 0o7777;
    },

    async readdir(path) {
      const real = safeResolve(path, true);
      if (real === null || nodes.get(real)?.kind !== "dir") return [];
      const prefix = real === "/" ? "/" : `${real}/`;
      const names: string[] = [];
      for (const key of nodes.keys()) {
        if (key !== real && key.startsWith(prefix) && !key.slice(prefix.length).includes("/")) {
          names.push(key.slice(prefix.length));
        }
      }
      return names.sort();
    },

    async createExclusive(path, data, options = {}) {
      const real = resolve(path, false);
      if (nodes.has(real)) return false;
      try {
        makeDirs(posix.dirname(real), options.dirMode ?? 0o700, path);
        checkWritableDir(posix.dirname(real), path);
      } catch (err) {
        throw toTargetError(path, "create", err);
      }
      nodes.set(real, {
        kind: "file",
        data,
        mode: options.mode ?? 0o600,
        uid: OWNER_UID,
        gid: OWNER_GID,
        mtimeMs: tick(),
      });
      log.push({ op: "create", path: real });
      return true;
    },

    failOn(fault) {
      faults.push({ ...fault, seen: 0 });
    },

    clearFaults() {
      faults.length = 0;
    },

    snapshot() {
      const out: Record<string, MemorySnapshotEntry> = {};
      for (const [path, node] of [...nodes.entries()].sort(([a], [b]) => a.localeCompare(b))) {
        if (node.kind === "file") {
          out[path] = { kind: "file", content: node.data, mode: node.mode, mtimeMs: node.mtimeMs };
        } else if (node.kind === "symlink") {
          out[path] = { kind: "symlink", target: node.target };
        } else {
          out[path] = { kind: "dir", mode: node.mode };
        }
      }
      return out;
    },
  };
  return system;
}
