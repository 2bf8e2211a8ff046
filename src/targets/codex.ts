import type { ToolAdapter } from "./adapter.js";
import { codexAuthAdapter } from "./codex-auth.js";
import { codexConfigAdapter } from "./codex-config.js";
import { TOOL_INFO } from "./tool-info.js";

/** Codex: the key in auth.json, the provider in config.toml; OpenAI Responses with Bearer. */
export const codex: ToolAdapter = {
  id: "codex",
  ...TOOL_INFO.codex,
  locationVars: ["CODEX_HOME"],
  files: [codexAuthAdapter, codexConfigAdapter],
};
