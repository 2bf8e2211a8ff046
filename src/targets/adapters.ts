import type { TargetAdapter } from "./adapter.js";
import { claudeSettingsAdapter } from "./claude-settings.js";
import { codexAuthAdapter } from "./codex-auth.js";
import { codexConfigAdapter } from "./codex-config.js";
import type { TargetId } from "./types.js";

export const ADAPTERS: Record<TargetId, TargetAdapter> = {
  "claude-settings": claudeSettingsAdapter,
  "codex-auth": codexAuthAdapter,
  "codex-config": codexConfigAdapter,
};
