import { didYouMean } from "../config/suggest.js";
import type { Account } from "../config/types.js";
import { UsageError } from "../errors.js";
import { type CheckinOutcome, createTokenSource, PROVIDER_PRESETS } from "../providers/index.js";
import { safeText } from "../untrusted.js";
import type { CheckinCliOptions } from "./cli-options.js";
import { announceConfig, loadCommandConfig } from "./command-config.js";
import type { Io } from "./io.js";
import { relayOptions, startProgress } from "./relay-options.js";

interface Row extends CheckinOutcome {
  account: Account;
  balanceUsd: number | null;
}

/**
 * `neuradock checkin [ACCOUNT…]`: the daily check-in of every account (or the named ones),
 * concurrently; one line each, the balance after; exit 1 when any failed (docs/relay.md §5).
 */
export async function runCheckin(opts: CheckinCliOptions, io: Io): Promise<number> {
  const named = opts.accounts ?? [];
  const config = await loadCommandConfig(opts, io, named.length > 0 ? { usedAccounts: named } : {});
  announceConfig(config, io);
  const all = Object.values(config.accounts);
  const accounts =
    named.length > 0
      ? [...new Set(named)].map((n) => pickAccount(n, all, config.file))
      : // By default, the accounts that have not opted out.
        all.filter((a) => a.checkin !== false);

  let done = 0;
  const progress = startProgress(io, () => `checking in (${done}/${accounts.length} accounts)`);
  const source = createTokenSource(relayOptions(io, opts, progress));
  let rows: Row[];
  try {
    rows = await Promise.all(
      accounts.map(async (account): Promise<Row> => {
        try {
          const outcome = await source.relay.checkIn(account);
          let balanceUsd: number | null = null;
          if (outcome.status === "checked-in" || outcome.status === "already") {
            // The balance after is a courtesy: not being able to read it fails nothing.
            balanceUsd = await source.relay.balance(account).then(
              (b) => b.balanceUsd,
              () => null,
            );
          }
          return { ...outcome, account, balanceUsd };
        } finally {
          done++;
        }
      }),
    );
  } finally {
    progress.stop();
    await source.close();
  }

  if (opts.json) {
    const json = { config: config.file, ...renderCheckinJson(rows) };
    io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  } else if (rows.length === 0) {
    io.stdout.write(`No accounts to check in in ${config.file}.\n`);
  } else {
    const width = Math.max(...rows.map((r) => r.account.id.length));
    for (const r of rows) io.stdout.write(`${r.account.id.padEnd(width)}  ${describe(r)}\n`);
  }
  return rows.some((r) => r.status === "failed") ? 1 : 0;
}

/** docs/relay.md §5's `checkin --json`. */
export function renderCheckinJson(rows: Row[]) {
  return {
    accounts: rows.map((r) => ({
      account: r.account.id,
      provider: r.account.provider,
      status: r.status,
      message: r.message,
      awarded_usd: r.awardedUsd,
      balance_usd: r.balanceUsd,
    })),
  };
}

function describe(r: Row): string {
  const balance = r.balanceUsd === null ? "" : `, balance ${usd(r.balanceUsd)}`;
  switch (r.status) {
    case "checked-in":
      return `checked in${r.awardedUsd !== null ? ` (+${usd(r.awardedUsd)})` : ""}${balance}`;
    case "already":
      return `already checked in today${balance}`;
    case "unsupported":
      return `not supported (${PROVIDER_PRESETS[r.account.provider].label}): ${safeText(r.message)}`;
    default:
      // The relay's words: stripped and scrubbed (src/untrusted.ts).
      return `failed: ${safeText(r.message)}`;
  }
}

function usd(n: number): string {
  return `$${n.toFixed(2)}`;
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
