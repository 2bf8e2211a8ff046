import { basename } from "node:path";
import { TOOLS, type ToolId } from "../config/types.js";
import { NeuradockError } from "../errors.js";
import { targetAdapter, toolOfTarget } from "../targets/adapters.js";
import {
  isBlank,
  isIndexList,
  isInlineMap,
  isLedgerAccountTokens,
  isLedgerFile,
  isPermissionBits,
} from "./ledger.js";
import type { RelayPlan } from "./relay-types.js";
import type {
  Change,
  ChangeReason,
  FilePlan,
  Plan,
  PlanWarning,
  TokenChoiceRecord,
} from "./types.js";

/** Marks the private part of a saved plan (src/render/plan-file.ts writes it). */
export const PRIVATE_KIND = "neuradock-saved-plan";

/** Read a saved plan back; a file that is not one (or is damaged) is a clear error. */
export function parsePlanFile(text: string, file = "plan file"): Plan {
  const bad = (why: string) =>
    new NeuradockError(
      `${file} is not a neuradock plan file (${why}); make one with \`neuradock plan --out FILE\``,
    );
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw bad("not JSON");
  }
  if (!isRecord(data)) throw bad("not a JSON object");
  if (data.format_version !== "1") throw bad("unknown format_version");
  const priv = data.private;
  if (!isRecord(priv) || priv.kind !== PRIVATE_KIND) throw bad("no saved plan inside");
  if (priv.version !== 1) throw bad(`saved by a newer neuradock (version ${String(priv.version)})`);
  const plan = priv.plan;
  if (!isRecord(plan)) throw bad("damaged");
  // Every field apply reads is checked here: a hand-edited file must not reach the editors.
  const tools = plan.tools;
  if (!Array.isArray(tools) || !tools.every(isTool)) throw bad("damaged: tools");
  if (!Array.isArray(plan.files) || !plan.files.every(isFilePlan)) throw bad("damaged: files");
  if (!Array.isArray(plan.warnings) || !plan.warnings.every(isWarning)) {
    throw bad("damaged: warnings");
  }
  // Only shown, never acted on; an older plan has none.
  if (plan.tokenChoices !== undefined && !isTokenChoices(plan.tokenChoices)) {
    throw bad("damaged: tokenChoices");
  }
  const ledger = plan.ledger;
  if (!isRecord(ledger) || !Object.values(ledger).every((e) => e === null || isLedgerFile(e))) {
    throw bad("damaged: ledger");
  }
  if (plan.relay !== undefined && !isRelayPlan(plan.relay)) throw bad("damaged: relay");
  if (plan.config !== undefined && typeof plan.config !== "string") throw bad("damaged: config");
  if (plan.origin === undefined) {
    throw bad("it does not say which home it was made for (an older neuradock made it)");
  }
  if (!isOrigin(plan.origin)) throw bad("damaged: origin");
  return plan as unknown as Plan;
}

export interface CurrentPlace {
  home: string;
  stateDir: string;
  targets: Readonly<Record<string, string>>;
  /** Files the ledger (in the current state dir) says neuradock wrote, by path. */
  ledgerFiles: Readonly<Record<string, { tool: ToolId }>>;
}

/**
 * A saved plan is applied only where it was made: same home, same state dir, and every file
 * it names is exactly a current target (or one the current ledger says neuradock wrote where
 * the tool no longer looks). Otherwise nothing is written.
 */
export function checkPlanPlace(plan: Plan, here: CurrentPlace, file = "the saved plan"): void {
  const refuse = (why: string) =>
    new NeuradockError(
      `${file} cannot be applied here: ${why}. Nothing was written; run \`neuradock plan\` again here.`,
    );
  const origin = plan.origin;
  if (!origin) throw refuse("it does not say which home it was made for");
  if (origin.home !== here.home) {
    throw refuse(`it was made for the home directory ${origin.home}, and this is ${here.home}`);
  }
  if (origin.stateDir !== here.stateDir) {
    throw refuse(
      `it was made with the state directory ${origin.stateDir}, and this one is ${here.stateDir}`,
    );
  }
  for (const id of new Set([...Object.keys(origin.targets), ...Object.keys(here.targets)])) {
    if (origin.targets[id] !== here.targets[id]) {
      const tool = toolOfTarget(id)?.id ?? "no tool";
      throw refuse(
        `it was made for ${origin.targets[id] ?? "no such file"}, and ${tool} reads ${here.targets[id] ?? "no such file"} now`,
      );
    }
  }
  const files = new Set<string>();
  for (const fp of plan.files) {
    const stray = here.ledgerFiles[fp.file];
    const current = here.targets[fp.target];
    const strayOk =
      stray !== undefined &&
      stray.tool === fp.tool &&
      current !== undefined &&
      basename(fp.file) === basename(current);
    if (fp.file !== current && !strayOk) {
      throw refuse(`it names ${fp.file}, which is not a file ${fp.tool} reads`);
    }
    files.add(fp.file);
  }
  for (const path of Object.keys(plan.ledger)) {
    if (!files.has(path))
      throw refuse(`its ledger part names ${path}, which the plan does not edit`);
  }
}

function isOrigin(v: unknown): boolean {
  if (!isRecord(v) || typeof v.home !== "string" || typeof v.stateDir !== "string") return false;
  const targets = v.targets;
  return isRecord(targets) && Object.values(targets).every((p) => typeof p === "string");
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isTool(v: unknown): v is ToolId {
  return (TOOLS as readonly unknown[]).includes(v);
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === "string");
}

const WARNING_CODES = new Set<string>([
  "leak-guard",
  "other-credentials-kept",
  "drift",
  "released-value-edited",
  "token-status",
  "moved-config",
  "relay-token",
  "provider-auth-override",
  "shell-override",
  "protocol",
  "failover",
  "low-balance",
  "credential-added",
  "git-work-tree",
] satisfies PlanWarning["code"][]);

const REASONS = new Set<string>([
  "bind",
  "drift",
  "takeover",
  "release",
  "restore",
] satisfies ChangeReason[]);

function isTokenChoices(v: unknown): v is TokenChoiceRecord[] {
  const isName = (n: unknown) => n === null || typeof n === "string";
  const isId = (n: unknown) => n === null || typeof n === "number";
  return (
    Array.isArray(v) &&
    v.every(
      (c) =>
        isRecord(c) &&
        isTool(c.tool) &&
        typeof c.account === "string" &&
        isRecord(c.chosen) &&
        typeof c.chosen.id === "number" &&
        typeof c.chosen.name === "string" &&
        isId(c.chosen.usableUsd) &&
        Array.isArray(c.skipped) &&
        c.skipped.every(
          (s) =>
            isRecord(s) &&
            typeof s.entry === "string" &&
            typeof s.reason === "string" &&
            isId(s.id) &&
            isName(s.name),
        ),
    )
  );
}

function isWarning(v: unknown): v is PlanWarning {
  return (
    isRecord(v) &&
    typeof v.code === "string" &&
    WARNING_CODES.has(v.code) &&
    typeof v.message === "string" &&
    (v.tool === undefined || isTool(v.tool)) &&
    (v.file === undefined || typeof v.file === "string")
  );
}

function isFilePlan(v: unknown): v is FilePlan {
  if (!isRecord(v)) return false;
  const adapter = typeof v.target === "string" ? targetAdapter(v.target) : undefined;
  const tool = adapter ? toolOfTarget(adapter.id) : undefined;
  if (!adapter || !tool) return false;
  const target = { tool: tool.id, format: adapter.format };
  const file = v.file;
  return (
    v.tool === target.tool &&
    v.format === target.format &&
    typeof file === "string" &&
    file !== "" &&
    typeof v.credential === "boolean" &&
    (v.basis === null || typeof v.basis === "string") &&
    Array.isArray(v.changes) &&
    v.changes.every((c) => isChange(c, target.tool, file)) &&
    Array.isArray(v.removeContainers) &&
    v.removeContainers.every(isStringArray) &&
    typeof v.deleteFile === "boolean" &&
    (v.blankText === undefined || isBlank(v.blankText)) &&
    (v.layouts === undefined || (isRecord(v.layouts) && Object.values(v.layouts).every(isBlank))) &&
    (v.inline === undefined || isInlineMap(v.inline)) &&
    (v.mode === undefined || isModeChange(v.mode))
  );
}

/** A mode change apply may carry out: permission bits only, and a tightening takes bits away. */
function isModeChange(v: unknown): boolean {
  if (!isRecord(v) || !isPermissionBits(v.from) || !isPermissionBits(v.to)) return false;
  if (v.reason === "tighten") return (v.to & ~v.from) === 0 && (v.to & 0o077) === 0;
  return v.reason === "restore";
}

function isChange(v: unknown, tool: ToolId, file: string): v is Change {
  if (!isRecord(v)) return false;
  return (
    v.tool === tool &&
    v.file === file &&
    isStringArray(v.path) &&
    v.path.length > 0 &&
    (v.action === "create" || v.action === "update" || v.action === "delete") &&
    typeof v.sensitive === "boolean" &&
    (v.secretSegments === undefined || isIndexList(v.secretSegments)) &&
    typeof v.reason === "string" &&
    REASONS.has(v.reason) &&
    (v.action === "delete" || "after" in v) &&
    (v.insertAfter === undefined || v.insertAfter === null || typeof v.insertAfter === "string") &&
    (v.raw === undefined || typeof v.raw === "string") &&
    (v.rawKey === undefined || typeof v.rawKey === "string")
  );
}

const RELAY_ACTIONS = new Set(["create", "update", "delete", "replace", "release"]);

/** Every field apply reads of the relay half: names, ids, bodies. */
function isRelayPlan(v: unknown): v is RelayPlan {
  if (!isRecord(v) || !Array.isArray(v.changes) || !isRecord(v.ledger) || !isRecord(v.basis)) {
    return false;
  }
  const bodyOk = (b: unknown) =>
    b === undefined ||
    (isRecord(b) &&
      Object.entries(b).every(([k, x]) =>
        k === "name" || k === "model_limits" || k === "allow_ips" || k === "group"
          ? typeof x === "string"
          : k === "unlimited_quota" || k === "model_limits_enabled"
            ? typeof x === "boolean"
            : (k === "remain_quota" || k === "expired_time") && Number.isSafeInteger(x),
      ));
  const changesOk = v.changes.every(
    (c) =>
      isRecord(c) &&
      typeof c.account === "string" &&
      typeof c.token === "string" &&
      typeof c.action === "string" &&
      RELAY_ACTIONS.has(c.action) &&
      (c.id === null || Number.isSafeInteger(c.id)) &&
      bodyOk(c.create) &&
      bodyOk(c.set) &&
      (c.replacement === undefined ||
        (isRecord(c.replacement) &&
          typeof c.replacement.temp === "string" &&
          (c.replacement.id === null || Number.isSafeInteger(c.replacement.id)))),
  );
  const basisOk = Object.values(v.basis).every(
    (b) => isRecord(b) && Object.values(b).every((x) => x === null || typeof x === "string"),
  );
  return changesOk && basisOk && Object.values(v.ledger).every(isLedgerAccountTokens);
}
