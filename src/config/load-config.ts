import { isAbsolute, relative, resolve, sep } from "node:path";
import type { Diagnostic } from "../errors.js";
import { ConfigError } from "../errors.js";
import { errnoCode } from "../system/fs-errors.js";
import { createRealSystem } from "../system/real-system.js";
import type { System } from "../system/types.js";
import { findConfig } from "./discover.js";
import { interpolateTree } from "./interpolate.js";
import { checkRulesWithWarnings, normalizeConfig } from "./rules.js";
import type { Config } from "./types.js";
import type { DocPath, PathProblem } from "./yaml-source.js";
import { MAX_CONFIG_BYTES, parseYamlSource, positionOf } from "./yaml-source.js";

/** `bindings:` as written (interpolated), tool → `{ account }`, before any validation. */
export type RawBindings = Record<string, { account?: unknown }>;

function rawBindingsOf(data: unknown): RawBindings {
  const bindings = (data as { bindings?: unknown } | null)?.bindings;
  if (!bindings || typeof bindings !== "object" || Array.isArray(bindings)) return {};
  return Object.fromEntries(
    Object.entries(bindings).filter(([, b]) => b && typeof b === "object" && !Array.isArray(b)),
  ) as RawBindings;
}

/** Accounts that declare `tokens:` (relay resources need their credentials). */
function accountsWithTokens(data: unknown): string[] {
  const accounts = (data as { accounts?: unknown } | null)?.accounts;
  if (!accounts || typeof accounts !== "object" || Array.isArray(accounts)) return [];
  return Object.entries(accounts)
    .filter(([, a]) => a && typeof a === "object" && (a as { tokens?: unknown }).tokens)
    .map(([id]) => id);
}

export interface LoadConfigOptions {
  /** -c/--config: this file, no search. */
  configPath?: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** The disk (the real one unless a test passes another). */
  system?: System;
  /**
   * The accounts a command will use, when it uses only some: an unset variable under any other
   * `accounts.<id>` (credentials, user_id, url) is then not an error. `[]` for none (nodes),
   * `["work"]` for `tokens work`; unset: every account counts.
   */
  usedAccounts?:
    | readonly string[]
    | ((bindings: RawBindings, withTokens: readonly string[]) => readonly string[]);
}

/**
 * neuradock.yaml → Config: find, read (size-capped), parse YAML with positions, check the schema,
 * interpolate ${VAR}, check the rules, normalize. Every problem is collected and thrown at
 * once as a ConfigError whose diagnostics read `file:line:col: message`.
 */
export async function loadConfig(opts: LoadConfigOptions): Promise<Config> {
  const given = opts.configPath;
  const system = opts.system ?? createRealSystem();
  const file = given
    ? resolve(opts.cwd, given)
    : (await findConfig(opts.cwd, opts.env, opts.platform, { uid: process.getuid?.(), system }))
        .file;
  const shown = given ?? displayPath(file, opts.cwd);
  const fail = (message: string, line = 1, col = 1): never => {
    throw new ConfigError([{ file: shown, line, col, message }]);
  };

  // The errno code of a failed read ("EACCES"), from the error or a TargetError's message.
  const codeOf = (err: unknown) =>
    errnoCode(err) ?? /\((E[A-Z]+)\)$/.exec((err as Error).message ?? "")?.[1] ?? "error";
  let size: number;
  try {
    const st = await system.stat(file);
    if (st === null) return fail("no such file");
    if (st.kind === "directory") fail("is a directory, not a config file");
    // A FIFO or a device would block the read or never end.
    if (st.kind !== "file") fail("is not a regular file");
    size = st.size;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    return fail(`cannot read the file (${codeOf(err)})`);
  }
  // Checked before reading, so a huge file costs neither memory nor parse time.
  if (size > MAX_CONFIG_BYTES) {
    fail(`the file is ${formatSize(size)}; a config file may be at most 1 MB`);
  }
  let read: string | null;
  try {
    read = await system.readFile(file);
  } catch (err) {
    return fail(`cannot read the file (${codeOf(err)})`);
  }
  // Gone between the stat and the read.
  let text = read ?? fail("no such file");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === "") fail("the file is empty; it needs at least `version: 1`");

  const src = parseYamlSource(text);
  if (src.problems.length > 0) {
    throw new ConfigError(sortDiagnostics(src.problems.map((p) => ({ file: shown, ...p }))));
  }
  if (src.data === null || src.data === undefined) {
    fail("the file holds no YAML content (only comments?); it needs at least `version: 1`");
  }
  const posOf = (path: DocPath, at: "key" | "value" = "value") => ({
    file: shown,
    ...positionOf(src, path, at),
  });
  const toDiagnostic = (p: PathProblem): Diagnostic => ({
    ...posOf(p.path, p.at),
    message: p.message,
  });

  const { checkSchema } = await import("./schema-check.js");
  const schemaProblems = checkSchema(src.data);
  const interpolated = interpolateTree(src.data, opts.env);
  // A rule problem where the schema or interpolation already complained would say the same
  // thing twice (an unset ${VAR} is not also "not a URL").
  const reported = new Set(
    [...schemaProblems, ...interpolated.problems].map((p) => p.path.join("\u0000")),
  );
  const rules = checkRulesWithWarnings(interpolated.value, interpolated.fromEnv);
  const ruleProblems = rules.problems.filter((p) => !reported.has(p.path.join("\u0000")));
  const used =
    typeof opts.usedAccounts === "function"
      ? opts.usedAccounts(rawBindingsOf(interpolated.value), accountsWithTokens(interpolated.value))
      : opts.usedAccounts;
  const interpolationProblems = used
    ? interpolated.problems.filter(
        (p) => p.path[0] !== "accounts" || used.includes(String(p.path[1])),
      )
    : interpolated.problems;
  const problems = [...schemaProblems, ...interpolationProblems, ...ruleProblems];
  if (problems.length > 0) throw new ConfigError(sortDiagnostics(problems.map(toDiagnostic)));

  const config = normalizeConfig(interpolated.value, file, posOf, interpolated.fromEnv);
  if (rules.warnings.length > 0)
    config.warnings = sortDiagnostics(rules.warnings.map(toDiagnostic));
  return config;
}

function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds
    .filter((d) => {
      const key = `${d.line}:${d.col}:${d.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.line - b.line || a.col - b.col);
}

/** How a config file is named in messages: relative to the cwd when inside it, else absolute. */
export function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel) ? rel : file;
}

function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / (1024 * 1024)).toFixed(1)} MB`
    : `${Math.ceil(bytes / 1024)} KB`;
}
