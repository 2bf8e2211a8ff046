import type { ToolId } from "../config/types.js";
import { Secret } from "../secret.js";
import type { DetectedSetup, TargetAdapter } from "../targets/adapter.js";
import type { ActualFile, TargetFile, TargetId } from "../targets/types.js";

/** A tool file as `init` read it: parsed, absent, or unusable for a reason it must tell. */
export type ReadFile = ActualFile | { kind: "unreadable"; target: TargetFile; reason: string };

/** One tool's current relay setup, read back from its files through its adapters. */
export interface CurrentSetup {
  tool: ToolId;
  /** The node URL the tool talks to (no trailing slash, no `/v1`). */
  nodeUrl: string;
  key?: Secret;
  /** The tool's own name for the relay (Codex's model_provider). */
  providerId?: string;
  /** The model the tool uses, where its binding needs one (qwen-code). */
  model?: string;
}

/** A tool left out of the adoption, and why (a file that cannot be parsed, say). */
export interface SkippedTool {
  tool: ToolId;
  file: string;
  reason: string;
}

/**
 * Pure: what each tool uses now, from its files as read. Driven by the adapters: a tool whose
 * adapters have a `detect` takes part, and the parts its files know are merged (Codex: URL
 * from config.toml, key from auth.json). A tool with a file that could not be read is skipped
 * with the reason, never guessed from its other files.
 */
export function detectSetups(
  files: readonly ReadFile[],
  adapters: Readonly<Record<TargetId, TargetAdapter>>,
): { setups: CurrentSetup[]; skipped: SkippedTool[] } {
  const byTool = new Map<ToolId, ReadFile[]>();
  for (const f of files) byTool.set(f.target.tool, [...(byTool.get(f.target.tool) ?? []), f]);
  const setups: CurrentSetup[] = [];
  const skipped: SkippedTool[] = [];
  for (const [tool, toolFiles] of byTool) {
    const bad = toolFiles.find((f) => f.kind === "unreadable");
    if (bad?.kind === "unreadable") {
      skipped.push({ tool, file: bad.target.path, reason: bad.reason });
      continue;
    }
    const merged: DetectedSetup = {};
    let urlFile = "";
    for (const f of toolFiles) {
      const detect = adapters[f.target.id]?.detect;
      if (f.kind !== "present" || !detect) continue;
      const part = detect(f.doc);
      if (merged.nodeUrl === undefined && part.nodeUrl !== undefined) urlFile = f.target.path;
      merged.nodeUrl ??= part.nodeUrl;
      merged.key ??= part.key;
      merged.providerId ??= part.providerId;
      merged.model ??= part.model;
    }
    if (merged.nodeUrl === undefined || !isWebUrl(merged.nodeUrl)) continue;
    if (hasUserInfo(merged.nodeUrl)) {
      // It would be copied into neuradock.yaml, a file meant to be committed.
      skipped.push({
        tool,
        file: urlFile,
        reason: `${urlFile}: the relay URL carries a user name or password`,
      });
      continue;
    }
    setups.push({
      tool,
      nodeUrl: merged.nodeUrl,
      ...(merged.key !== undefined ? { key: new Secret(merged.key) } : {}),
      ...(merged.providerId !== undefined ? { providerId: merged.providerId } : {}),
      ...(merged.model !== undefined ? { model: merged.model } : {}),
    });
  }
  return { setups, skipped };
}

function hasUserInfo(url: string): boolean {
  const u = new URL(url);
  return u.username !== "" || u.password !== "";
}

function isWebUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === "https:" || u.protocol === "http:";
  } catch {
    return false;
  }
}
