import { cpSync, existsSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type ClientRun, runCommand } from "./run-client.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const builtDist = join(repoRoot, "dist");
/** A private copy of dist/ (see snapshotBuild); inside the repo so node_modules resolves. */
const suiteDist = join(repoRoot, ".cache", "compat-dist");
export const CLI = join(suiteDist, "cli.js");

/**
 * Copies the build the suite was started with, so a rebuild running meanwhile (tsup cleans
 * dist/ first) cannot pull the CLI out from under a test.
 */
export function snapshotBuild(): boolean {
  rmSync(suiteDist, { recursive: true, force: true });
  if (!existsSync(join(builtDist, "cli.js"))) return false;
  cpSync(builtDist, suiteDist, { recursive: true });
  return true;
}

/** Runs the built CLI with the same clean environment as the clients, plus `env`. */
export function runNeuradock(
  args: string[],
  opts: { home: string; env: Record<string, string> },
): Promise<ClientRun> {
  return runCommand(process.execPath, [CLI, ...args], {
    home: opts.home,
    env: opts.env,
    timeoutMs: 60_000,
  });
}

/** Bytes of each file, or null when absent: compares files one by one, not directories. */
export function snapshotFiles(files: readonly string[]): Map<string, Buffer | null> {
  return new Map(files.map((f) => [f, existsSync(f) ? readFileSync(f) : null]));
}

/** Files whose bytes differ between two snapshots (absent ≠ present). */
export function changedFiles(
  before: Map<string, Buffer | null>,
  after: Map<string, Buffer | null>,
): string[] {
  return [...before.keys()].filter((f) => {
    const a = before.get(f) ?? null;
    const b = after.get(f) ?? null;
    return a === null || b === null ? a !== b : !a.equals(b);
  });
}
