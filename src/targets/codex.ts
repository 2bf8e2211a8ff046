import type { ToolAdapter } from "./adapter.js";
import { codexAuthAdapter } from "./codex-auth.js";
import { codexConfigAdapter } from "./codex-config.js";

/** Codex: the key in auth.json, the provider in config.toml; OpenAI Responses with Bearer. */
export const codex: ToolAdapter = {
  id: "codex",
  label: "Codex",
  locationVars: ["CODEX_HOME"],
  protocol: "openai-responses",
  files: [codexAuthAdapter, codexConfigAdapter],
};
