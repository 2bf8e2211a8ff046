import type { Account, Binding, ToolId } from "../config/types.js";
import type { DesiredCheck, DesiredEntry } from "../model/types.js";
import type { ResolvedToken } from "../providers/types.js";
import type { FileFormat, JsonObject } from "./types.js";

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
  /** The model the tool is set to use, where a binding needs it (qwen-code's provider entry). */
  model?: string;
}

/**
 * The wire protocols a tool can speak to a node. A new-api relay serves all of them on one
 * base URL; AnyRouter and AgentRouter are known for the first two (see src/config/nodes.ts).
 */
export type WireProtocol = "anthropic-messages" | "openai-responses" | "openai-chat" | "gemini";

/** Where a tool's files are resolved from: the environment, the home directory, path joining. */
export interface LocateContext {
  env: NodeJS.ProcessEnv;
  home: string;
  join: (...parts: string[]) => string;
  platform: NodeJS.Platform;
}

/** One file a tool reads: where it is, how to parse it, and what a binding owns in it. */
export interface TargetAdapter {
  /** Unique among all tools; recorded in saved plans. */
  id: string;
  format: FileFormat;
  /**
   * Holds the key: created 0600 (its new parent directories 0700), and an existing copy that
   * others may read is tightened to 0600 while the tool is bound (a note in the plan).
   */
  credential: boolean;
  /**
   * Write order when binding: lower first (the key before what points the tool at the node);
   * reversed when releasing. Default 0.
   */
  writeRank?: number;
  locate(ctx: LocateContext): string;
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

/** One AI coding tool: its files (each with its `detect` for init), the protocol it speaks. */
export interface ToolAdapter {
  id: ToolId;
  /** As people name it: "Claude Code". */
  label: string;
  /** The environment variables that move its files (said when they change). */
  locationVars: readonly string[];
  protocol: WireProtocol;
  files: readonly TargetAdapter[];
  /** Warnings about the environment neuradock runs in (e.g. a competing exported key). */
  envWarnings?(env: NodeJS.ProcessEnv): string[];
}

/** The node URL as given, without a trailing slash. */
export function trimUrl(url: string): string {
  return url.replace(/\/+$/, "");
}

/** The node URL without a trailing slash or `/v1`: the form tools that append /v1 want. */
export function nodeRoot(url: string): string {
  return trimUrl(url).replace(/\/v1$/, "");
}

/** A non-empty environment value, else undefined. */
export function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value !== undefined && value.length > 0 ? value : undefined;
}
