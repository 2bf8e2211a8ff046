import { TargetError } from "../errors.js";

const REASONS: Record<string, string> = {
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  EISDIR: "is a directory, expected a file",
  ENOTDIR: "a parent of the path is not a directory",
  ELOOP: "too many levels of symbolic links",
  EBUSY: "the file is busy",
  EIO: "input/output error",
  EMFILE: "too many open files",
  ENAMETOOLONG: "file name too long",
  EXDEV: "cross-device rename",
};

/** The errno code of a Node fs error, if any. */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** A readable reason for an fs error; Node's own message is not used (it repeats paths). */
export function describeFsError(err: unknown): string {
  if (err instanceof TargetError) return err.message;
  const code = errnoCode(err);
  if (code) return `${REASONS[code] ?? "file system error"} (${code})`;
  return err instanceof Error ? err.message : String(err);
}

/** Wrap an fs error into a TargetError naming the file and what was being done. */
export function toTargetError(file: string, doing: string, err: unknown): TargetError {
  if (err instanceof TargetError) return err;
  return new TargetError(file, `cannot ${doing}: ${describeFsError(err)}`);
}

/** A Node-style errno error, for the in-memory system's injected faults. */
export function makeErrnoError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  const err = new Error(`${code}: ${syscall} '${path}'`) as NodeJS.ErrnoException;
  err.code = code;
  err.syscall = syscall;
  err.path = path;
  return err;
}
