import { createColors } from "picocolors";
import { didYouMean } from "../config/suggest.js";
import type { Account, Config } from "../config/types.js";
import { UsageError } from "../errors.js";
import { chooseToken, describeEntry, describeProblem } from "../plan/choose-token.js";
import {
  type AccountBalance,
  combineErrors,
  createTokenSource,
  PROVIDER_PRESETS,
  readCachedTokens,
  tokenCacheDir,
  usableUsd,
  writeCachedTokens,
} from "../providers/index.js";
import type { AccountTokens, TokenInfo, TokenStatus } from "../providers/types.js";
import { createSystemFor } from "../system/real-system.js";
import { relayName } from "../untrusted.js";
import { announceConfig, loadCommandConfig } from "./command-config.js";
import type { Io } from "./io.js";
import { relayOptions, startProgress } from "./relay-options.js";

export interface TokensOptions {
  config?: string;
  account?: string;
  json?: boolean;
  refresh?: boolean;
  timeout?: string;
}

/**
 * The token table of every account (or one): cached for an hour under the state dir, fetched
 * concurrently otherwise. Accounts that could be read are shown even when others fail.
 */
export async function runTokens(opts: TokensOptions, io: Io): Promise<number> {
  // `tokens work` needs only work's variables; the other accounts' may be unset.
  const config = await loadCommandConfig(
    opts,
    io,
    opts.account ? { usedAccounts: [opts.account] } : {},
  );
  announceConfig(config, io);
  const all = Object.values(config.accounts);
  const accounts = opts.account ? [pickAccount(opts.account, all, config.file)] : all;

  const cacheDir = tokenCacheDir(io.env);
  const system = await createSystemFor(io.env);
  const listings = new Map<string, AccountTokens>();
  const cached = new Set<string>();
  if (!opts.refresh) {
    for (const account of accounts) {
      const hit = await readCachedTokens(system, cacheDir, account);
      // A listing cached before balances were shown has none: fetched afresh.
      if (hit?.balance) {
        listings.set(account.id, hit);
        cached.add(account.id);
      }
    }
  }

  const toFetch = accounts.filter((a) => !listings.has(a.id));
  const errors: unknown[] = [];
  const failed: { account: string; message: string }[] = [];
  if (toFetch.length > 0) {
    let done = 0;
    const title = () => `fetching tokens (${done}/${toFetch.length} accounts)`;
    const progress = startProgress(io, title);
    const source = createTokenSource(relayOptions(io, opts, progress));
    try {
      const settled = await Promise.allSettled(
        toFetch.map(async (account) => {
          try {
            const listing = await source.listTokens(account, { balance: true });
            listings.set(account.id, listing);
            // The cache is a convenience: failing to write it must not fail the command.
            await writeCachedTokens(system, cacheDir, account, listing).catch(() => undefined);
          } catch (err) {
            failed.push({ account: account.id, message: (err as Error).message });
            throw err;
          } finally {
            done++;
          }
        }),
      );
      for (const s of settled) if (s.status === "rejected") errors.push(s.reason);
    } finally {
      progress.stop();
      await source.close();
    }
  }

  const shown = accounts.flatMap((a) => {
    const listing = listings.get(a.id);
    return listing ? [listing] : [];
  });
  if (opts.json) {
    // Accounts that could not be read are named too, so a script can tell what is missing.
    const listed = { config: config.file, ...renderTokensJson(shown, config) };
    const json = failed.length > 0 ? { ...listed, errors: failed } : listed;
    io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  } else if (accounts.length === 0) {
    io.stdout.write(`No accounts in ${config.file}.\n`);
  } else {
    io.stdout.write(renderTokensTable(shown, accounts, cached, io.color, config));
  }
  if (errors.length > 0) throw combineErrors(errors);
  return 0;
}

function pickAccount(name: string, accounts: Account[], file: string): Account {
  const found = accounts.find((a) => a.id === name);
  if (found) return found;
  const ids = accounts.map((a) => a.id);
  throw new UsageError(
    `unknown account '${name}'${didYouMean(name, ids)}; ${
      ids.length > 0 ? `accounts in ${file}: ${ids.join(", ")}` : `${file} has no accounts`
    }`,
  );
}

/** Per binding on this account: the token it gets now, and the entries that are unhealthy. */
export function bindingMarks(
  config: Pick<Config, "bindings"> | undefined,
  listing: AccountTokens,
  now: number = Date.now(),
) {
  return Object.values(config?.bindings ?? {}).flatMap((binding) => {
    if (!binding || binding.account !== listing.account) return [];
    const choice = chooseToken({
      binding,
      tokens: listing.tokens,
      accountBalanceUsd: listing.balance?.balanceUsd ?? null,
      now,
    });
    const chosen = choice.ok && choice.chosen.token ? choice.chosen.token : null;
    return [
      {
        tool: binding.tool,
        chosen: chosen ? { id: chosen.id, name: chosen.name } : null,
        unhealthy: choice.entries
          .filter((e) => e.problem !== null)
          .map((e) => ({
            entry: describeEntry(e),
            id: e.token?.id ?? null,
            name: e.token?.name ?? null,
            reason: describeProblem(e),
          })),
      },
    ];
  });
}

/** The `tokens --json` contract of docs/contract.md, with docs/relay.md §2's balances. */
export function renderTokensJson(listings: AccountTokens[], config?: Pick<Config, "bindings">) {
  return {
    accounts: listings.map((l) => ({
      account: l.account,
      provider: l.provider,
      fetched_at: l.fetchedAt,
      balance_usd: l.balance?.balanceUsd ?? null,
      used_usd: l.balance?.usedUsd ?? null,
      // docs/relay.md §3: which token each binding on this account gets, and which are unhealthy.
      bindings: bindingMarks(config, l),
      tokens: l.tokens.map((t) => ({
        id: t.id,
        name: t.name,
        status: t.status,
        balance_usd: t.balanceUsd,
        usable_usd: l.balance ? usableUsd(t, l.balance) : null,
        unlimited: t.unlimited,
        used_usd: t.usedUsd,
        expires: t.expires,
        model_limits: t.modelLimits,
        group: t.group,
        key_hint: t.keyHint,
      })),
    })),
  };
}

function renderTokensTable(
  listings: AccountTokens[],
  accounts: Account[],
  cached: Set<string>,
  color: boolean,
  config?: Pick<Config, "bindings">,
  now: Date = new Date(),
): string {
  const c = createColors(color);
  const statusColor: Record<TokenStatus, (s: string) => string> = {
    enabled: c.green,
    disabled: c.yellow,
    expired: c.red,
    exhausted: c.red,
    unknown: c.dim,
  };
  const byId = new Map(listings.map((l) => [l.account, l]));
  const blocks: string[] = [];
  for (const account of accounts) {
    const listing = byId.get(account.id);
    if (!listing) continue;
    const age = describeAge(listing.fetchedAt, now);
    const how = cached.has(account.id) ? `cached, fetched ${age}` : `fetched ${age}`;
    const who = `${c.bold(account.id)} ${c.dim(`(${PROVIDER_PRESETS[account.provider].label}, user ${account.userId}) · ${how}`)}`;
    const money = listing.balance
      ? `  account balance ${c.bold(formatUsd(listing.balance.balanceUsd))}, used ${formatUsd(listing.balance.usedUsd)}`
      : "";
    const head = money ? `${who}\n${money}` : who;
    if (listing.tokens.length === 0) {
      blocks.push(`${head}\n  (no tokens)\n`);
      continue;
    }
    const header = [
      "ID",
      "NAME",
      "BALANCE",
      "USABLE",
      "USED",
      "STATUS",
      "LIMITS",
      "EXPIRES",
      "KEY",
    ];
    const rows = listing.tokens.map((t) => tokenRow(t, listing.balance));
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[], paint?: (cell: string, i: number) => string) =>
      `  ${cells
        .map((cell, i) => {
          const padded = i === cells.length - 1 ? cell : cell.padEnd(widths[i]!);
          return paint ? paint(padded, i) : padded;
        })
        .join("  ")}`;
    const out = [head, c.dim(line(header))];
    listing.tokens.forEach((t, n) => {
      out.push(line(rows[n]!, (cell, i) => (i === 5 ? statusColor[t.status](cell) : cell)));
    });
    for (const mark of bindingMarks(config, listing)) {
      const chosen = mark.chosen
        ? `'${mark.chosen.name}' (id ${mark.chosen.id})`
        : c.red("no healthy token");
      out.push(`  ${c.bold(mark.tool)} → ${chosen}`);
      for (const u of mark.unhealthy) out.push(`    ${c.yellow("✗")} ${u.entry}: ${u.reason}`);
    }
    blocks.push(`${out.join("\n")}\n`);
  }
  return blocks.join("\n");
}

function tokenRow(t: TokenInfo, balance: AccountBalance | undefined): string[] {
  return [
    String(t.id),
    // Relay text: no escape sequence reaches the terminal, no long name stretches the table.
    t.name ? relayName(t.name) : "(unnamed)",
    t.unlimited ? "unlimited" : formatUsd(t.balanceUsd ?? 0),
    balance ? formatUsd(usableUsd(t, balance)) : "?",
    formatUsd(t.usedUsd),
    t.status,
    t.modelLimits.length > 0 ? relayName(t.modelLimits.join(",")) : "all models",
    t.expires ? relayName(t.expires.slice(0, 10)) : "never",
    relayName(t.keyHint),
  ];
}

function formatUsd(usd: number): string {
  return `$${usd.toFixed(2)}`;
}

function describeAge(iso: string, now: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  if (seconds < 60) return "just now";
  const minutes = Math.round(seconds / 60);
  return minutes < 60 ? `${minutes} min ago` : `${Math.round(minutes / 60)} h ago`;
}
