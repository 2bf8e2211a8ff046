import { type Config, TOOLS, type ToolId } from "../config/types.js";
import type { ResolvedToken } from "../providers/types.js";
import { targetAdapter } from "../targets/adapters.js";
import type { TargetFile } from "../targets/types.js";
import { relayName } from "../untrusted.js";
import { markFromEnv } from "./from-env.js";
import type { DesiredFile, DesiredState, PlanWarning } from "./types.js";

/**
 * What each target file should hold. An unbound tool gets files with no entries (its owned
 * paths are released); a bound tool without a resolved token is left out entirely, so it is
 * never mistaken for a removed binding.
 */
export function buildDesiredState(
  config: Config,
  tokens: ReadonlyMap<ToolId, ResolvedToken>,
  targets: Readonly<Record<string, TargetFile>>,
): DesiredState {
  const files: DesiredFile[] = [];
  const warnings: PlanWarning[] = [];
  for (const tool of TOOLS) {
    const toolTargets = Object.values(targets).filter((t) => t.tool === tool);
    const binding = config.bindings[tool];
    if (!binding) {
      for (const target of toolTargets)
        files.push({ target, bound: false, entries: [], checks: [] });
      continue;
    }
    const token = tokens.get(tool);
    const account = config.accounts[binding.account];
    if (!token || !account) continue;
    if (token.info.status !== "enabled") {
      warnings.push({
        code: "token-status",
        tool,
        message: `token '${relayName(token.info.name)}' (id ${token.info.id}) of account '${account.id}' is ${token.info.status}: ${tool} will get errors from the relay`,
      });
    }
    for (const target of toolTargets) {
      const adapter = targetAdapter(target.id);
      if (!adapter) throw new Error(`internal error: no adapter for ${target.id}`);
      const { entries, checks } = adapter.desired({ binding, account, token });
      files.push({ target, bound: true, entries: markFromEnv(entries, binding.fromEnv), checks });
    }
  }
  return { files, warnings };
}
