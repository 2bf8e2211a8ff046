import type { ToolId } from "../config/types.js";
import type { FileFormat, JsonValue, KeyPath, TargetId } from "../targets/types.js";

export type Action = "create" | "update" | "delete";

/**
 * Why a change is planned:
 * - bind: the binding wants this value;
 * - drift: neuradock wrote it, someone changed it by hand, the binding still wants ours;
 * - takeover: a leak guard removes a conflicting credential (or sets auth_mode) while bound;
 * - release: the binding is gone and the path had no prior value: delete it;
 * - restore: the binding is gone and the path gets its prior value back.
 */
export type ChangeReason = "bind" | "drift" | "takeover" | "release" | "restore";

export interface Change {
  tool: ToolId;
  file: string;
  path: KeyPath;
  action: Action;
  /** Clear values, undefined when absent. Never print these: render through src/render. */
  before: JsonValue | undefined;
  after: JsonValue | undefined;
  sensitive: boolean;
  reason: ChangeReason;
  /**
   * For a create: the sibling key the new key goes after (null = first in its object/table,
   * undefined = append). Restores use it to put a prior value back where it was.
   */
  insertAfter?: string | null;
}

export interface FilePlan {
  tool: ToolId;
  target: TargetId;
  file: string;
  format: FileFormat;
  credential: boolean;
  /** sha256 of the file as read when planning, null when it was absent. */
  basis: string | null;
  changes: Change[];
  /** Containers neuradock created that are empty after the changes: removed too. */
  removeContainers: KeyPath[];
  /** The file was created by neuradock and holds nothing else afterwards. */
  deleteFile: boolean;
}

export interface PlanWarning {
  code:
    | "leak-guard"
    | "other-credentials-kept"
    | "drift"
    | "released-value-edited"
    | "token-status"
    | "moved-config"
    | "provider-auth-override";
  tool?: ToolId;
  file?: string;
  message: string;
}

/** What the ledger remembers about one owned path. */
export interface LedgerPath {
  /** sha256 of the canonical JSON of the value neuradock last wrote, or "absent". */
  sha256: string;
  /**
   * Hashes that also count as neuradock's own: set while an apply is under way, so that a
   * kill between the file writes and the final ledger leaves the ownership unambiguous.
   */
  pending?: string[];
  /** What was there before neuradock first took the path over. */
  prior: { kind: "absent" } | { kind: "value"; value: JsonValue; after: string | null };
}

export interface LedgerFile {
  tool: ToolId;
  /** neuradock created this file: it may delete it once it holds nothing else. */
  createdFile: boolean;
  /** Containers (objects/tables) neuradock created, as formatted key paths. */
  createdContainers: string[];
  /** Owned paths, keyed by formatted key path. */
  paths: Record<string, LedgerPath>;
}

export interface Ledger {
  version: 1;
  files: Record<string, LedgerFile>;
}

export interface Plan {
  /** The tools this plan covers (all bound + all in the ledger, or --target). */
  tools: ToolId[];
  files: FilePlan[];
  warnings: PlanWarning[];
  /**
   * The ledger entries for the files of this plan as they will be after apply
   * (null = drop the file from the ledger). Files not listed are left as they are.
   */
  ledger: Record<string, LedgerFile | null>;
}

/** One owned path as a binding wants it (the target state of that path). */
export interface DesiredEntry {
  path: KeyPath;
  /** undefined: must be absent while bound (a leak guard takes the path over). */
  value: JsonValue | undefined;
  sensitive: boolean;
  reason: "bind" | "takeover";
  /** Owned only when the file has one of these paths (or the ledger already owns it). */
  onlyIfPresent?: KeyPath[];
  /** A default: a value the user already has there is theirs, and is kept (not owned). */
  userValueWins?: boolean;
  /** Said when this entry causes a change: a leak guard explains itself. */
  warning?: { code: PlanWarning["code"]; message: string };
}

/** A warning raised whenever one of `paths` is present in the file as read. */
export interface DesiredCheck {
  paths: KeyPath[];
  code: PlanWarning["code"];
  message: string;
}

export interface DesiredFile {
  target: import("../targets/types.js").TargetFile;
  /** The tool is bound: `entries` is what it wants. Unbound: no entries, the ledger is released. */
  bound: boolean;
  entries: DesiredEntry[];
  checks: DesiredCheck[];
}

export interface DesiredState {
  files: DesiredFile[];
  warnings: PlanWarning[];
}

/** What is on disk for each target file that was read, by path. */
export type ActualState = Partial<Record<string, import("../targets/types.js").ActualFile>>;
