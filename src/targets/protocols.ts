import { PROVIDER_LABELS } from "../config/nodes.js";
import type { Config, ProviderId, ToolId } from "../config/types.js";
import type { WireProtocol } from "./adapter.js";
import { TOOL_INFO } from "./tool-info.js";

/**
 * The wire protocols each relay is known to serve. A new-api deployment serves every protocol
 * on one base URL; AnyRouter and AgentRouter are run for Claude Code and Codex.
 */
const KNOWN: Readonly<Record<ProviderId, readonly WireProtocol[] | "all">> = {
  anyrouter: ["anthropic-messages", "openai-responses"],
  agentrouter: ["anthropic-messages", "openai-responses"],
  newapi: "all",
};

export const PROTOCOL_LABELS: Readonly<Record<WireProtocol, string>> = {
  "anthropic-messages": "Anthropic Messages (/v1/messages)",
  "openai-responses": "OpenAI Responses (/v1/responses)",
  "openai-chat": "OpenAI Chat Completions (/v1/chat/completions)",
  gemini: "Gemini (/v1beta/models/…:streamGenerateContent)",
};

/**
 * Bindings whose relay is not known to serve the tool's protocol: a warning naming
 * file:line:col of the binding, never a refusal (the relay may serve it all the same).
 */
export function protocolWarnings(
  config: Pick<Config, "accounts" | "bindings">,
  tools?: readonly ToolId[],
): { tool: ToolId; message: string }[] {
  const out: { tool: ToolId; message: string }[] = [];
  for (const [tool, binding] of Object.entries(config.bindings) as [
    ToolId,
    Config["bindings"][ToolId],
  ][]) {
    if (!binding || (tools && !tools.includes(tool))) continue;
    const account = config.accounts[binding.account];
    const adapter = TOOL_INFO[tool];
    if (!account || !adapter) continue;
    const served = KNOWN[account.provider];
    if (served === "all" || served.includes(adapter.protocol)) continue;
    const { file, line, col } = binding.pos;
    out.push({
      tool,
      message: `${file}:${line}:${col}: ${adapter.label} speaks ${PROTOCOL_LABELS[adapter.protocol]}, which ${PROVIDER_LABELS[account.provider]} is not known to serve: ${tool} may get errors through node '${binding.node}' (a new-api relay of your own serves every protocol)`,
    });
  }
  return out;
}
