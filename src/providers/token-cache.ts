import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Account } from "../config/types.js";
import { stateDir } from "../system/paths.js";
import type { System } from "../system/types.js";
import type { AccountTokens } from "./types.js";

/** Token metadata goes stale quickly (balances move); an hour keeps `tokens` snappy but honest. */
export const TOKEN_CACHE_TTL_MS = 60 * 60 * 1000;

interface CacheFile {
  version: 1;
  /** Which relay and user the listing came from: a config change must not show old data. */
  origin: string;
  listing: AccountTokens;
}

export function tokenCacheDir(env: NodeJS.ProcessEnv): string {
  return join(stateDir(env), "cache");
}

function cachePath(dir: string, account: Account): string {
  return join(dir, `tokens-${account.id}.json`);
}

/** Identifies the listing's source without any credential (not even hashed). */
function originOf(account: Account): string {
  return createHash("sha256")
    .update(`${account.provider}\n${account.url}\n${account.userId}`)
    .digest("hex");
}

/** The cached listing when it is younger than the TTL and from the same relay and user. */
export async function readCachedTokens(
  system: System,
  dir: string,
  account: Account,
  now: Date = new Date(),
): Promise<AccountTokens | null> {
  let parsed: CacheFile;
  try {
    const text = await system.readFile(cachePath(dir, account));
    if (text === null) return null;
    parsed = JSON.parse(text) as CacheFile;
  } catch {
    return null;
  }
  if (parsed?.version !== 1 || parsed.origin !== originOf(account)) return null;
  const listing = parsed.listing;
  const age = now.getTime() - Date.parse(listing?.fetchedAt ?? "");
  if (!Array.isArray(listing?.tokens) || !(age >= 0 && age < TOKEN_CACHE_TTL_MS)) return null;
  return listing;
}

/** Writes a listing (metadata and key hints only — TokenInfo holds no key) as a 0600 file. */
export async function writeCachedTokens(
  system: System,
  dir: string,
  account: Account,
  listing: AccountTokens,
): Promise<void> {
  await system.mkdirp(dir, 0o700);
  await system.chmod(dir, 0o700);
  const file: CacheFile = { version: 1, origin: originOf(account), listing };
  // The same atomic write as every other file neuradock keeps (temp name, fsync, rename).
  await system.writeFileAtomic(cachePath(dir, account), `${JSON.stringify(file)}\n`, {
    mode: 0o600,
    dirMode: 0o700,
    secret: true,
  });
}
