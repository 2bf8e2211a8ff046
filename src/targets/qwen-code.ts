import { findNodeAtLocation, parseTree } from "jsonc-parser";
import type { DesiredEntry } from "../model/types.js";
import type { LocateContext, TargetAdapter, ToolAdapter } from "./adapter.js";
import { envValue, nodeRoot, stringAt, trimUrl } from "./adapter.js";
import { getAtPath, isObject } from "./doc-path.js";
import { parseJsonTarget, requireArrayAt, requireObjectAt } from "./json-file.js";
import { elementSegment } from "./key-path.js";
import { lineColAt, stripBom, targetErrorAt } from "./position.js";
import { TOOL_INFO } from "./tool-info.js";
import type { JsonObject } from "./types.js";

/**
 * The variable our provider entry takes its key from. A name of our own: the client reads
 * `envKey` from the environment, where a shell export, a project `.env`, `~/.qwen/.env` and
 * `~/.env` all beat the settings' `env` block, so OPENAI_API_KEY there would send the user's
 * key to the node instead (docs/tools/qwen-code.md).
 */
export const QWEN_KEY_ENV = "NEURADOCK_QWEN_CODE_API_KEY";

/** The one element of `modelProviders.openai` that is ours: the one whose envKey is ours. */
export const QWEN_ENTRY = ["modelProviders", "openai", elementSegment("envKey", QWEN_KEY_ENV)];

/** `$QWEN_HOME` (it replaces `~/.qwen` itself; `~` expanded as the client does), else `~/.qwen`. */
function qwenDir({ env, home, join }: LocateContext): string {
  const moved = envValue(env, "QWEN_HOME");
  if (moved === undefined) return join(home, ".qwen");
  if (moved === "~") return home;
  return moved.startsWith("~/") ? join(home, moved.slice(2)) : moved;
}

/**
 * Qwen Code's `~/.qwen/settings.json` (comments allowed): a provider entry of our own in the
 * array `modelProviders.openai` (model id, the node's `/v1`, the key's variable), the key in
 * `env`, `security.auth.selectedType: "openai"` and `model.name`/`model.baseUrl` choosing our
 * entry (the base URL picks it when the user has another entry of the same id).
 */
export const qwenSettingsAdapter: TargetAdapter = {
  id: "qwen-settings",
  format: "jsonc",
  credential: true,
  locate: (ctx) => ctx.join(qwenDir(ctx), "settings.json"),

  parse(file, text) {
    const { doc } = parseJsonTarget(file, text, { comments: true, trailingCommas: true });
    for (const path of [
      ["env"],
      ["security"],
      ["security", "auth"],
      ["model"],
      ["modelProviders"],
    ]) {
      requireObjectAt(file, text, doc, path);
    }
    requireArrayAt(file, text, doc, ["modelProviders", "openai"]);
    refuseSecondEntry(file, text, doc);
    return doc;
  },

  desired({ binding, token }) {
    const baseUrl = `${nodeRoot(binding.nodeUrl)}/v1`;
    // The schema requires a model for qwen-code: the client picks a provider entry by its id.
    const model = binding.model ?? "";
    const plain = (path: string[], value: DesiredEntry["value"]): DesiredEntry => ({
      path,
      value,
      sensitive: false,
      reason: "bind",
    });
    const entries: DesiredEntry[] = [
      {
        path: ["env", QWEN_KEY_ENV],
        value: token.key.secret.reveal(),
        sensitive: true,
        reason: "bind",
      },
      plain(QWEN_ENTRY, { id: model, baseUrl, envKey: QWEN_KEY_ENV }),
      plain(["security", "auth", "selectedType"], "openai"),
      plain(["model", "name"], model),
      plain(["model", "baseUrl"], baseUrl),
    ];
    const node = trimUrl(binding.nodeUrl);
    const checks = [
      {
        paths: [["model", "generationConfig", "customHeaders"]],
        code: "provider-auth-override" as const,
        message: `settings.json sets model.generationConfig.customHeaders: Qwen Code adds those headers to every request to ${node}; remove them unless the relay is meant to get them`,
      },
    ];
    return { entries, checks };
  },

  detect(doc) {
    return detectQwen(doc);
  },
};

/**
 * Two entries of `modelProviders.openai` with our envKey (one copied by hand, say): neuradock
 * owns one, picks the first, and would leave the other behind with our variable on removal.
 * Refused at the second, as a duplicate key is.
 */
function refuseSecondEntry(file: string, text: string, doc: JsonObject): void {
  const list = getAtPath(doc, ["modelProviders", "openai"]);
  if (!Array.isArray(list)) return;
  const ours = list.flatMap((e, i) => (isObject(e) && e.envKey === QWEN_KEY_ENV ? [i] : []));
  const second = ours[1];
  if (second === undefined) return;
  const body = stripBom(text);
  const tree = parseTree(body, [], { allowTrailingComma: true });
  const node = tree ? findNodeAtLocation(tree, ["modelProviders", "openai", second]) : undefined;
  const { line, col } = lineColAt(body, node?.offset ?? 0);
  throw targetErrorAt(
    file,
    line,
    col,
    `modelProviders.openai has a second entry with envKey ${QWEN_KEY_ENV} (neuradock owns one): remove one of them`,
  );
}

/**
 * What the client would use now: the provider entry `model.name` (and `model.baseUrl`) select
 * in `modelProviders.openai`, its key from the settings' `env` when it is there; else the
 * older `security.auth.baseUrl`/`apiKey`. Only for the OpenAI auth type.
 */
function detectQwen(doc: JsonObject): { nodeUrl?: string; key?: string; model?: string } {
  if (stringAt(doc, ["security", "auth", "selectedType"]) !== "openai") return {};
  const model = stringAt(doc, ["model", "name"]);
  const wantBase = stringAt(doc, ["model", "baseUrl"]);
  const list = getAtPath(doc, ["modelProviders", "openai"]);
  const entries = (Array.isArray(list) ? list : []).filter(
    (e): e is JsonObject => isObject(e) && e.id === model,
  );
  const entry = entries.find((e) => e.baseUrl === wantBase) ?? entries[0];
  const base =
    (entry && stringAt(entry, ["baseUrl"])) ?? stringAt(doc, ["security", "auth", "baseUrl"]);
  const envKey = entry && stringAt(entry, ["envKey"]);
  const key =
    (envKey !== undefined ? stringAt(doc, ["env", envKey]) : undefined) ??
    stringAt(doc, ["security", "auth", "apiKey"]);
  return {
    nodeUrl: base === undefined ? undefined : nodeRoot(base),
    key,
    ...(model !== undefined ? { model } : {}),
  };
}

/** Qwen Code: OpenAI Chat Completions with a Bearer key, through a provider entry of our own. */
export const qwenCode: ToolAdapter = {
  id: "qwen-code",
  ...TOOL_INFO["qwen-code"],
  locationVars: ["QWEN_HOME"],
  files: [qwenSettingsAdapter],
  envWarnings(env) {
    const out: string[] = [];
    if (envValue(env, QWEN_KEY_ENV) !== undefined) {
      out.push(
        `${QWEN_KEY_ENV} is set in this shell: Qwen Code started from here sends that key, not the bound one written to settings.json; unset it`,
      );
    }
    return out;
  },
};
