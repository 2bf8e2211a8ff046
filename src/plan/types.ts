import type { ToolId } from "../config/types.js";
import type {
  DesiredCheck,
  DesiredEntry,
  FilePlan,
  InlineShape,
  JsonValue,
  PlanWarning,
} from "../model/types.js";
import type { ActualFile, TargetFile } from "../targets/types.js";
import type { LedgerAccountTokens, RelayPlan } from "./relay-types.js";

export type {
  Action,
  Change,
  ChangeReason,
  DesiredCheck,
  DesiredEntry,
  FilePlan,
  PlanWarning,
} from "../model/types.js";

/** What the ledger remembers about one owned path. */
export interface LedgerPath {
  /** sha256 of the canonical JSON of the value neuradock last wrote, or "absent". */
  sha256: string;
  /**
   * Hashes that also count as neuradock's own: set while an apply is under way, so that a
   * kill between the file writes and the final ledger leaves the ownership unambiguous.
   */
  pending?: string[];
  /**
   * The value is sensitive (a key, or from a ${VAR}): its release and restore stay redacted
   * after the binding that said so is gone.
   */
  sensitive?: true;
  /** Segments of the path built from a ${VAR} value (see Change.secretSegments). */
  secretSegments?: number[];
  /** What was there before neuradock first took the path over. */
  prior:
    | { kind: "absent" }
    | {
        kind: "value";
        value: JsonValue;
        after: string | null;
        /** The value's source text in the file, so that a restore writes it as it was. */
        raw?: string;
        /** The key and separator before it as written (`"apiKeyHelper" : `). */
        rawKey?: string;
      };
}

export interface LedgerFile {
  tool: ToolId;
  /** neuradock created this file: it may delete it once it holds nothing else. */
  createdFile: boolean;
  /** Containers (objects/tables) neuradock created, as formatted key paths. */
  createdContainers: string[];
  /** Owned paths, keyed by formatted key path. */
  paths: Record<string, LedgerPath>;
  /**
   * Objects that were empty when neuradock put a key in them, by formatted key path ("" = the
   * root): their inner whitespace (`{ }`, `{\n  }`), given back when they are empty again.
   */
  layouts?: Record<string, string>;
  /** The file held only whitespace before neuradock wrote it: that text (without a BOM). */
  blankText?: string;
  /**
   * Objects written on one line (`"env": {"A": "1"}`) that neuradock changed, by formatted key
   * path: the spacing inside their braces, so that a key put back into one that is empty by
   * then goes back on that one line.
   */
  inline?: Record<string, InlineShape>;
  /**
   * neuradock tightened the file's mode: what it was (`prior`) and what neuradock set, so
   * that a release gives the old mode back unless someone changed it since.
   */
  mode?: { prior: number; set: number };
}

export interface Ledger {
  version: 1;
  files: Record<string, LedgerFile>;
  /** Relay tokens neuradock keeps, per account (docs/relay.md §4). */
  tokens?: Record<string, LedgerAccountTokens>;
}

/** Which token a bound tool gets, and why earlier entries of its list were passed over. */
export interface TokenChoiceRecord {
  tool: ToolId;
  account: string;
  chosen: { id: number; name: string; usableUsd: number | null };
  skipped: { entry: string; id: number | null; name: string | null; reason: string }[];
}

/** Where a plan was made: a saved plan is refused anywhere else (docs/contract.md "Trust rules"). */
export interface PlanOrigin {
  home: string;
  stateDir: string;
  /** Each target file as the tools resolved it then. */
  targets: Record<string, string>;
}

export interface Plan {
  /** Where it was made; absent only in plans built by hand in tests. */
  origin?: PlanOrigin;
  /** The tools this plan covers (all bound + all in the ledger, or --target). */
  tools: ToolId[];
  /** The token each bound tool of the plan gets (docs/relay.md §3). Absent in older saved plans. */
  tokenChoices?: TokenChoiceRecord[];
  files: FilePlan[];
  warnings: PlanWarning[];
  /**
   * The ledger entries for the files of this plan as they will be after apply
   * (null = drop the file from the ledger). Files not listed are left as they are.
   */
  ledger: Record<string, LedgerFile | null>;
  /** The relay half: token resources to create, update, delete, replace or release. */
  relay?: RelayPlan;
  /** The neuradock.yaml the plan was made from (apply PLANFILE reads its accounts). */
  config?: string;
}

export interface DesiredFile {
  target: TargetFile;
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
export type ActualState = Partial<Record<string, ActualFile>>;
