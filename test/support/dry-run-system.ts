import { posix } from "node:path";
import type { FileStat, System, WriteOptions } from "../../src/system/types.js";

export type DryRunAction =
  | { op: "write"; path: string; data: string; mode: number | undefined }
  | { op: "remove"; path: string }
  | { op: "mkdir"; path: string; mode: number | undefined }
  | { op: "chmod"; path: string; mode: number }
  | { op: "create"; path: string; data: string };

export interface DryRunSystem extends System {
  /** What would have been written, in order. `data` may hold secrets: never print it. */
  readonly actions: readonly DryRunAction[];
}

/**
 * Reads through `base`, writes nowhere (as chezmoi's DryRunSystem), and records what it would
 * have done. Reads see the recorded writes, so a dry-run apply behaves like a real one.
 */
export function createDryRunSystem(base: System): DryRunSystem {
  const actions: DryRunAction[] = [];
  // path → pending content (null = removed)
  const overlay = new Map<string, string | null>();
  const key = (path: string) => posix.resolve("/", path);

  const overlaid = (path: string): string | null | undefined => overlay.get(key(path));

  const fakeStat = (data: string, mode: number | undefined): FileStat => ({
    kind: "file",
    mode: mode ?? 0o600,
    uid: typeof process.getuid === "function" ? process.getuid() : 0,
    gid: typeof process.getgid === "function" ? process.getgid() : 0,
    size: Buffer.byteLength(data),
    mtimeMs: Date.now(),
  });

  const modeOf = (path: string): number | undefined => {
    for (let i = actions.length - 1; i >= 0; i--) {
      const a = actions[i] as DryRunAction;
      if (a.op === "write" && key(a.path) === key(path)) return a.mode;
    }
    return undefined;
  };

  return {
    actions,
    async readFile(path) {
      const pending = overlaid(path);
      return pending === undefined ? base.readFile(path) : pending;
    },
    async lstat(path) {
      const pending = overlaid(path);
      if (pending === undefined) return base.lstat(path);
      return pending === null
        ? null
        : ((await base.lstat(path)) ?? fakeStat(pending, modeOf(path)));
    },
    async stat(path) {
      const pending = overlaid(path);
      if (pending === undefined) return base.stat(path);
      return pending === null ? null : ((await base.stat(path)) ?? fakeStat(pending, modeOf(path)));
    },
    realpath: (path) => base.realpath(path),
    async writeFileAtomic(path: string, data: string, options: WriteOptions = {}) {
      actions.push({ op: "write", path, data, mode: options.mode });
      overlay.set(key(path), data);
    },
    async removeFile(path) {
      actions.push({ op: "remove", path });
      overlay.set(key(path), null);
    },
    async mkdirp(path, mode) {
      actions.push({ op: "mkdir", path, mode });
    },
    async chmod(path, mode) {
      actions.push({ op: "chmod", path, mode });
    },
    async readdir(path) {
      const names = new Set(await base.readdir(path));
      const dir = key(path);
      for (const [p, data] of overlay) {
        if (posix.dirname(p) !== dir) continue;
        if (data === null) names.delete(posix.basename(p));
        else names.add(posix.basename(p));
      }
      return [...names].sort();
    },
    async createExclusive(path, data) {
      if (overlaid(path) != null || (overlaid(path) === undefined && (await base.lstat(path)))) {
        return false;
      }
      actions.push({ op: "create", path, data });
      overlay.set(key(path), data);
      return true;
    },
  };
}
