/**
 * writeFileAtomic's temp files: `.<target name>.<12 hex>.tmp`, beside the target. A killed
 * write leaves one behind (holding a secret, 0600); the next apply removes it.
 */
export function tempNameFor(target: string, random: string): string {
  return `.${target}.${random}.tmp`;
}

/** Whether a directory entry is a leftover temp file of `target` (a base name). */
export function isTempFileOf(name: string, target: string): boolean {
  return (
    name.length === target.length + 18 &&
    name.startsWith(`.${target}.`) &&
    /^[0-9a-f]{12}\.tmp$/.test(name.slice(target.length + 2))
  );
}

/** Whether a directory entry is a leftover temp file of any target. */
export function isTempFile(name: string): boolean {
  return /^\..+\.[0-9a-f]{12}\.tmp$/.test(name);
}
