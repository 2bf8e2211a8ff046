import { basename, dirname, join } from "node:path";
import { TargetError } from "../errors.js";
import { toTargetError } from "../system/fs-errors.js";
import type { System } from "../system/types.js";
import { targetAdapter } from "../targets/adapters.js";
import type { ActualFile, InRepository, TargetFile } from "../targets/types.js";
import { hashText } from "./hash.js";
import type { ActualState } from "./types.js";

/** Read and parse each target file; absence is a state, anything else unusable is an error. */
export async function readActualState(
  system: System,
  targets: readonly TargetFile[],
): Promise<ActualState> {
  const entries = await Promise.all(
    targets.map(async (t) => {
      const file = await readActualFile(system, t);
      // Only a file that will hold a key matters; a lookup that fails is no reason to stop.
      if (!t.credential) return file;
      const repository = await findRepository(system, t.path).catch(() => undefined);
      return repository ? { ...file, repository } : file;
    }),
  );
  const state: ActualState = {};
  for (const file of entries) state[file.target.path] = file;
  return state;
}

export async function readActualFile(system: System, target: TargetFile): Promise<ActualFile> {
  const file = target.path;
  let text: string | null;
  let mode = 0;
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
    // Windows has no group/other bits to tighten (its ACLs are another matter): taken as private.
    mode = process.platform === "win32" ? 0o600 : stat.mode & 0o7777;
    text = await system.readFile(file);
  } catch (err) {
    throw toTargetError(file, "read it", err);
  }
  if (text === null) return { kind: "absent", target };
  const adapter = targetAdapter(target.id);
  if (!adapter) throw new Error(`internal error: no adapter for ${target.id}`);
  const doc = adapter.parse(file, text);
  return { kind: "present", target, text, sha256: hashText(text), doc, mode };
}

/** How many folders up from a target file a `.git` is looked for; deeper paths are not walked. */
const MAX_ANCESTORS = 64;

/**
 * The git work tree `path` lies in once symlinks are resolved (a settings.json linked into a
 * dotfiles repository), or undefined. A folder holding `.git` (a folder, or a file as in a
 * worktree or submodule) is a work tree; `.git` is only looked at, never followed or read.
 */
export async function findRepository(
  system: System,
  path: string,
): Promise<InRepository | undefined> {
  const real = await realPathOf(system, path);
  let dir = dirname(real);
  for (let i = 0; i < MAX_ANCESTORS; i++) {
    const git = await system.lstat(join(dir, ".git"));
    if (git && (git.kind === "directory" || git.kind === "file")) return { root: dir, real };
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
  return undefined;
}

/** The real path of `path`, or of its nearest existing folder with the rest appended. */
async function realPathOf(system: System, path: string): Promise<string> {
  const rest: string[] = [];
  let at = path;
  for (let i = 0; i < MAX_ANCESTORS; i++) {
    if ((await system.lstat(at)) !== null) {
      try {
        return join(await system.realpath(at), ...rest.reverse());
      } catch {
        // A dangling link: name it by its own path.
        return path;
      }
    }
    const up = dirname(at);
    if (up === at) break;
    rest.push(basename(at));
    at = up;
  }
  return path;
}
