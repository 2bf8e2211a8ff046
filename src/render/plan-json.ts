import type { ToolId } from "../config/types.js";
import { redactSegments } from "../plan/from-env.js";
import { KNOWN_AFTER_APPLY_TEXT, pendingTokenOf } from "../plan/known-after-apply.js";
import type { RelayAction, TokenFields } from "../plan/relay-types.js";
import { formatMode, shownContainerRemovals } from "../plan/summary.js";
import type { Action, Plan, PlanWarning } from "../plan/types.js";
import { redactValue } from "../secret.js";
import { formatKeyPath, isSensitiveAt } from "../targets/key-path.js";
import type { JsonValue } from "../targets/types.js";

/** The public plan JSON (docs/contract.md): what `plan --json` prints and the human renderer reads. */
export interface PlanJson {
  format_version: "1";
  changes: PlanJsonChange[];
  summary: Record<Action, number>;
  basis: Record<string, string | null>;
  warnings: PlanJsonWarning[];
  /** What happens to each file that changes as a whole: created, deleted, containers removed. */
  files: PlanJsonFile[];
  /** Relay token resources (docs/relay.md §4), shown before the file changes. */
  relay: PlanJsonRelayChange[];
  /** The neuradock.yaml the plan was made from (null for a plan saved by an older version). */
  config: string | null;
  /** The token each bound tool gets, and each earlier entry of its list skipped, with why. */
  token_choices: PlanJsonTokenChoice[];
}

export interface PlanJsonTokenChoice {
  tool: ToolId;
  account: string;
  chosen: { id: number; name: string; usable_usd: number | null };
  skipped: { entry: string; id: number | null; name: string | null; reason: string }[];
}

export interface PlanJsonFile {
  tool: ToolId;
  file: string;
  action: Action;
  /** Objects/tables neuradock created that are removed because they are empty now. */
  removed_containers: string[];
  /**
   * The file's permission bits change (`"0644"` → `"0600"`): tightened because it holds a key,
   * or given back when neuradock lets go of it.
   */
  mode?: { before: string; after: string; reason: "tighten" | "restore" };
}

export interface PlanJsonRelayChange {
  account: string;
  token: string;
  action: RelayAction;
  id: number | null;
  before: TokenFields | null;
  after: TokenFields | null;
  /** Why, when it is not obvious (adopted, resuming an interrupted rotation, …). */
  note?: string;
}

export interface PlanJsonChange {
  tool: ToolId;
  file: string;
  path: string;
  action: Action;
  /** null when the path is absent on that side. */
  before: JsonValue;
  after: JsonValue;
  sensitive: boolean;
  /** The value is the key of a token this apply creates: "(known after apply)". */
  known_after_apply?: true;
}

export interface PlanJsonWarning {
  code: PlanWarning["code"];
  tool: ToolId | null;
  file: string | null;
  message: string;
}

export interface RenderJsonOptions {
  showSecrets: boolean;
}

export function renderPlanJson(plan: Plan, opts: RenderJsonOptions): PlanJson {
  const changes: PlanJsonChange[] = [];
  const summary: Record<Action, number> = { create: 0, update: 0, delete: 0 };
  const relay: PlanJsonRelayChange[] = (plan.relay?.changes ?? []).map((c) => {
    if (c.action === "replace") {
      summary.create++;
      summary.delete++;
    } else if (c.action !== "release") summary[c.action]++;
    return {
      account: c.account,
      token: c.token,
      action: c.action,
      id: c.id,
      before: c.before,
      after: c.after,
      ...(c.note ? { note: c.note } : {}),
    };
  });
  const basis: Record<string, string | null> = {};
  const files: PlanJsonFile[] = [];
  for (const file of plan.files) {
    basis[file.file] = file.basis;
    if (
      file.changes.length > 0 ||
      file.deleteFile ||
      file.removeContainers.length > 0 ||
      file.mode
    ) {
      files.push({
        tool: file.tool,
        file: file.file,
        action: file.deleteFile ? "delete" : file.basis === null ? "create" : "update",
        removed_containers: file.removeContainers.map(formatKeyPath),
        ...(file.mode
          ? {
              mode: {
                before: formatMode(file.mode.from),
                after: formatMode(file.mode.to),
                reason: file.mode.reason,
              },
            }
          : {}),
      });
      if (file.mode) summary.update++;
    }
    for (const c of file.changes) {
      const sensitive = c.sensitive || isSensitiveAt(c.path, c.before, c.after);
      const show = (v: JsonValue | undefined): JsonValue =>
        v === undefined
          ? null
          : pendingTokenOf(v) !== undefined
            ? KNOWN_AFTER_APPLY_TEXT
            : sensitive && !opts.showSecrets
              ? redact(v)
              : v;
      summary[c.action]++;
      changes.push({
        tool: c.tool,
        file: c.file,
        path: formatKeyPath(opts.showSecrets ? c.path : redactSegments(c.path, c.secretSegments)),
        action: c.action,
        before: show(c.before),
        after: show(c.after),
        sensitive,
        ...(pendingTokenOf(c.after) !== undefined ? { known_after_apply: true as const } : {}),
      });
    }
    // An object/table neuradock created and that is empty now goes too: a change like any
    // other, counted and confirmed.
    for (const container of shownContainerRemovals(file)) {
      summary.delete++;
      changes.push({
        tool: file.tool,
        file: file.file,
        path: formatKeyPath(container),
        action: "delete",
        before: {},
        after: null,
        sensitive: false,
      });
    }
  }
  const warnings = plan.warnings.map((w) => ({
    code: w.code,
    tool: w.tool ?? null,
    file: w.file ?? null,
    message: w.message,
  }));
  const token_choices = (plan.tokenChoices ?? []).map((c) => ({
    tool: c.tool,
    account: c.account,
    chosen: { id: c.chosen.id, name: c.chosen.name, usable_usd: c.chosen.usableUsd },
    skipped: c.skipped.map((s) => ({ ...s })),
  }));
  return {
    format_version: "1",
    changes,
    summary,
    basis,
    warnings,
    files,
    relay,
    config: plan.config ?? null,
    token_choices,
  };
}

// null (e.g. Codex's `"OPENAI_API_KEY": null`) holds nothing to hide.
function redact(value: JsonValue): JsonValue {
  if (value === null) return null;
  return typeof value === "string" ? redactValue(value) : "(sensitive value)";
}
