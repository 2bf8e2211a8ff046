import type { Account, Binding, ToolId } from "../config/types.js";
import { ProviderError } from "../errors.js";
import { unwrapAll } from "../providers/token-source.js";
import type {
  AccountTokens,
  ApiKey,
  ResolvedToken,
  TokenInfo,
  TokenSource,
} from "../providers/types.js";
import {
  chooseToken,
  describeEntry,
  describeProblem,
  type EntryHealth,
  formatUsd,
  type TokenChoice,
} from "./choose-token.js";
import type { PlanWarning, TokenChoiceRecord } from "./types.js";

export interface BoundTool {
  tool: ToolId;
  binding: Binding;
  account: Account;
}

export interface BoundTokens {
  tokens: Map<ToolId, ResolvedToken>;
  choices: TokenChoiceRecord[];
  warnings: PlanWarning[];
}

/**
 * The token of each bound tool: one listing per account (shared by its bindings), its balance
 * when a binding's choice depends on it, the pure choice, then the chosen token's key. Every
 * binding that has no usable token is reported, together.
 */
export async function resolveBoundTokens(
  source: TokenSource,
  bound: readonly BoundTool[],
  now: number,
  /** A key from elsewhere (a declared token's relay step), else undefined: the listed one. */
  keyFrom: (b: BoundTool, token: TokenInfo) => Promise<ApiKey | undefined> = async () => undefined,
): Promise<BoundTokens> {
  // Each account once, whatever number of bindings use it; with its balance when any needs it.
  const listings = new Map<string, Promise<AccountTokens>>();
  for (const { account } of bound) {
    if (listings.has(account.id)) continue;
    const balance = bound.some(
      (b) =>
        b.account.id === account.id &&
        (b.binding.failover || b.binding.minBalanceUsd !== undefined),
    );
    listings.set(account.id, source.listTokens(account, { balance }));
  }
  const settled = await Promise.allSettled(
    bound.map(async ({ tool, binding, account }) => {
      const listing = await (listings.get(account.id) as Promise<AccountTokens>);
      const choice = chooseToken({
        binding,
        tokens: listing.tokens,
        accountBalanceUsd: listing.balance?.balanceUsd ?? null,
        now,
      });
      if (!choice.ok) {
        const message = binding.failover ? `${tool}: ${choice.message}` : choice.message;
        throw new ProviderError(account.id, message, choice.details);
      }
      const info = choice.chosen.token;
      if (!info) throw new ProviderError(account.id, `${tool}: no token chosen`);
      const key =
        (await keyFrom({ tool, binding, account }, info)) ??
        (await source.tokenKey(account, info.id));
      return { tool, account, binding, choice, resolved: { account: account.id, info, key } };
    }),
  );
  const out: BoundTokens = { tokens: new Map(), choices: [], warnings: [] };
  for (const r of unwrapAll(settled)) {
    out.tokens.set(r.tool, r.resolved);
    out.choices.push(recordChoice(r.tool, r.account.id, r.choice));
    out.warnings.push(...choiceWarnings(r.tool, r.account.id, r.binding, r.choice));
  }
  return out;
}

function recordChoice(
  tool: ToolId,
  account: string,
  choice: Extract<TokenChoice, { ok: true }>,
): TokenChoiceRecord {
  const token = choice.chosen.token;
  return {
    tool,
    account,
    chosen: {
      id: token?.id ?? 0,
      name: token?.name ?? "",
      usableUsd: choice.chosen.usableUsd,
    },
    skipped: choice.skipped.map((e) => ({
      entry: describeEntry(e),
      id: e.token?.id ?? null,
      name: e.token?.name ?? null,
      reason: describeProblem(e),
    })),
  };
}

function choiceWarnings(
  tool: ToolId,
  account: string,
  binding: Binding,
  choice: Extract<TokenChoice, { ok: true }>,
): PlanWarning[] {
  const chosen = describeEntry(choice.chosen);
  const position = `entry ${choice.chosen.index + 1} of ${binding.tokens.length}`;
  const warnings: PlanWarning[] = choice.skipped.map((e: EntryHealth) => ({
    code: "failover",
    tool,
    message: `token ${describeEntry(e)} of account '${account}' skipped (${describeProblem(e)}); bound ${chosen} instead (${position})`,
  }));
  if (choice.lowBalance) {
    const p = choice.chosen.problem;
    const usable = p?.code === "low-balance" ? formatUsd(p.usableUsd) : "?";
    warnings.push({
      code: "low-balance",
      tool,
      message: `token ${chosen} of account '${account}' has a usable balance of ${usable}, not above min_balance_usd ${formatUsd(binding.minBalanceUsd ?? 0)}; bound anyway (list a fallback token to switch automatically)`,
    });
  }
  return warnings;
}
