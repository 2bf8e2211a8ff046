import { join } from "node:path";
import { TOOLS } from "../config/types.js";
import { NeuradockError } from "../errors.js";
import type { System } from "../system/types.js";
import { formatKeyPath } from "../targets/key-path.js";
import { hashValue } from "./hash.js";
import type { LedgerAccountTokens } from "./relay-types.js";
import type { Ledger, LedgerFile, LedgerPath, Plan } from "./types.js";

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
  if (data.tokens !== undefined) {
    if (!isRecord(data.tokens)) throw bad("bad tokens");
    for (const [account, entry] of Object.entries(data.tokens)) {
      if (!isLedgerAccountTokens(entry)) throw bad(`bad tokens for account ${account}`);
    }
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
  return withTokens({ version: 1, files }, old.tokens);
}

/** Whether a value with this hash is one neuradock wrote (or was writing) at this path. */
export function isOwnValue(entry: LedgerPath, hash: string): boolean {
  return entry.sha256 === hash || (entry.pending?.includes(hash) ?? false);
}

/**
 * The ledger to write before an apply's file writes: every path of the plan's files is owned,
 * with the values on both sides of each change counting as neuradock's, and nothing is
 * dropped yet. Whatever subset of the files a kill leaves written, the next plan then still
 * recognises neuradock's values and gives prior values back. The final ledger replaces it.
 */
export function pendingLedger(old: Ledger, plan: Pick<Plan, "files" | "ledger">): Ledger {
  const files: Record<string, LedgerFile> = { ...old.files };
  for (const [file, next] of Object.entries(plan.ledger)) {
    const before = old.files[file];
    if (!before && !next) continue;
    // Both sides of each change: the file may be caught before or after its write.
    const sides = new Map<string, string[]>();
    for (const c of plan.files.find((f) => f.file === file)?.changes ?? []) {
      sides.set(formatKeyPath(c.path), [hashValue(c.before), hashValue(c.after)]);
    }
    const paths: Record<string, LedgerPath> = {};
    const keys = new Set([...Object.keys(before?.paths ?? {}), ...Object.keys(next?.paths ?? {})]);
    for (const key of keys) {
      const o = before?.paths[key];
      const n = next?.paths[key];
      const base = (n ?? o) as LedgerPath;
      const hashes = new Set([
        ...(o ? [o.sha256, ...(o.pending ?? [])] : []),
        ...(n ? [n.sha256, ...(n.pending ?? [])] : []),
        ...(sides.get(key) ?? []),
      ]);
      hashes.delete(base.sha256);
      paths[key] = hashes.size > 0 ? { ...base, pending: [...hashes].sort() } : base;
    }
    files[file] = {
      tool: (next ?? before)!.tool,
      createdFile: Boolean(before?.createdFile || next?.createdFile),
      createdContainers: [
        ...new Set([...(before?.createdContainers ?? []), ...(next?.createdContainers ?? [])]),
      ],
      paths,
      ...layoutOf(before, next),
    };
  }
  return withTokens({ version: 1, files }, old.tokens);
}

/** The relay tokens part rides along unchanged with every file-side ledger update. */
export function withTokens(ledger: Ledger, tokens: Ledger["tokens"]): Ledger {
  return tokens && Object.keys(tokens).length > 0 ? { ...ledger, tokens } : ledger;
}

/** A well-formed record of one account's relay tokens (also checks a saved plan's). */
export function isLedgerAccountTokens(v: unknown): v is LedgerAccountTokens {
  if (!isRecord(v) || typeof v.url !== "string" || !Number.isSafeInteger(v.user_id)) return false;
  if (!isRecord(v.managed) || !Array.isArray(v.creating) || !isRecord(v.replacing)) return false;
  const id = (x: unknown) => x === null || Number.isSafeInteger(x);
  return (
    Object.values(v.managed).every(
      (m) =>
        isRecord(m) &&
        Number.isSafeInteger(m.id) &&
        (m.origin === "created" || m.origin === "adopted"),
    ) &&
    v.creating.every((n) => typeof n === "string") &&
    Object.values(v.replacing).every(
      (r) => isRecord(r) && typeof r.temp === "string" && id(r.old) && id(r.new),
    )
  );
}

function layoutOf(
  before: LedgerFile | undefined,
  next: LedgerFile | null | undefined,
): Pick<LedgerFile, "layouts" | "blankText" | "inline" | "mode"> {
  const layouts = { ...before?.layouts, ...next?.layouts };
  const inline = { ...before?.inline, ...next?.inline };
  const blankText = next?.blankText ?? before?.blankText;
  // The mode the file had before neuradock tightened it: kept until the final ledger decides.
  const mode = next?.mode ?? before?.mode;
  return {
    ...(Object.keys(layouts).length > 0 ? { layouts } : {}),
    ...(Object.keys(inline).length > 0 ? { inline } : {}),
    ...(blankText !== undefined ? { blankText } : {}),
    ...(mode !== undefined ? { mode } : {}),
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A well-formed ledger entry for one file (also checks a saved plan's ledger part). */
export function isLedgerFile(v: unknown): v is LedgerFile {
  if (!isRecord(v)) return false;
  if (!(TOOLS as readonly unknown[]).includes(v.tool)) return false;
  if (typeof v.createdFile !== "boolean") return false;
  if (
    !Array.isArray(v.createdContainers) ||
    !v.createdContainers.every((c) => typeof c === "string")
  )
    return false;
  if (!isRecord(v.paths)) return false;
  if (v.blankText !== undefined && !isBlank(v.blankText)) return false;
  if (
    v.layouts !== undefined &&
    !(isRecord(v.layouts) && Object.values(v.layouts).every(isBlank))
  ) {
    return false;
  }
  if (v.inline !== undefined && !isInlineMap(v.inline)) return false;
  if (
    v.mode !== undefined &&
    !(isRecord(v.mode) && isPermissionBits(v.mode.prior) && isPermissionBits(v.mode.set))
  ) {
    return false;
  }
  return Object.values(v.paths).every(isLedgerPath);
}

function isLedgerPath(v: unknown): v is LedgerPath {
  if (!isRecord(v) || typeof v.sha256 !== "string" || !isRecord(v.prior)) return false;
  if (
    v.pending !== undefined &&
    !(Array.isArray(v.pending) && v.pending.every((h) => typeof h === "string"))
  ) {
    return false;
  }
  if (v.sensitive !== undefined && v.sensitive !== true) return false;
  if (v.secretSegments !== undefined && !isIndexList(v.secretSegments)) return false;
  if (v.prior.kind === "absent") return true;
  return (
    v.prior.kind === "value" &&
    "value" in v.prior &&
    (v.prior.after === null || typeof v.prior.after === "string") &&
    (v.prior.raw === undefined || typeof v.prior.raw === "string") &&
    (v.prior.rawKey === undefined || typeof v.prior.rawKey === "string")
  );
}

/** Permission bits neuradock may set on a file: rwx for user, group and other, nothing else. */
export function isPermissionBits(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= 0o777;
}

/** Indices into a key path (Change.secretSegments). */
export function isIndexList(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((i) => Number.isSafeInteger(i) && i >= 0);
}

export function isInlineMap(v: unknown): boolean {
  return (
    isRecord(v) &&
    Object.values(v).every(
      (s) =>
        isRecord(s) &&
        isOneLineBlank(s.open) &&
        isOneLineBlank(s.close) &&
        (s.comma === undefined || isOneLineBlank(s.comma)),
    )
  );
}

function isOneLineBlank(v: unknown): boolean {
  return typeof v === "string" && /^[ \t]*$/.test(v);
}

/** Layout text neuradock keeps: whitespace only, nothing that could smuggle content. */
export function isBlank(v: unknown): v is string {
  return typeof v === "string" && /^[ \t\r\n]*$/.test(v);
}
