import type { ToolId } from "../config/types.js";
import type { WireProtocol } from "./adapter.js";

/**
 * What `validate` needs of each tool (its name and wire protocol) without loading the adapters,
 * which bring the JSON and TOML editors with them. Each adapter takes its own from here.
 */
export const TOOL_INFO: Readonly<Record<ToolId, { label: string; protocol: WireProtocol }>> = {
  "claude-code": { label: "Claude Code", protocol: "anthropic-messages" },
  codex: { label: "Codex", protocol: "openai-responses" },
  opencode: { label: "opencode", protocol: "anthropic-messages" },
  "gemini-cli": { label: "Gemini CLI", protocol: "gemini" },
  "qwen-code": { label: "Qwen Code", protocol: "openai-chat" },
};
