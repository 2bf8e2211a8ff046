import type { ToolId } from "../config/types.js";
import type { TargetAdapter, ToolAdapter } from "./adapter.js";
import { claudeCode } from "./claude-settings.js";
import { codex } from "./codex.js";
import { geminiCli } from "./gemini-cli.js";
import { opencode } from "./opencode.js";
import { qwenCode } from "./qwen-code.js";

/**
 * Every tool neuradock binds: one adapter each (its files, owned paths, leak guards, wire
 * protocol). Adding a tool is its adapter file plus one line here (and its id in TOOLS, its
 * name and protocol in tool-info.ts).
 */
export const TOOL_ADAPTERS: Readonly<Record<ToolId, ToolAdapter>> = {
  "claude-code": claudeCode,
  codex,
  opencode,
  "gemini-cli": geminiCli,
  "qwen-code": qwenCode,
};

/** Every file adapter, by id. */
export const ADAPTERS: Readonly<Record<string, TargetAdapter>> = Object.fromEntries(
  Object.values(TOOL_ADAPTERS).flatMap((t) => t.files.map((f) => [f.id, f])),
);

/** The file adapter of a target id (from a saved plan, say); undefined when unknown. */
export function targetAdapter(id: string): TargetAdapter | undefined {
  return Object.hasOwn(ADAPTERS, id) ? ADAPTERS[id] : undefined;
}

/** The tool a file adapter belongs to. */
export function toolOfTarget(id: string): ToolAdapter | undefined {
  return Object.values(TOOL_ADAPTERS).find((t) => t.files.some((f) => f.id === id));
}
