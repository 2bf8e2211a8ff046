import type { ToolId } from "../config/types.js";

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

/** One file a tool reads. */
export interface TargetFile {
  id: TargetId;
  tool: ToolId;
  /** Absolute path (as the tool would resolve it; may be a symlink). */
  path: string;
  format: FileFormat;
  /** Holds credentials: created 0600 (its new parent directories 0700). */
  credential: boolean;
}

/** What is on disk now. Absence is a value of its own, not an `exists` flag. */
export type ActualFile =
  | { kind: "absent"; target: TargetFile }
  | {
      kind: "present";
      target: TargetFile;
      text: string;
      /** sha256 (hex) of the bytes as read: the plan's basis for the stale check. */
      sha256: string;
      doc: JsonObject;
    };
