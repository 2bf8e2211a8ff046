import { ConfigNotFoundError, listNodes } from "../config/index.js";
import { didYouMean } from "../config/suggest.js";
import type { Config, ProviderId } from "../config/types.js";
import { PROVIDERS } from "../config/types.js";
import { UsageError } from "../errors.js";
import { redactValue } from "../secret.js";
import { loadCommandConfig } from "./command-config.js";
import type { Io } from "./io.js";

export interface NodesOptions {
  config?: string;
  provider?: string;
  json?: boolean;
}

/**
 * Built-in and custom nodes. Without a config file anywhere, the built-ins alone are listed
 * (they need none); a config that exists must be valid, and `-c FILE` must exist. Unset
 * variables of accounts are no error here: no account is used.
 */
export async function runNodes(opts: NodesOptions, io: Io): Promise<number> {
  const provider = parseProvider(opts.provider);
  let config: Config | null = null;
  try {
    // Listing nodes uses no account: their variables need not be exported.
    config = await loadCommandConfig(opts, io, { usedAccounts: [] });
  } catch (err) {
    if (!(err instanceof ConfigNotFoundError)) throw err;
  }
  // A URL from a ${VAR} is sensitive (docs/contract.md "Trust rules"): never printed.
  const nodes = listNodes(config, provider).map((n) =>
    n.fromEnv && n.url !== null ? { ...n, url: redactValue(n.url) } : n,
  );
  if (opts.json) {
    const rows = nodes.map((n) => ({
      provider: n.provider,
      name: n.name,
      url: n.url,
      builtin: n.builtin,
      ...(n.fromEnv ? { sensitive: true } : {}),
    }));
    io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  const rows = [
    ["PROVIDER", "NODE", "URL", "SOURCE"],
    ...nodes.map((n) => [
      n.provider,
      n.name,
      n.url ?? "(the account's url)",
      n.builtin ? "built-in" : "custom",
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) {
    io.stdout.write(
      `${r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ")}\n`,
    );
  }
  if (!config) io.stderr.write("(no neuradock.yaml found: built-in nodes only)\n");
  return 0;
}

function parseProvider(p: string | undefined): ProviderId | undefined {
  if (p === undefined) return undefined;
  if ((PROVIDERS as readonly string[]).includes(p)) return p as ProviderId;
  throw new UsageError(
    `unknown provider '${p.length > 40 ? `${p.slice(0, 40)}…` : p}'${didYouMean(p, PROVIDERS)} (expected one of ${PROVIDERS.join(", ")})`,
  );
}
