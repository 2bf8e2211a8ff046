import { posix, win32 } from "node:path";
import { homeDir } from "../system/paths.js";
import type { TargetFile, TargetId } from "./types.js";

/** Where Claude Code and Codex read their files, resolved the way the tools do. */
export function locateTargets(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): Record<TargetId, TargetFile> {
  const join = platform === "win32" ? win32.join : posix.join;
  const home = homeDir(env, platform);
  const claudeDir = nonEmpty(env.CLAUDE_CONFIG_DIR) ?? join(home, ".claude");
  const codexDir = nonEmpty(env.CODEX_HOME) ?? join(home, ".codex");
  return {
    "claude-settings": {
      id: "claude-settings",
      tool: "claude-code",
      path: join(claudeDir, "settings.json"),
      format: "json",
      credential: true,
    },
    "codex-auth": {
      id: "codex-auth",
      tool: "codex",
      path: join(codexDir, "auth.json"),
      format: "json",
      credential: true,
    },
    "codex-config": {
      id: "codex-config",
      tool: "codex",
      path: join(codexDir, "config.toml"),
      format: "toml",
      credential: false,
    },
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.length > 0 ? value : undefined;
}
