import { createHash } from "node:crypto";
import { basename, join } from "node:path";
import { isTempFile } from "../system/temp-files.js";
import type { System } from "../system/types.js";

export const BACKUP_DIR = "backups";
export const KEEP_BACKUPS = 10;

/**
 * The name prefix of one file's backups: its base name (readable) plus a short hash of the
 * full path, so ~/.codex/config.toml and another config.toml do not share a rotation.
 */
export function backupPrefix(file: string): string {
  const id = createHash("sha256").update(file).digest("hex").slice(0, 8);
  return `${basename(file)}.${id}.`;
}

/** Backups of one file, oldest first. */
export async function listBackups(
  system: System,
  stateDir: string,
  file: string,
): Promise<string[]> {
  const dir = join(stateDir, BACKUP_DIR);
  const prefix = backupPrefix(file);
  return (await system.readdir(dir))
    .filter((name) => name.startsWith(prefix) && name.endsWith(".bak"))
    .sort()
    .map((name) => join(dir, name));
}

/**
 * Save `text` (the file as it is now) to stateDir/backups/ as a timestamped 0600 copy and
 * drop all but the newest `keep` copies of that file. Returns the backup's path.
 */
export async function backupFile(
  system: System,
  stateDir: string,
  file: string,
  text: string,
  now: Date,
  keep: number = KEEP_BACKUPS,
): Promise<string> {
  const dir = join(stateDir, BACKUP_DIR);
  const entries = await system.readdir(dir);
  // Killed backups leave temp files here; we hold the apply lock, so none is in progress.
  for (const name of entries.filter(isTempFile)) await system.removeFile(join(dir, name));
  const existing = new Set(entries);
  // ISO time sorts as text; the sequence number separates two backups in one millisecond.
  const stamp = now.toISOString().replace(/:/g, "-");
  const prefix = backupPrefix(file);
  let seq = 0;
  let name = `${prefix}${stamp}-${pad(seq)}.bak`;
  while (existing.has(name)) name = `${prefix}${stamp}-${pad(++seq)}.bak`;
  const path = join(dir, name);
  await system.writeFileAtomic(path, text, { mode: 0o600, dirMode: 0o700, secret: true });

  const all = await listBackups(system, stateDir, file);
  for (const old of all.slice(0, Math.max(0, all.length - keep))) await system.removeFile(old);
  return path;
}

function pad(n: number): string {
  return String(n).padStart(3, "0");
}
