import type { ToolId } from "../config/types.js";
import {
  cloneAlong,
  deleteAtPath,
  getAtPath,
  isEmptyContainer,
  jsonEqual,
  precedingKey,
  setAtPath,
} from "../targets/doc-path.js";
import { applyFilePlan, emptyInnerAt, inlineAt, rawValueAt } from "../targets/edit.js";
import { formatKeyPath, isSensitiveAt, parseKeyPath } from "../targets/key-path.js";
import { stripBom } from "../targets/position.js";
import type { ActualFile, JsonObject, JsonValue, KeyPath } from "../targets/types.js";
import { hashValue } from "./hash.js";
import { isOwnValue } from "./ledger.js";
import type {
  ActualState,
  Change,
  DesiredFile,
  DesiredState,
  FilePlan,
  Ledger,
  LedgerFile,
  LedgerPath,
  Plan,
  PlanWarning,
} from "./types.js";

/**
 * The plan: pure and synchronous, handed everything it needs (desired state, what is on disk,
 * the ledger). Implements docs/contract.md, "What is written, and ownership".
 */
export function computePlan(
  desired: DesiredState,
  actual: ActualState,
  ledger: Ledger,
  tools: readonly ToolId[],
): Plan {
  const files: FilePlan[] = [];
  const warnings: PlanWarning[] = desired.warnings.filter((w) => !w.tool || tools.includes(w.tool));
  const ledgerOut: Record<string, LedgerFile | null> = {};
  for (const d of desired.files) {
    if (!tools.includes(d.target.tool)) continue;
    const a = actual[d.target.path];
    if (!a) throw new Error(`internal error: ${d.target.path} was not read before planning`);
    const result = planFile(d, a, ledger.files[d.target.path]);
    files.push(result.plan);
    warnings.push(...result.warnings);
    ledgerOut[d.target.path] = result.ledger;
  }
  return { tools: [...tools], files, warnings, ledger: ledgerOut };
}

interface FileResult {
  plan: FilePlan;
  warnings: PlanWarning[];
  ledger: LedgerFile | null;
}

function planFile(d: DesiredFile, a: ActualFile, old: LedgerFile | undefined): FileResult {
  const { target } = d;
  const file = target.path;
  const tool = target.tool;
  const doc: JsonObject = a.kind === "present" ? a.doc : {};
  const oldPaths = old?.paths ?? {};
  const paths: Record<string, LedgerPath> = {};
  const changes: Change[] = [];
  const restores: Change[] = [];
  const warnings: PlanWarning[] = [];
  const warn = (code: PlanWarning["code"], message: string) =>
    warnings.push({ code, tool, file, message });
  const present = (p: KeyPath) => getAtPath(doc, p) !== undefined;

  // Paths the binding wants.
  const wanted = new Set<string>();
  const createdContainers = new Set(old?.createdContainers ?? []);
  // A blank file that existed is the user's, but its root object is ours: unbinding blanks it
  // again, to the very whitespace it held.
  const blank = a.kind === "present" && a.text.trim() === "";
  if (blank) createdContainers.add("");
  const blankText = blank ? stripBom(a.text) : old?.blankText;
  const layouts: Record<string, string> = { ...old?.layouts };
  const inline: Record<string, { open: string; close: string }> = { ...old?.inline };
  for (const entry of d.entries) {
    const key = formatKeyPath(entry.path);
    const owned = oldPaths[key];
    if (entry.onlyIfPresent && !owned && !entry.onlyIfPresent.some(present)) continue;
    if (entry.userValueWins && !owned && present(entry.path)) continue;
    wanted.add(key);
    const current = getAtPath(doc, entry.path);
    const currentHash = hashValue(current);
    const wantHash = hashValue(entry.value);
    const here: LedgerPath["prior"] =
      current === undefined ? { kind: "absent" } : priorValue(a, doc, entry.path, current);
    // A value the user put by hand where a leak guard holds the path (a new ANTHROPIC_API_KEY)
    // is theirs, not drift: it is taken over again, and it is what a removal gives back.
    const handAdded =
      entry.reason === "takeover" &&
      owned !== undefined &&
      current !== undefined &&
      !isOwnValue(owned, currentHash);
    const prior: LedgerPath["prior"] = handAdded ? here : (owned?.prior ?? here);
    // Remembered in the ledger, so a later release or restore still redacts this path.
    const sensitive =
      entry.sensitive ||
      owned?.sensitive === true ||
      isSensitiveAt(entry.path, entry.value, current);
    const segments = entry.secretSegments ?? owned?.secretSegments;
    const mark = {
      ...(sensitive ? ({ sensitive: true } as const) : {}),
      ...(segments ? { secretSegments: segments } : {}),
    };
    if (currentHash === wantHash) {
      // Nothing to change; a value already equal is owned from now on (prior = that value).
      if (owned || current !== undefined) paths[key] = { sha256: wantHash, prior, ...mark };
      continue;
    }
    const drift = owned !== undefined && !handAdded && !isOwnValue(owned, currentHash);
    const action =
      current === undefined ? "create" : entry.value === undefined ? "delete" : "update";
    changes.push({
      tool,
      file,
      path: entry.path,
      action,
      before: current,
      after: entry.value,
      sensitive,
      ...(segments ? { secretSegments: segments } : {}),
      reason: drift ? "drift" : entry.reason,
    });
    if (a.kind === "present" && entry.path.length > 1) {
      const parent = formatKeyPath(entry.path.slice(0, -1));
      const shape = inlineAt(target.format, a.text, entry.path.slice(0, -1));
      if (shape && !(parent in inline)) inline[parent] = shape;
    }
    if (action === "create" && a.kind === "present") {
      // The object the new key (or its new parents) goes into: if it is empty now, it gets
      // its inside back once it is empty again (`{ }`).
      let host = entry.path.length - 1;
      while (host > 0 && !present(entry.path.slice(0, host))) host--;
      const parent = entry.path.slice(0, host);
      const inner = emptyInnerAt(target.format, a.text, parent);
      const at = formatKeyPath(parent);
      if (inner !== undefined && !(at in layouts)) layouts[at] = inner;
    }
    if (action === "create") {
      for (let i = 1; i < entry.path.length; i++) {
        const container = entry.path.slice(0, i);
        if (!present(container)) createdContainers.add(formatKeyPath(container));
      }
    }
    if (drift) {
      warn(
        "drift",
        `${key} was changed by hand since neuradock wrote it; the plan sets it back to the value neuradock.yaml asks for`,
      );
    }
    if (handAdded) {
      warn(
        "credential-added",
        `${key} was set by hand while neuradock holds it for ${tool}: it is ${entry.value === undefined ? "removed" : "set"} again while bound, and this value (not the one before it) is what removing the binding gives back`,
      );
    }
    if (entry.warning) warn(entry.warning.code, entry.warning.message);
    paths[key] = { sha256: wantHash, prior, ...mark };
  }

  // Paths neuradock owned that the binding no longer wants: give back, or leave hand edits.
  for (const [key, owned] of Object.entries(oldPaths)) {
    if (wanted.has(key)) continue;
    const path = parseKeyPath(key);
    const current = getAtPath(doc, path);
    const prior = owned.prior.kind === "value" ? owned.prior.value : undefined;
    const sensitive = owned.sensitive === true || isSensitiveAt(path, current, prior);
    const base = {
      tool,
      file,
      path,
      before: current,
      sensitive,
      ...(owned.secretSegments ? { secretSegments: owned.secretSegments } : {}),
    };
    if (!isOwnValue(owned, hashValue(current))) {
      // Removed by hand where there was nothing before: already as the release wants it.
      if (current === undefined && owned.prior.kind === "absent") continue;
      warn(
        "released-value-edited",
        `${key} was changed by hand since neuradock wrote it; it is left as it is and no longer managed`,
      );
      continue;
    }
    if (owned.prior.kind === "absent") {
      if (current !== undefined) {
        changes.push({ ...base, action: "delete", after: undefined, reason: "release" });
      }
    } else if (current === undefined) {
      restores.push({
        ...base,
        action: "create",
        after: owned.prior.value,
        reason: "restore",
        insertAfter: owned.prior.after,
        ...rawOf(owned.prior),
      });
    } else if (!jsonEqual(current, owned.prior.value)) {
      changes.push({
        ...base,
        action: "update",
        after: owned.prior.value,
        reason: "restore",
        ...rawOf(owned.prior),
      });
    }
  }
  changes.push(...orderRestores(restores));

  // Simulate the result to find containers and files neuradock made that are now empty.
  const result = cloneAlong(
    doc,
    changes.map((c) => c.path),
  );
  for (const c of changes) {
    if (c.after === undefined) deleteAtPath(result, c.path);
    else setAtPath(result, c.path, c.after);
  }
  // Credential checks look at the file as it will be, so a plan that puts the user's other
  // key back (keep_other_credentials) warns before it is applied, not after.
  const checkWarnings: PlanWarning[] = d.checks
    .filter((check) => check.paths.some((p) => getAtPath(result, p) !== undefined))
    .map((check) => ({ code: check.code, tool, file, message: check.message }));
  warnings.unshift(...checkWarnings);
  const removeContainers: KeyPath[] = [];
  const keptContainers: string[] = [];
  const byDepth = [...createdContainers].map(parseKeyPath).sort((x, y) => y.length - x.length);
  for (const container of byDepth) {
    const value = getAtPath(result, container);
    if (value === undefined) continue;
    if (isEmptyContainer(value)) {
      removeContainers.push(container);
      deleteAtPath(result, container);
    } else {
      keptContainers.unshift(formatKeyPath(container));
    }
  }
  const createdFile =
    (old?.createdFile ?? false) ||
    (a.kind === "absent" && changes.some((c) => c.action === "create"));

  const plan: FilePlan = {
    tool,
    target: target.id,
    file,
    format: target.format,
    credential: target.credential,
    basis: a.kind === "present" ? a.sha256 : null,
    changes,
    removeContainers,
    deleteFile: false,
    ...(Object.keys(layouts).length > 0 ? { layouts } : {}),
    ...(Object.keys(inline).length > 0 ? { inline } : {}),
    ...(blankText !== undefined ? { blankText } : {}),
  };
  // A file is deleted only as part of changes the plan shows: one emptied by hand is left.
  const shown = changes.length > 0 || removeContainers.some((c) => c.length > 0);
  if (createdFile && a.kind === "present" && Object.keys(result).length === 0 && shown) {
    // Only when nothing else (not even a comment) would be left in the file.
    const text = applyFilePlan(a.text, plan);
    plan.deleteFile = text === null || text.trim() === "" || text.trim() === "{}";
  } else if (target.format === "toml" && a.kind === "present" && changes.length > 0) {
    // A trial edit (config.toml is small): a layout the editor cannot change in place is
    // refused now, so the plan never promises what apply would then refuse.
    applyFilePlan(a.text, plan);
  }

  if (a.repository && holdsKey(d)) {
    const { root, real } = a.repository;
    const via = real === file ? "" : ` (through a symbolic link, it is ${real})`;
    warn(
      "git-work-tree",
      `${file}${via} is inside the git work tree ${root}: the key neuradock writes there could be committed and pushed with it; keep the file out of the repository (a .gitignore entry, or link only files that hold no key)`,
    );
  }
  const released = Object.keys(paths).length === 0;
  const mode = planMode(d, a, old, released && !plan.deleteFile);
  if (mode.change) plan.mode = mode.change;
  const ledger: LedgerFile | null = released
    ? null
    : {
        tool,
        createdFile,
        createdContainers: keptContainers,
        paths,
        ...(Object.keys(layouts).length > 0 ? { layouts } : {}),
        ...(Object.keys(inline).length > 0 ? { inline } : {}),
        ...(blankText !== undefined ? { blankText } : {}),
        ...(mode.record ? { mode: mode.record } : {}),
      };
  return { plan, warnings, ledger };
}

/** The file will hold the bound key (a credential file of a bound tool). */
function holdsKey(d: DesiredFile): boolean {
  return d.bound && d.target.credential && d.entries.some((e) => e.sensitive);
}

/** Group and other permission bits: a file holding a key must have none of them. */
const OPEN_BITS = 0o077;

/**
 * The file's mode (docs/contract.md "Modes"): a file of a bound tool that holds its key and
 * that others may read is tightened (0644 → 0600), and the ledger remembers the mode it had;
 * when neuradock lets go of the file (`giveBack`), that mode comes back — unless someone
 * changed the mode since neuradock set it, which is then theirs.
 */
function planMode(
  d: DesiredFile,
  a: ActualFile,
  old: LedgerFile | undefined,
  giveBack: boolean,
): { change?: FilePlan["mode"]; record?: LedgerFile["mode"] } {
  if (a.kind !== "present") return {};
  const recorded = old?.mode !== undefined && old.mode.set === a.mode ? old.mode : undefined;
  if (holdsKey(d)) {
    if ((a.mode & OPEN_BITS) === 0) return recorded ? { record: recorded } : {};
    const to = a.mode & ~OPEN_BITS;
    return {
      change: { from: a.mode, to, reason: "tighten" },
      // Loosened by hand while bound: that mode is the user's latest, and the one given back.
      record: { prior: a.mode, set: to },
    };
  }
  if (giveBack && recorded && recorded.prior !== a.mode) {
    return { change: { from: a.mode, to: recorded.prior, reason: "restore" } };
  }
  return recorded ? { record: recorded } : {};
}

/** A prior value as it sits in the file: the value, its preceding key, its source text. */
function priorValue(
  a: ActualFile,
  doc: JsonObject,
  path: KeyPath,
  value: JsonValue,
): LedgerPath["prior"] {
  const source = a.kind === "present" ? rawValueAt(a.target.format, a.text, path) : undefined;
  return { kind: "value", value, after: precedingKey(doc, path), ...source };
}

function rawOf(prior: LedgerPath["prior"]): { raw?: string; rawKey?: string } {
  if (prior.kind !== "value") return {};
  return {
    ...(prior.raw !== undefined ? { raw: prior.raw } : {}),
    ...(prior.rawKey !== undefined ? { rawKey: prior.rawKey } : {}),
  };
}

/** A restored key that goes after another restored key must come second. */
function orderRestores(restores: Change[]): Change[] {
  const out: Change[] = [];
  const pending = [...restores];
  while (pending.length > 0) {
    const i = pending.findIndex(
      (c) =>
        !pending.some(
          (o) =>
            o !== c &&
            o.path.length === c.path.length &&
            o.path.slice(0, -1).join("\0") === c.path.slice(0, -1).join("\0") &&
            o.path[o.path.length - 1] === c.insertAfter,
        ),
    );
    out.push(...pending.splice(Math.max(i, 0), 1));
  }
  return out;
}
