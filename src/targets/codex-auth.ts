import type { DesiredCheck, DesiredEntry } from "../model/types.js";
import type { TargetAdapter } from "./adapter.js";
import { envValue, stringAt, trimUrl } from "./adapter.js";
import { parseJsonTarget } from "./json-file.js";

/** Codex's auth.json: the key Codex sends when the provider has requires_openai_auth. */
export const codexAuthAdapter: TargetAdapter = {
  id: "codex-auth",
  format: "json",
  credential: true,
  locate: ({ env, home, join }) => join(codexDir(env, home, join), "auth.json"),

  parse(file, text) {
    return parseJsonTarget(file, text).doc;
  },

  desired({ binding, token }) {
    const url = `${trimUrl(binding.nodeUrl)}/v1`;
    const entries: DesiredEntry[] = [
      {
        path: ["OPENAI_API_KEY"],
        value: token.key.secret.reveal(),
        sensitive: true,
        reason: "bind",
      },
    ];
    const checks: DesiredCheck[] = [];
    if (binding.keepOtherCredentials) {
      checks.push({
        paths: [["tokens"]],
        code: "other-credentials-kept",
        message: `keep_other_credentials is set: auth.json holds a ChatGPT login and auth_mode is left as it is; with auth_mode "chatgpt" Codex WILL send your ChatGPT access token to ${url} instead of the bound key`,
      });
    } else {
      // With a ChatGPT login present, Codex sends that login's token unless auth_mode says apikey.
      entries.push({
        path: ["auth_mode"],
        value: "apikey",
        sensitive: false,
        reason: "takeover",
        onlyIfPresent: [["auth_mode"], ["tokens"]],
      });
      checks.push({
        paths: [["tokens"]],
        code: "leak-guard",
        message: `auth.json holds a ChatGPT login: it stays in the file, and auth_mode is "apikey" while Codex is bound so ${url} gets the bound key, not your ChatGPT access token`,
      });
    }
    return { entries, checks };
  },

  detect(doc) {
    return { key: stringAt(doc, ["OPENAI_API_KEY"]) };
  },
};

/** $CODEX_HOME, else ~/.codex. */
export function codexDir(
  env: NodeJS.ProcessEnv,
  home: string,
  join: (...parts: string[]) => string,
): string {
  return envValue(env, "CODEX_HOME") ?? join(home, ".codex");
}
