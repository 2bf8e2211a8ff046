import { hostname } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { LockError, TargetError } from "../errors.js";
import type { System } from "../system/types.js";

export const LOCK_FILE = "apply.lock";

export interface LockOptions {
  /** How long a second apply waits for the first one (default 10 s). */
  timeoutMs?: number;
  pollMs?: number;
  /** Whether a process id is alive on this host (injected by tests). */
  isAlive?: (pid: number) => boolean;
  now?: () => Date;
  /** Called once when the lock is found held by a live process and the wait begins. */
  onWait?: (holder: LockHolder | null) => void;
}

export interface LockHolder {
  pid: number;
  host: string;
  started: string;
}

export interface ApplyLock {
  readonly path: string;
  release(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_POLL_MS = 100;
// A lock file without a readable holder is a process killed between create and write.
const UNREADABLE_GRACE_MS = 2_000;

/**
 * Take the apply lock: a file in stateDir created with O_EXCL holding pid, host and start
 * time. Waits while a live process holds it, takes over the lock of a dead one.
 */
export async function acquireLock(
  system: System,
  stateDir: string,
  options: LockOptions = {},
): Promise<ApplyLock> {
  const path = join(stateDir, LOCK_FILE);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const isAlive = options.isAlive ?? isProcessAlive;
  const now = options.now ?? (() => new Date());
  const me: LockHolder = { pid: process.pid, host: hostname(), started: now().toISOString() };
  const content = `${JSON.stringify(me)}\n`;
  const deadline = Date.now() + timeoutMs;
  const dir = await system.stat(stateDir);
  if (dir !== null && dir.kind !== "directory") {
    // Not a lock held by anyone: waiting could never help.
    throw new TargetError(
      stateDir,
      "the state directory is not a directory; move that file aside, or point NEURADOCK_STATE_DIR at a directory",
    );
  }

  let holder: LockHolder | null = null;
  let waiting = false;
  for (;;) {
    if (await system.createExclusive(path, content, { mode: 0o600, dirMode: 0o700 })) {
      return { path, release: () => releaseLock(system, path, content) };
    }
    const text = await system.readFile(path);
    holder = text === null ? null : parseHolder(text);
    if (text === null) {
      // Released between our create and our read; retry (unless the path can never be created).
      if (Date.now() >= deadline) break;
    } else if (await isStale(system, path, holder, isAlive)) {
      // Remove only the lock we judged stale, not one a third process just took.
      if ((await system.readFile(path)) === text) await system.removeFile(path);
      continue;
    } else if (Date.now() >= deadline) {
      break;
    } else if (!waiting) {
      waiting = true;
      options.onWait?.(holder);
    }
    await sleep(Math.min(pollMs, Math.max(1, deadline - Date.now())));
  }
  const who = holder
    ? `pid ${holder.pid}${holder.host === me.host ? "" : ` on ${holder.host}`}, since ${holder.started}`
    : "an unknown process";
  throw new LockError(
    `another neuradock apply is running (${who}); waited ${Math.round(timeoutMs / 1000)} s. ` +
      `If it is not, remove the lock file ${path}`,
  );
}

async function releaseLock(system: System, path: string, content: string): Promise<void> {
  if ((await system.readFile(path)) === content) await system.removeFile(path);
}

function parseHolder(text: string): LockHolder | null {
  try {
    const v = JSON.parse(text) as Partial<LockHolder>;
    if (typeof v.pid === "number" && typeof v.host === "string" && typeof v.started === "string") {
      return { pid: v.pid, host: v.host, started: v.started };
    }
  } catch {
    // unreadable: handled by the caller
  }
  return null;
}

async function isStale(
  system: System,
  path: string,
  holder: LockHolder | null,
  isAlive: (pid: number) => boolean,
): Promise<boolean> {
  if (holder === null) {
    const stat = await system.stat(path);
    return stat !== null && Date.now() - stat.mtimeMs > UNREADABLE_GRACE_MS;
  }
  // A pid on another host (shared home directory) cannot be checked: never steal it.
  if (holder.host !== hostname()) return false;
  return !isAlive(holder.pid);
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as { code?: string }).code === "EPERM";
  }
}
