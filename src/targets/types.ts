import type { ToolId } from "../config/types.js";
import type { FileFormat, JsonObject, TargetId } from "../model/types.js";

export type {
  FileFormat,
  JsonObject,
  JsonValue,
  KeyPath,
  TargetId,
} from "../model/types.js";

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

/** The git work tree a target file lies in (after symlinks): a key there could be committed. */
export interface InRepository {
  /** The work tree's top folder (the one holding `.git`). */
  root: string;
  /** The file's real path (differs from the target path when a symlink leads there). */
  real: string;
}

/** What is on disk now. Absence is a value of its own, not an `exists` flag. */
export type ActualFile =
  | { kind: "absent"; target: TargetFile; repository?: InRepository }
  | {
      kind: "present";
      target: TargetFile;
      repository?: InRepository;
      text: string;
      /** sha256 (hex) of the bytes as read: the plan's basis for the stale check. */
      sha256: string;
      doc: JsonObject;
      /** Permission bits of the file (through a symlink: of the real file), e.g. 0o644. */
      mode: number;
    };
