import { posix, win32 } from "node:path";
import { homeDir } from "../system/paths.js";
import { TOOL_ADAPTERS } from "./adapters.js";
import type { TargetFile } from "./types.js";

/** Where each tool reads its files, resolved the way the tools do, by target id. */
export function locateTargets(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): Record<string, TargetFile> {
  const join = platform === "win32" ? win32.join : posix.join;
  const ctx = { env, home: homeDir(env, platform), join, platform };
  const out: Record<string, TargetFile> = {};
  for (const tool of Object.values(TOOL_ADAPTERS)) {
    for (const file of tool.files) {
      out[file.id] = {
        id: file.id,
        tool: tool.id,
        path: file.locate(ctx),
        format: file.format,
        credential: file.credential,
      };
    }
  }
  return out;
}
