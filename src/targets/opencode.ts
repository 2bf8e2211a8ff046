import type { Account } from "../config/types.js";
import type { DesiredEntry } from "../model/types.js";
import type { TargetAdapter, ToolAdapter } from "./adapter.js";
import { envValue, nodeRoot, stringAt, trimUrl } from "./adapter.js";
import { codexProviderId } from "./codex-config.js";
import { isObject } from "./doc-path.js";
import { parseJsonTarget, requireObjectAt } from "./json-file.js";
import { TOOL_INFO } from "./tool-info.js";

/**
 * Provider ids opencode already knows (models.dev, its own): a block of ours under one of
 * these would be merged with the built-in one, and `openai` with a ChatGPT login in
 * auth.json even sends the request to chatgpt.com. Such ids get a `neuradock-` prefix.
 */
const BUILTIN_IDS = new Set([
  "anthropic",
  "openai",
  "google",
  "google-vertex",
  "google-vertex-anthropic",
  "amazon-bedrock",
  "azure",
  "openrouter",
  "github-copilot",
  "github-models",
  "opencode",
  "vercel",
  "xai",
  "groq",
  "deepseek",
  "mistral",
  "ollama",
  "lmstudio",
  "zai",
  "moonshotai",
  "alibaba",
]);

/** Our provider block's id: the account's provider name (or newapi account id), never a built-in. */
export function opencodeProviderId(account: Pick<Account, "id" | "provider">): string {
  const id = codexProviderId(account);
  return BUILTIN_IDS.has(id) ? `neuradock-${id}` : id;
}

/**
 * opencode's global `opencode.json` (`$XDG_CONFIG_HOME/opencode`, comments allowed): a provider
 * block of our own (`@ai-sdk/anthropic`: Anthropic Messages, key as `x-api-key`) and the
 * top-level `model` pointing at it. `options.apiKey` beats a key of the same id in
 * `~/.local/share/opencode/auth.json` and an exported ANTHROPIC_API_KEY.
 */
export const opencodeConfigAdapter: TargetAdapter = {
  id: "opencode-config",
  format: "jsonc",
  credential: true,
  locate: ({ env, home, join }) => {
    const xdg = envValue(env, "XDG_CONFIG_HOME");
    const base = xdg?.startsWith("/") ? xdg : join(home, ".config");
    return join(base, "opencode", "opencode.json");
  },

  parse(file, text) {
    const { doc } = parseJsonTarget(file, text, { comments: true, trailingCommas: true });
    requireObjectAt(file, text, doc, ["provider"]);
    const providers = doc.provider;
    if (isObject(providers)) {
      for (const id of Object.keys(providers)) {
        requireObjectAt(file, text, doc, ["provider", id]);
        requireObjectAt(file, text, doc, ["provider", id, "options"]);
        requireObjectAt(file, text, doc, ["provider", id, "models"]);
      }
    }
    return doc;
  },

  desired({ binding, account, token }) {
    const id = opencodeProviderId(account);
    const block = ["provider", id];
    const plain = (path: string[], value: string | Record<string, never>): DesiredEntry => ({
      path,
      value,
      sensitive: false,
      reason: "bind",
    });
    const entries: DesiredEntry[] = [
      plain([...block, "npm"], "@ai-sdk/anthropic"),
      plain([...block, "options", "baseURL"], `${nodeRoot(binding.nodeUrl)}/v1`),
      {
        path: [...block, "options", "apiKey"],
        value: token.key.secret.reveal(),
        sensitive: true,
        reason: "bind",
      },
    ];
    if (binding.model !== undefined) {
      entries.push(plain([...block, "models", binding.model], {}));
      entries.push(plain(["model"], `${id}/${binding.model}`));
    }
    // Keys the user keeps in our block that put another credential on the request.
    const checks = [
      ["options", "headers"],
      ["options", "fetch"],
    ].map((rest) => ({
      paths: [[...block, ...rest]],
      code: "provider-auth-override" as const,
      message: `opencode.json sets provider.${id}.${rest.join(".")}: opencode adds it to every request to ${trimUrl(binding.nodeUrl)}; remove it unless the relay is meant to get it`,
    }));
    return { entries, checks };
  },

  detect(doc) {
    const model = stringAt(doc, ["model"]);
    const id = model?.includes("/") ? model.slice(0, model.indexOf("/")) : undefined;
    if (id === undefined) return {};
    const base = stringAt(doc, ["provider", id, "options", "baseURL"]);
    return {
      nodeUrl: base === undefined ? undefined : nodeRoot(base),
      key: stringAt(doc, ["provider", id, "options", "apiKey"]),
      providerId: id,
    };
  },
};

/** opencode: Anthropic Messages through an `@ai-sdk/anthropic` provider block of our own. */
export const opencode: ToolAdapter = {
  id: "opencode",
  ...TOOL_INFO.opencode,
  locationVars: ["XDG_CONFIG_HOME"],
  files: [opencodeConfigAdapter],
  envWarnings(env) {
    const why: Record<string, string> = {
      OPENCODE_CONFIG: "names a config file opencode reads after the global one",
      OPENCODE_CONFIG_CONTENT: "holds config opencode applies over the global file",
      OPENCODE_CONFIG_DIR: "names a config folder opencode reads after the global one",
    };
    return Object.entries(why)
      .filter(([name]) => envValue(env, name) !== undefined)
      .map(
        ([name, what]) =>
          `${name} is set in this shell and ${what}: its model or provider settings win over what neuradock writes`,
      );
  },
};
