import type { ToolId } from "../config/types.js";

/**
 * The shared model: the values in target files and the changes a plan makes to them.
 * `targets` (which reads and edits the files) and `plan` (which computes the changes) both
 * build on these; neither imports the other's types for them, so the layers stay acyclic
 * (config → model → targets → plan → render → apply → commands).
 */

export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** A key path inside a target file, e.g. ["env", "ANTHROPIC_AUTH_TOKEN"]. */
export type KeyPath = readonly string[];

/** json: strict (Claude Code, Codex); jsonc: comments allowed; dotenv: KEY=value lines. */
export type FileFormat = "json" | "jsonc" | "toml" | "dotenv";

/** A file adapter id, e.g. "claude-settings" (see src/targets/adapters.ts). */
export type TargetId = string;

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
  /** Segments of `path` built from a ${VAR} value (a key named after the model): shown redacted. */
  secretSegments?: number[];
  reason: ChangeReason;
  /**
   * For a create: the sibling key the new key goes after (null = first in its object/table,
   * undefined = append). Restores use it to put a prior value back where it was.
   */
  insertAfter?: string | null;
  /** For a restore: the value's source text as the file had it (`[1,{"a":null}]`, a TOML date). */
  raw?: string;
  /** For a restore that puts a key back: its key and separator as written (`"k" : `, `k=`). */
  rawKey?: string;
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
  /** What emptied objects look like inside (see LedgerFile.layouts). */
  layouts?: Record<string, string>;
  /** One-line objects neuradock changed (see LedgerFile.inline). */
  inline?: Record<string, InlineShape>;
  /** The file was blank before neuradock wrote it: its text then (see LedgerFile.blankText). */
  blankText?: string;
  /**
   * The file's permission bits change: a file that holds a key and that others may read is
   * tightened (0644 → 0600); given back (0600 → 0644) when neuradock releases the file.
   */
  mode?: ModeChange;
}

export interface ModeChange {
  from: number;
  to: number;
  reason: "tighten" | "restore";
}

/** The whitespace after `{` and before `}` of a one-line object. */
export interface InlineShape {
  open: string;
  close: string;
  /** The spacing after its commas, when it had two pairs to go by. */
  comma?: string;
}

export interface PlanWarning {
  code:
    | "leak-guard"
    | "other-credentials-kept"
    | "drift"
    | "released-value-edited"
    | "token-status"
    | "moved-config"
    | "relay-token"
    | "provider-auth-override"
    | "shell-override"
    | "protocol"
    | "failover"
    | "low-balance"
    | "credential-added"
    | "git-work-tree";
  tool?: ToolId;
  file?: string;
  message: string;
}

/** One owned path as a binding wants it (the target state of that path). */
export interface DesiredEntry {
  path: KeyPath;
  /** undefined: must be absent while bound (a leak guard takes the path over). */
  value: JsonValue | undefined;
  sensitive: boolean;
  /** See Change.secretSegments. */
  secretSegments?: number[];
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
