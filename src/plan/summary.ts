import type { KeyPath } from "../targets/types.js";
import type { Action, FilePlan } from "./types.js";

/**
 * The containers of a file plan that are shown (and counted) as removals of their own: an
 * object/table neuradock created and that is empty now. When the file goes as well, its
 * deletion already says so, unless these are the only changes.
 */
/** `0644`: permission bits as `ls -l`/`chmod` users write them. */
export function formatMode(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, "0")}`;
}

export function shownContainerRemovals(file: FilePlan): KeyPath[] {
  if (file.deleteFile && file.changes.length > 0) return [];
  return file.removeContainers.filter((c) => c.length > 0);
}

/** Changes by action, as `plan` prints them and `apply` reports them: one count for both. */
export function summarizeFiles(files: readonly FilePlan[]): Record<Action, number> {
  const summary: Record<Action, number> = { create: 0, update: 0, delete: 0 };
  for (const file of files) {
    for (const c of file.changes) summary[c.action]++;
    summary.delete += shownContainerRemovals(file).length;
    // A mode that changes is a change to the file, shown and counted like one.
    if (file.mode) summary.update++;
  }
  return summary;
}
