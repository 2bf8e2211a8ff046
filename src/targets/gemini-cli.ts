import type { DesiredEntry } from "../model/types.js";
import type { LocateContext, TargetAdapter, ToolAdapter } from "./adapter.js";
import { envValue, nodeRoot, stringAt, trimUrl } from "./adapter.js";
import { parseDotenvTarget } from "./dotenv-file.js";
import { parseJsonTarget, requireObjectAt } from "./json-file.js";
import { TOOL_INFO } from "./tool-info.js";

/** `$GEMINI_CLI_HOME/.gemini`, else `~/.gemini` (GEMINI_CLI_HOME replaces the home folder). */
function geminiDir({ env, home, join }: LocateContext): string {
  return join(envValue(env, "GEMINI_CLI_HOME") ?? home, ".gemini");
}

/**
 * Gemini CLI's `~/.gemini/.env` (dotenv): the key, the node and the model. The CLI sends the
 * key as `x-goog-api-key` to `<GOOGLE_GEMINI_BASE_URL>/v1beta/models/<model>:streamGenerateContent`.
 */
export const geminiEnvAdapter: TargetAdapter = {
  id: "gemini-env",
  format: "dotenv",
  credential: true,
  locate: (ctx) => ctx.join(geminiDir(ctx), ".env"),
  parse: (file, text) => parseDotenvTarget(file, text),

  desired({ binding, token }) {
    const entries: DesiredEntry[] = [
      {
        path: ["GEMINI_API_KEY"],
        value: token.key.secret.reveal(),
        sensitive: true,
        reason: "bind",
      },
      // The node itself: the CLI appends /v1beta (a /v1 a node URL may carry is not Gemini's).
      {
        path: ["GOOGLE_GEMINI_BASE_URL"],
        value: nodeRoot(binding.nodeUrl),
        sensitive: false,
        reason: "bind",
      },
    ];
    if (binding.model !== undefined) {
      entries.push({
        path: ["GEMINI_MODEL"],
        value: binding.model,
        sensitive: false,
        reason: "bind",
      });
    }
    return { entries, checks: [] };
  },

  detect(doc) {
    const base = stringAt(doc, ["GOOGLE_GEMINI_BASE_URL"]);
    return {
      nodeUrl: base === undefined ? undefined : nodeRoot(trimUrl(base).replace(/\/v1beta$/, "")),
      key: stringAt(doc, ["GEMINI_API_KEY"]),
    };
  },
};

/**
 * Gemini CLI's `~/.gemini/settings.json` (comments allowed): without
 * `security.auth.selectedType: "gemini-api-key"` the CLI refuses to start headless ("Invalid
 * auth method selected") or uses the user's Google login; the user's value comes back on removal.
 */
export const geminiSettingsAdapter: TargetAdapter = {
  id: "gemini-settings",
  format: "jsonc",
  credential: false,
  // The key (.env) before the switch that makes the CLI use it; the switch goes first on release.
  writeRank: 1,
  locate: (ctx) => ctx.join(geminiDir(ctx), "settings.json"),

  parse(file, text) {
    const { doc } = parseJsonTarget(file, text, { comments: true });
    requireObjectAt(file, text, doc, ["security"]);
    requireObjectAt(file, text, doc, ["security", "auth"]);
    return doc;
  },

  desired() {
    const entries: DesiredEntry[] = [
      {
        path: ["security", "auth", "selectedType"],
        value: "gemini-api-key",
        sensitive: false,
        reason: "bind",
      },
    ];
    return { entries, checks: [] };
  },
};

/** Gemini CLI: the Gemini protocol (generateContent), key in `x-goog-api-key`. */
export const geminiCli: ToolAdapter = {
  id: "gemini-cli",
  ...TOOL_INFO["gemini-cli"],
  locationVars: ["GEMINI_CLI_HOME"],
  files: [geminiEnvAdapter, geminiSettingsAdapter],
  envWarnings(env) {
    // Variables exported in the shell beat ~/.gemini/.env (it never overrides them).
    return ["GEMINI_API_KEY", "GOOGLE_GEMINI_BASE_URL", "GEMINI_MODEL"]
      .filter((name) => envValue(env, name) !== undefined)
      .map(
        (name) =>
          `${name} is set in this shell: Gemini CLI started from here uses it instead of the value neuradock writes to ~/.gemini/.env${name === "GEMINI_API_KEY" ? " (that key, not the bound one, would go to the node)" : ""}; unset it`,
      );
  },
};
