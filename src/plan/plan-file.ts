import { NeuradockError } from "../errors.js";
import { renderPlanJson } from "../render/plan-json.js";
import type { Change, FilePlan, Plan } from "./types.js";

const PRIVATE_KIND = "neuradock-saved-plan";

/**
 * A saved plan: the public JSON (redacted, as `plan --json` prints it) plus a private part
 * with what apply needs, clear values included. The caller writes it 0600.
 */
export function serializePlanFile(plan: Plan): string {
  const data = {
    ...renderPlanJson(plan, { showSecrets: false }),
    private: { kind: PRIVATE_KIND, version: 1, plan },
  };
  return `${JSON.stringify(data, null, 2)}\n`;
}

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
  const tools = plan.tools;
  if (!Array.isArray(tools) || !tools.every(isTool)) throw bad("damaged: tools");
  if (!Array.isArray(plan.files) || !plan.files.every(isFilePlan)) throw bad("damaged: files");
  if (!Array.isArray(plan.warnings)) throw bad("damaged: warnings");
  if (!isRecord(plan.ledger)) throw bad("damaged: ledger");
  return plan as unknown as Plan;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isTool(v: unknown): boolean {
  return v === "claude-code" || v === "codex";
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === "string");
}

function isFilePlan(v: unknown): v is FilePlan {
  if (!isRecord(v)) return false;
  return (
    isTool(v.tool) &&
    typeof v.target === "string" &&
    typeof v.file === "string" &&
    (v.format === "json" || v.format === "toml") &&
    typeof v.credential === "boolean" &&
    (v.basis === null || typeof v.basis === "string") &&
    Array.isArray(v.changes) &&
    v.changes.every(isChange) &&
    Array.isArray(v.removeContainers) &&
    v.removeContainers.every(isStringArray) &&
    typeof v.deleteFile === "boolean"
  );
}

function isChange(v: unknown): v is Change {
  if (!isRecord(v)) return false;
  return (
    isTool(v.tool) &&
    typeof v.file === "string" &&
    isStringArray(v.path) &&
    (v.action === "create" || v.action === "update" || v.action === "delete") &&
    typeof v.sensitive === "boolean" &&
    typeof v.reason === "string" &&
    (v.action === "delete" || "after" in v)
  );
}
