import { TargetError } from "../errors.js";
import { toTargetError } from "../system/fs-errors.js";
import type { System } from "../system/types.js";
import { targetAdapter } from "../targets/adapters.js";
import type { ActualFile, TargetFile } from "../targets/types.js";
import { hashText } from "./hash.js";
import type { ActualState } from "./types.js";

/** Read and parse each target file; absence is a state, anything else unusable is an error. */
export async function readActualState(
  system: System,
  targets: readonly TargetFile[],
): Promise<ActualState> {
  const entries = await Promise.all(targets.map((t) => readActualFile(system, t)));
  const state: ActualState = {};
  for (const file of entries) state[file.target.path] = file;
  return state;
}

export async function readActualFile(system: System, target: TargetFile): Promise<ActualFile> {
  const file = target.path;
  let text: string | null;
  try {
    const stat = await system.stat(file);
    if (stat === null) {
      // A dangling symlink is refused now, as apply would refuse it: the plan must not
      // promise a write that cannot happen.
      if ((await system.lstat(file))?.kind === "symlink") {
        throw new TargetError(
          file,
          "is a symbolic link to a file that does not exist (dangling link); create the file it points to (e.g. in your dotfiles repo) or remove the link",
        );
      }
      return { kind: "absent", target };
    }
    if (stat.kind === "directory") throw new TargetError(file, "is a directory, expected a file");
    if (stat.kind !== "file") throw new TargetError(file, "is not a regular file");
    text = await system.readFile(file);
  } catch (err) {
    throw toTargetError(file, "read it", err);
  }
  if (text === null) return { kind: "absent", target };
  const adapter = targetAdapter(target.id);
  if (!adapter) throw new Error(`internal error: no adapter for ${target.id}`);
  const doc = adapter.parse(file, text);
  return { kind: "present", target, text, sha256: hashText(text), doc };
}
