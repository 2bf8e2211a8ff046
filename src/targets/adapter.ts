import type { Account, Binding } from "../config/types.js";
import type { DesiredCheck, DesiredEntry } from "../plan/types.js";
import type { ResolvedToken } from "../providers/types.js";
import type { JsonObject, TargetId } from "./types.js";

export interface BindingContext {
  binding: Binding;
  account: Account;
  token: ResolvedToken;
}

/**
 * What one of a tool's files says about the relay the tool uses now, so that `init` can adopt
 * an existing setup. Each file may know only part of it (Codex: the URL in config.toml, the
 * key in auth.json); `init` merges the parts of one tool's files.
 */
export interface DetectedSetup {
  /** The node URL as a binding would name it (without the `/v1` the tool's file may add). */
  nodeUrl?: string;
  /** The key the tool sends (the caller wraps it in a Secret at once). */
  key?: string;
  /** The name the tool knows the relay by (Codex's `model_provider`): a preferred account id. */
  providerId?: string;
}

/** One adapter per file a tool reads: how to parse it and what a binding owns in it. */
export interface TargetAdapter {
  id: TargetId;
  /** Parse and validate; throws a TargetError naming file:line:col. */
  parse(file: string, text: string): JsonObject;
  desired(ctx: BindingContext): { entries: DesiredEntry[]; checks: DesiredCheck[] };
  /** Read the current setup back from a parsed file (the inverse of `desired`), for `init`. */
  detect?(doc: JsonObject): DetectedSetup;
}

/** A non-empty string at `path` of a parsed file, else undefined. */
export function stringAt(doc: JsonObject, path: readonly string[]): string | undefined {
  let value: unknown = doc;
  for (const seg of path) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
    value = Object.hasOwn(value, seg) ? (value as JsonObject)[seg] : undefined;
  }
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

/** The node URL as given, without a trailing slash. */
export function trimUrl(url: string): string {
  return url.replace(/\/+$/, "");
}
