import { join } from "node:path";
import { NeuradockError } from "../errors.js";
import type { System } from "../system/types.js";
import type { Ledger, LedgerFile, LedgerPath } from "./types.js";

export const LEDGER_FILE = "ledger.json";

export function ledgerPath(stateDir: string): string {
  return join(stateDir, LEDGER_FILE);
}

export function emptyLedger(): Ledger {
  return { version: 1, files: {} };
}

/** The ledger in the state dir; an empty one when there is none yet. */
export async function readLedger(system: System, stateDir: string): Promise<Ledger> {
  const file = ledgerPath(stateDir);
  const text = await system.readFile(file);
  if (text === null) return emptyLedger();
  return parseLedger(text, file);
}

export function parseLedger(text: string, file = LEDGER_FILE): Ledger {
  const bad = (why: string) =>
    new NeuradockError(
      `${file}: the ledger is unreadable (${why}); move it aside to start over (neuradock then no longer knows which values it wrote)`,
    );
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw bad("not valid JSON");
  }
  if (!isRecord(data) || data.version !== 1 || !isRecord(data.files)) throw bad("unknown format");
  for (const [path, entry] of Object.entries(data.files)) {
    if (!isLedgerFile(entry)) throw bad(`bad entry for ${path}`);
  }
  return data as unknown as Ledger;
}

export function serializeLedger(ledger: Ledger): string {
  return `${JSON.stringify(ledger, null, 2)}\n`;
}

/** The ledger after an apply: the plan's entries replace (or, when null, drop) the old ones. */
export function mergeLedger(old: Ledger, updates: Record<string, LedgerFile | null>): Ledger {
  const files: Record<string, LedgerFile> = { ...old.files };
  for (const [path, entry] of Object.entries(updates)) {
    if (entry === null) delete files[path];
    else files[path] = entry;
  }
  return { version: 1, files };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isLedgerFile(v: unknown): v is LedgerFile {
  if (!isRecord(v)) return false;
  if (v.tool !== "claude-code" && v.tool !== "codex") return false;
  if (typeof v.createdFile !== "boolean") return false;
  if (
    !Array.isArray(v.createdContainers) ||
    !v.createdContainers.every((c) => typeof c === "string")
  )
    return false;
  if (!isRecord(v.paths)) return false;
  return Object.values(v.paths).every(isLedgerPath);
}

function isLedgerPath(v: unknown): v is LedgerPath {
  if (!isRecord(v) || typeof v.sha256 !== "string" || !isRecord(v.prior)) return false;
  if (v.prior.kind === "absent") return true;
  return (
    v.prior.kind === "value" &&
    "value" in v.prior &&
    (v.prior.after === null || typeof v.prior.after === "string")
  );
}
