import { PROVIDER_LABELS } from "../config/nodes.js";
import type { Account } from "../config/types.js";
import type { DesiredEntry } from "../model/types.js";
import type { TargetAdapter } from "./adapter.js";
import { stringAt, trimUrl } from "./adapter.js";
import { codexDir } from "./codex-auth.js";
import { isObject } from "./doc-path.js";
import { formatKeyPath } from "./key-path.js";
import { targetErrorAt } from "./position.js";
import { locateTomlPath, parseTomlTarget } from "./toml-file.js";
import type { JsonObject, KeyPath } from "./types.js";

/** The `[model_providers.<id>]` id: stable per account, since Codex ties history to it. */
export function codexProviderId(account: Pick<Account, "id" | "provider">): string {
  return account.provider === "newapi" ? account.id : account.provider;
}

/** Codex's config.toml: which provider to use and how to reach it. */
export const codexConfigAdapter: TargetAdapter = {
  id: "codex-config",
  format: "toml",
  credential: false,
  // Key before pointer: auth.json first when binding, config.toml first when releasing.
  writeRank: 1,
  locate: ({ env, home, join }) => join(codexDir(env, home, join), "config.toml"),

  parse(file, text) {
    const doc = parseTomlTarget(file, text);
    // Codex reads these as tables too; refused here, before a plan, rather than half-applied.
    const providers = doc.model_providers;
    if (providers !== undefined) {
      requireTable(file, text, doc, ["model_providers"]);
      for (const id of Object.keys(providers as JsonObject)) {
        requireTable(file, text, doc, ["model_providers", id]);
      }
    }
    return doc;
  },

  desired({ binding, account }) {
    const id = codexProviderId(account);
    const table = ["model_providers", id];
    const plain = (path: string[], value: string | boolean): DesiredEntry => ({
      path,
      value,
      sensitive: false,
      reason: "bind",
    });
    const entries: DesiredEntry[] = [plain(["model_provider"], id)];
    if (binding.model !== undefined) entries.push(plain(["model"], binding.model));
    entries.push(
      // The display name is cosmetic: a name the user already gave the table stays.
      {
        ...plain(
          [...table, "name"],
          account.provider === "newapi" ? id : PROVIDER_LABELS[account.provider],
        ),
        userValueWins: true,
      },
      plain([...table, "base_url"], `${trimUrl(binding.nodeUrl).replace(/\/v1$/, "")}/v1`),
      plain([...table, "wire_api"], "responses"),
      plain([...table, "requires_openai_auth"], true),
    );
    // Keys the user keeps in our provider table that make Codex take its credential from
    // elsewhere than auth.json: not ours to remove, but the relay would not get the bound key.
    const checks = ["env_key", "experimental_bearer_token"].map((key) => ({
      paths: [[...table, key]],
      code: "provider-auth-override" as const,
      message: `config.toml sets model_providers.${id}.${key}: with it Codex may send that credential to ${trimUrl(binding.nodeUrl)} instead of the bound key from auth.json; remove it to use the binding`,
    }));
    return { entries, checks };
  },

  detect(doc) {
    const providerId = stringAt(doc, ["model_provider"]);
    if (providerId === undefined) return {};
    const base = stringAt(doc, ["model_providers", providerId, "base_url"]);
    // Only a relay of the user's own: Codex's built-in providers have no table here.
    if (base === undefined) return {};
    return { providerId, nodeUrl: trimUrl(base).replace(/\/v1$/, "") };
  },
};

function requireTable(file: string, text: string, doc: JsonObject, path: KeyPath): void {
  let value: unknown = doc;
  for (const seg of path) value = (value as JsonObject)[seg];
  if (isObject(value as JsonObject)) return;
  const at = locateTomlPath(text, path) ?? { line: 1, col: 1 };
  throw targetErrorAt(file, at.line, at.col, `${formatKeyPath(path)} must be a table`);
}
