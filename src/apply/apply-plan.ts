import { basename, dirname, join } from "node:path";
import type { ToolId } from "../config/types.js";
import { NeuradockError, StalePlanError, TargetError } from "../errors.js";
import { hashText } from "../plan/hash.js";
import {
  emptyLedger,
  ledgerPath,
  mergeLedger,
  parseLedger,
  pendingLedger,
  readLedger,
  serializeLedger,
} from "../plan/ledger.js";
import { summarizeFiles } from "../plan/summary.js";
import type { Action, FilePlan, Ledger, Plan } from "../plan/types.js";
import { describeFsError } from "../system/fs-errors.js";
import { isTempFileOf } from "../system/temp-files.js";
import type { System } from "../system/types.js";
import { targetAdapter } from "../targets/adapters.js";
import { applyFilePlan } from "../targets/edit.js";
import type { TargetId } from "../targets/types.js";
import { backupFile, KEEP_BACKUPS } from "./backup.js";
import { acquireLock, type LockOptions } from "./lock.js";

export interface ApplyOptions {
  system: System;
  stateDir: string;
  now?: () => Date;
  /** Lock options; `"held"` when the caller already holds the lock (plan + apply under one lock). */
  lock?: LockOptions | "held";
  keepBackups?: number;
  /** The plan came from a file (`apply PLANFILE`): words the stale-plan error for that. */
  savedPlan?: boolean;
}

export type FileOutcome = "created" | "updated" | "deleted" | "unchanged";

export interface AppliedFile {
  tool: ToolId;
  target: TargetId;
  file: string;
  outcome: FileOutcome;
  /** The copy taken before the first write, null when the file was absent or not written. */
  backup: string | null;
}

export interface ApplyResult {
  files: AppliedFile[];
  /** Changes carried out, by action ("N added, N changed, N removed"). */
  summary: Record<Action, number>;
  ledgerWritten: boolean;
}

interface Step {
  plan: FilePlan;
  before: string | null;
  after: string | null;
}

/**
 * Refuse the plan when any file moved since it was made (Terraform's "Saved plan is stale").
 * Returns the current text of each file, so the caller edits exactly what it compared.
 */
export async function checkPlanBasis(
  plan: Pick<Plan, "files">,
  system: System,
  savedPlan = true,
): Promise<Map<string, string | null>> {
  const current = new Map<string, string | null>();
  const stale: string[] = [];
  for (const fp of plan.files) {
    const text = await system.readFile(fp.file);
    current.set(fp.file, text);
    const sha = text === null ? null : hashText(text);
    if (sha !== fp.basis) stale.push(fp.file);
  }
  if (stale.length > 0) {
    const files = stale.join(", ");
    throw new StalePlanError(
      savedPlan
        ? `Saved plan is stale: ${files} changed since the plan was made. ` +
            "Nothing was written; run `neuradock plan` again."
        : `${files} changed while the plan was shown (another program wrote it). ` +
            "Nothing was written; run `neuradock apply` again.",
    );
  }
  return current;
}

/**
 * Carry out a plan: lock, stale check, back up, write the files in a safe order (rolling
 * back the earlier ones when a later write fails), then the ledger. Unchanged files are
 * not touched, so a second apply writes nothing.
 */
export async function applyPlan(plan: Plan, options: ApplyOptions): Promise<ApplyResult> {
  const { system, stateDir } = options;
  const now = options.now ?? (() => new Date());
  const lock =
    options.lock === "held" ? null : await acquireLock(system, stateDir, { now, ...options.lock });
  try {
    await removeLeftoverTemps(system, [...plan.files.map((f) => f.file), ledgerPath(stateDir)]);
    const current = await checkPlanBasis(plan, system, options.savedPlan ?? true);
    const steps: Step[] = orderForWrite(plan.files).map((fp) => {
      const before = current.get(fp.file) ?? null;
      return { plan: fp, before, after: applyFilePlan(before, fp) };
    });
    // A step writes the file when its text changes, or only sets its mode (0644 → 0600).
    const writes = steps.filter((s) => s.after !== s.before || s.plan.mode !== undefined);
    const edits = writes.filter((s) => s.after !== s.before);

    // The ledger is read and parsed once: the pending and the final version both start from it.
    const ledgerFile = ledgerPath(stateDir);
    const ledgerBefore = await system.readFile(ledgerFile);
    const oldLedger = ledgerBefore === null ? emptyLedger() : parseLedger(ledgerBefore, ledgerFile);
    checkModeRestores(plan, oldLedger);

    const backups = new Map<string, string>();
    const stamp = now();
    for (const step of edits) {
      if (step.before === null) continue;
      const path = await backupFile(
        system,
        stateDir,
        step.plan.file,
        step.before,
        stamp,
        options.keepBackups ?? KEEP_BACKUPS,
      );
      backups.set(step.plan.file, path);
    }

    const done: Step[] = [];
    const finalLedger = ledgerTextAfter(oldLedger, plan);
    let ledgerOnDisk = ledgerBefore;
    let ledgerWritten = edits.length > 0;
    try {
      if (edits.length > 0) {
        // Journal first: a kill among the file writes must not orphan what we wrote.
        ledgerOnDisk = serializeLedger(pendingLedger(oldLedger, plan));
        await writeLedgerText(system, ledgerFile, ledgerOnDisk);
      }
      for (const step of writes) {
        await writeStep(system, step.plan, step.before, step.after);
        done.push(step);
      }
      if (finalLedger !== null && finalLedger !== ledgerOnDisk) {
        await writeLedgerText(system, ledgerFile, finalLedger);
        ledgerWritten = true;
      }
    } catch (err) {
      const failure = await rollBack(system, done, err, backups);
      // The files are back as they were: so is the ledger (the pending one would be safe too).
      // Only a ledger this run replaced is put back; one it never touched stays as it is.
      if (edits.length > 0) await restoreLedger(system, ledgerFile, ledgerBefore).catch(() => {});
      throw failure;
    }

    const summary = summarizeFiles(writes.map((s) => s.plan));
    return {
      files: steps.map((s) => ({
        tool: s.plan.tool,
        target: s.plan.target,
        file: s.plan.file,
        outcome: outcomeOf(s),
        backup: backups.get(s.plan.file) ?? null,
      })),
      summary,
      ledgerWritten,
    };
  } finally {
    await lock?.release();
  }
}

/**
 * A mode is only ever given back as the ledger remembers it: a plan (a saved one edited by
 * hand, say) cannot open a file to others in the name of a restore. Nothing is written yet.
 */
function checkModeRestores(plan: Plan, ledger: Ledger): void {
  for (const fp of plan.files) {
    if (fp.mode?.reason !== "restore") continue;
    const recorded = ledger.files[fp.file]?.mode;
    if (recorded?.prior !== fp.mode.to || recorded.set !== fp.mode.from) {
      throw new TargetError(
        fp.file,
        `the plan gives it mode 0${fp.mode.to.toString(8)}, which is not the mode the ledger says it had before neuradock; nothing was written, run \`neuradock plan\` again`,
      );
    }
  }
}

/** Temp files of writes that were killed midway; safe to remove while we hold the lock. */
async function removeLeftoverTemps(system: System, files: readonly string[]): Promise<void> {
  for (const file of files) {
    try {
      const link = await system.lstat(file);
      const real = link?.kind === "symlink" ? await system.realpath(file) : file;
      const target = basename(real);
      for (const name of await system.readdir(dirname(real))) {
        if (isTempFileOf(name, target)) await system.removeFile(join(dirname(real), name));
      }
    } catch {
      // Best effort: a leftover temp file never stops an apply.
    }
  }
}

/**
 * Write one file (`text`, or delete it when null) and set the mode the plan says. A file
 * being tightened gets its new mode on the temporary file, before the rename: the key is
 * never readable by others, not even for a moment. Rolling back (`from` is then the text
 * to put back) gives the old mode back too.
 */
async function writeStep(
  system: System,
  fp: FilePlan,
  from: string | null,
  text: string | null,
  rollingBack = false,
): Promise<void> {
  const mode = fp.mode;
  const tighten = mode?.reason === "tighten" && !rollingBack;
  if (text === null) {
    await system.removeFile(fp.file);
    return;
  }
  if (text !== from) {
    await system.writeFileAtomic(fp.file, text, {
      mode: fp.credential ? 0o600 : 0o644,
      dirMode: 0o700,
      secret: tighten,
    });
  }
  if (mode) await system.chmod(fp.file, rollingBack ? mode.from : mode.to);
}

/** The ledger text after this plan, or null when the ledger would not change. */
export async function nextLedgerText(
  system: System,
  stateDir: string,
  plan: Pick<Plan, "ledger">,
): Promise<string | null> {
  const next = ledgerTextAfter(await readLedger(system, stateDir), plan);
  return next !== null && (await system.readFile(ledgerPath(stateDir))) !== next ? next : null;
}

/** The serialized ledger once the plan's entries are in, or null when the plan has none. */
function ledgerTextAfter(old: Ledger, plan: Pick<Plan, "ledger">): string | null {
  if (Object.keys(plan.ledger).length === 0) return null;
  return serializeLedger(mergeLedger(old, plan.ledger));
}

async function restoreLedger(system: System, file: string, text: string | null): Promise<void> {
  if (text === null) await system.removeFile(file);
  else await writeLedgerText(system, file, text);
}

function writeLedgerText(system: System, file: string, text: string): Promise<void> {
  return system.writeFileAtomic(file, text, { mode: 0o600, dirMode: 0o700, secret: true });
}

/**
 * Put back every file already written in this run, newest first, so that no client is left
 * pointing at a node without its key. Returns the error to throw.
 */
async function rollBack(
  system: System,
  done: Step[],
  cause: unknown,
  backups: Map<string, string>,
): Promise<Error> {
  const failed: string[] = [];
  for (const step of [...done].reverse()) {
    try {
      await writeStep(system, step.plan, step.after, step.before, true);
    } catch (err) {
      const backup = backups.get(step.plan.file);
      failed.push(
        `could not restore ${step.plan.file}: ${describeFsError(err)}` +
          (backup ? `; its previous version is in ${backup}` : ""),
      );
    }
  }
  if (!(cause instanceof NeuradockError))
    return cause instanceof Error ? cause : new Error(String(cause));
  const note =
    done.length === 0
      ? "Nothing was written."
      : failed.length === 0
        ? `The ${done.length} file(s) already written were restored; nothing changed.`
        : `Some files could not be restored: ${failed.join("; ")}.`;
  if (cause instanceof TargetError) {
    const message = cause.message.startsWith(`${cause.file}: `)
      ? cause.message.slice(cause.file.length + 2)
      : cause.message;
    return new TargetError(cause.file, `${message}. ${note}`);
  }
  return new NeuradockError(`${cause.message}. ${note}`, cause.details);
}

// Key before pointer: when binding, auth.json (the key) is written before config.toml
// (which points Codex at the node); when releasing, the pointer goes first.
const bindRank = (f: FilePlan) => targetAdapter(f.target)?.writeRank ?? 0;

export function orderForWrite(files: readonly FilePlan[]): FilePlan[] {
  const releasing = new Set<ToolId>();
  for (const tool of new Set(files.map((f) => f.tool))) {
    const changes = files.filter((f) => f.tool === tool).flatMap((f) => f.changes);
    if (
      changes.length > 0 &&
      changes.every((c) => c.reason === "release" || c.reason === "restore")
    ) {
      releasing.add(tool);
    }
  }
  const rank = (f: FilePlan) => (releasing.has(f.tool) ? -bindRank(f) : bindRank(f));
  return files
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
    .map(({ f }) => f);
}

function outcomeOf(step: Step): FileOutcome {
  if (step.after === step.before) return step.plan.mode ? "updated" : "unchanged";
  if (step.after === null) return "deleted";
  return step.before === null ? "created" : "updated";
}
