import type { Account, Binding } from "../config/types.js";
import type { DesiredCheck, DesiredEntry } from "../plan/types.js";
import type { ResolvedToken } from "../providers/types.js";
import type { JsonObject, TargetId } from "./types.js";

export interface BindingContext {
  binding: Binding;
  account: Account;
  token: ResolvedToken;
}

/** One adapter per file a tool reads: how to parse it and what a binding owns in it. */
export interface TargetAdapter {
  id: TargetId;
  /** Parse and validate; throws a TargetError naming file:line:col. */
  parse(file: string, text: string): JsonObject;
  desired(ctx: BindingContext): { entries: DesiredEntry[]; checks: DesiredCheck[] };
}

/** The node URL as given, without a trailing slash. */
export function trimUrl(url: string): string {
  return url.replace(/\/+$/, "");
}
