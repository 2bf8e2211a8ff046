/**
 * All disk access goes through a System (as in chezmoi). src/ has the real one; the test
 * doubles (in-memory with fault injection, dry-run) live in test/support/, and
 * test/unit/system/contract.test.ts holds the memory double and the real disk to one contract.
 */
export interface FileStat {
  kind: "file" | "directory" | "symlink" | "other";
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeMs: number;
}

export interface WriteOptions {
  /** Mode for a file that does not exist yet; an existing file keeps its mode and owner. */
  mode?: number;
  /** Mode for parent directories that must be created. */
  dirMode?: number;
  /**
   * The data is secret: an existing file keeps its owner but loses any group/other
   * permission bits (a world-readable auth.json or saved plan would expose the key).
   */
  secret?: boolean;
}

export interface System {
  /** File contents, or null when the path does not exist. Follows symlinks. */
  readFile(path: string): Promise<string | null>;
  /** lstat-like: a symlink is reported as such. null when absent. */
  lstat(path: string): Promise<FileStat | null>;
  /** stat-like: follows symlinks. null when absent (or a dangling link). */
  stat(path: string): Promise<FileStat | null>;
  /** The final target of a symlink chain (the path itself when not a link). */
  realpath(path: string): Promise<string>;
  /**
   * Atomically replace (or create) a file: temp file in the same directory, fsync, rename.
   * A symlink is written through (its target is replaced), never replaced by a file.
   */
  writeFileAtomic(path: string, data: string, options?: WriteOptions): Promise<void>;
  /** Remove a file; no error when it is already gone. */
  removeFile(path: string): Promise<void>;
  mkdirp(path: string, mode?: number): Promise<void>;
  /** Set the permission bits of an existing file or directory (follows symlinks). */
  chmod(path: string, mode: number): Promise<void>;
  readdir(path: string): Promise<string[]>;
  /**
   * Create a file only if nothing exists at the path (O_EXCL): true when created, false when
   * something was already there. The apply lock is built on it.
   */
  createExclusive(path: string, data: string, options?: WriteOptions): Promise<boolean>;
}
