import type { DesiredCheck, DesiredEntry } from "../model/types.js";
import { Secret } from "../secret.js";
import type { TargetAdapter, ToolAdapter } from "./adapter.js";
import { envValue, stringAt, trimUrl } from "./adapter.js";
import { parseJsonTarget, requireObjectAt } from "./json-file.js";
import { isSensitiveAt } from "./key-path.js";
import { TOOL_INFO } from "./tool-info.js";

const FIXED = ["ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL", "ANTHROPIC_MODEL"];

/** Claude Code's settings.json: credentials and endpoint live in `env` (docs/tools/claude-code.md). */
export const claudeSettingsAdapter: TargetAdapter = {
  id: "claude-settings",
  format: "json",
  credential: true,
  locate: ({ env, home, join }) =>
    join(envValue(env, "CLAUDE_CONFIG_DIR") ?? join(home, ".claude"), "settings.json"),

  parse(file, text) {
    const { doc } = parseJsonTarget(file, text);
    requireObjectAt(file, text, doc, ["env"]);
    return doc;
  },

  desired({ binding, token }) {
    const url = trimUrl(binding.nodeUrl).replace(/\/v1$/, "");
    const entries: DesiredEntry[] = [
      {
        path: ["env", "ANTHROPIC_AUTH_TOKEN"],
        value: token.key.secret.reveal(),
        sensitive: true,
        reason: "bind",
      },
      { path: ["env", "ANTHROPIC_BASE_URL"], value: url, sensitive: false, reason: "bind" },
    ];
    if (binding.model !== undefined) {
      entries.push({
        path: ["env", "ANTHROPIC_MODEL"],
        value: binding.model,
        sensitive: false,
        reason: "bind",
      });
    }
    for (const [name, value] of Object.entries(binding.env)) {
      // The binding's own keys win over an `env:` entry of the same name.
      if (FIXED.includes(name)) continue;
      const path = ["env", name];
      // Sensitivity travels with the value: one from a ${VAR} is a Secret.
      const secret = value instanceof Secret;
      entries.push({
        path,
        value: secret ? value.reveal() : value,
        sensitive: secret || isSensitiveAt(path, value),
        reason: "bind",
      });
    }
    const checks: DesiredCheck[] = [];
    const guards = [
      {
        path: ["env", "ANTHROPIC_API_KEY"],
        what: "env.ANTHROPIC_API_KEY",
        how: "as x-api-key",
      },
      { path: ["apiKeyHelper"], what: "apiKeyHelper", how: "(the key the helper prints)" },
    ];
    for (const g of guards) {
      // An `env:` entry the user asked for explicitly is theirs to send.
      if (entries.some((e) => e.path.join(".") === g.path.join("."))) continue;
      if (binding.keepOtherCredentials) {
        checks.push({
          paths: [g.path],
          code: "other-credentials-kept",
          message: `keep_other_credentials is set: ${g.what} stays in settings.json, so Claude Code WILL send that credential ${g.how} to ${url} along with the bound token`,
        });
      } else {
        entries.push({
          path: g.path,
          value: undefined,
          sensitive: true,
          reason: "takeover",
          warning: {
            code: "leak-guard",
            message: `settings.json has ${g.what}: with it Claude Code would also send that credential ${g.how} to ${url}; it is removed while Claude Code is bound and put back when the binding is removed`,
          },
        });
      }
    }
    return { entries, checks };
  },

  detect(doc) {
    const base = stringAt(doc, ["env", "ANTHROPIC_BASE_URL"]);
    return {
      nodeUrl: base === undefined ? undefined : trimUrl(base).replace(/\/v1$/, ""),
      key: stringAt(doc, ["env", "ANTHROPIC_AUTH_TOKEN"]),
    };
  },
};

/** Claude Code: one settings.json, Anthropic messages with a Bearer token. */
export const claudeCode: ToolAdapter = {
  id: "claude-code",
  ...TOOL_INFO["claude-code"],
  locationVars: ["CLAUDE_CONFIG_DIR"],
  files: [claudeSettingsAdapter],
};
