import { listNodes, normalizeBaseUrl, PROVIDER_DEFAULT_URLS } from "../config/nodes.js";
import {
  type Account,
  CODEX_BUILTIN_PROVIDERS,
  type Config,
  PROVIDERS,
  type ProviderId,
} from "../config/types.js";
import type { TokenSource } from "../providers/types.js";
import { Secret } from "../secret.js";
import type { CurrentSetup } from "./detect.js";

/** Ids an account may not take (provider names, Codex's built-in provider ids). */
const RESERVED_IDS = new Set<string>([...PROVIDERS, ...CODEX_BUILTIN_PROVIDERS]);
const ACCOUNT_ID = /^[a-z0-9][a-z0-9_-]*$/;

/** An account `init` adds to the file, and the variables it reads its secrets from. */
export interface NewAccount {
  id: string;
  provider: ProviderId;
  /** The relay's URL, for a `newapi` account. */
  url?: string;
  credential: "session" | "access_token";
  vars: { userId: string; session: string; accessToken: string };
  /** Known when `<PREFIX>_USER_ID` is exported: written as a number, else as `${VAR}`. */
  userId?: number;
}

/** How one tool's current setup becomes a binding. */
export interface Adoption {
  setup: CurrentSetup;
  provider: ProviderId;
  /** The node's name for the binding (`default` unless a named node has this URL). */
  node: string;
  /** Accounts that could own the tool's key, best first (the file's, else one new). */
  candidates: string[];
  /** The account chosen: the candidate whose token has the key, else the first. */
  accountId: string;
  token?: { id: number; name: string; unique: boolean };
  /** Why no token could be named, and what to do. */
  note?: string;
}

/** What the file already has: its accounts (credentials may be unset) and custom nodes. */
export type KnownConfig = Pick<Config, "accounts" | "nodes" | "bindings">;

const EMPTY: KnownConfig = { accounts: {}, nodes: [], bindings: {} };

/**
 * Pure: which account and node each setup belongs to. A URL of a built-in or custom node picks
 * that provider and node; any other URL is a new-api relay. Accounts already in the file are
 * reused; otherwise one new account per relay is proposed, its variables named after the
 * provider (ANYROUTER_*, AGENTROUTER_*, NEWAPI_*) so that the README's names are the ones used.
 */
export function placeSetups(
  setups: readonly CurrentSetup[],
  env: NodeJS.ProcessEnv,
  known: KnownConfig = EMPTY,
): { adoptions: Adoption[]; newAccounts: NewAccount[] } {
  const nodes = listNodes(known).filter((n) => n.url !== null);
  const accounts = Object.values(known.accounts);
  const newAccounts: NewAccount[] = [];
  const taken = new Set(Object.keys(known.accounts));
  // Codex first: the account id of a new-api relay follows Codex's provider id, since Codex
  // ties its session history to it and neuradock writes the account id there.
  const ordered = [...setups].sort(
    (a, b) => Number(b.providerId !== undefined) - Number(a.providerId !== undefined),
  );
  const placed = new Map<CurrentSetup, Adoption>();
  for (const setup of ordered) {
    const node = nodes.find((n) => normalizeBaseUrl(n.url as string) === setup.nodeUrl);
    const provider: ProviderId = node?.provider ?? "newapi";
    const existing = accounts
      .filter((a) => a.provider === provider)
      .filter((a) => provider !== "newapi" || normalizeBaseUrl(a.url) === setup.nodeUrl)
      .map((a) => a.id);
    let candidates = existing;
    if (candidates.length === 0) {
      const same = newAccounts.find(
        (a) => a.provider === provider && (provider !== "newapi" || a.url === setup.nodeUrl),
      );
      const account = same ?? proposeAccount(setup, provider, taken, newAccounts, env);
      if (!same) {
        newAccounts.push(account);
        taken.add(account.id);
      }
      candidates = [account.id];
    }
    placed.set(setup, {
      setup,
      provider,
      node: node?.name ?? "default",
      candidates,
      accountId: candidates[0] as string,
    });
  }
  return { adoptions: setups.map((s) => placed.get(s) as Adoption), newAccounts };
}

export function proposeAccount(
  setup: CurrentSetup,
  provider: ProviderId,
  taken: ReadonlySet<string>,
  others: readonly NewAccount[],
  env: NodeJS.ProcessEnv,
): NewAccount {
  const wanted =
    provider !== "newapi"
      ? `my-${provider}`
      : setup.providerId && ACCOUNT_ID.test(setup.providerId)
        ? setup.providerId
        : hostLabel(setup.nodeUrl);
  let id = RESERVED_IDS.has(wanted) ? `my-${wanted}` : wanted;
  for (let n = 2; taken.has(id); n++) id = `${wanted}-${n}`;
  // The first account of a provider reads the provider's variables; a second one its own.
  const prefix = others.some((a) => a.provider === provider)
    ? envPrefix(id)
    : provider.toUpperCase();
  const vars = {
    userId: `${prefix}_USER_ID`,
    session: `${prefix}_SESSION`,
    accessToken: `${prefix}_ACCESS_TOKEN`,
  };
  const credential = env[vars.accessToken]
    ? "access_token"
    : env[vars.session]
      ? "session"
      : provider === "newapi"
        ? "access_token"
        : "session";
  const userId = Number(env[vars.userId]);
  return {
    id,
    provider,
    ...(provider === "newapi" ? { url: setup.nodeUrl } : {}),
    credential,
    vars,
    ...(Number.isSafeInteger(userId) && userId > 0 ? { userId } : {}),
  };
}

/** `relay.example.com` → `relay`; `api.foo.dev` → `foo`; a loopback or IP address → `local`. */
export function hostLabel(url: string): string {
  const host = new URL(url).hostname.toLowerCase();
  if (host === "localhost" || /^[\d.]+$/.test(host) || host.startsWith("[")) return "local";
  const labels = host.split(".").filter((l) => !["www", "api"].includes(l));
  const label = (labels[0] ?? "relay").replace(/[^a-z0-9_-]/g, "-").replace(/^[-_]+/, "");
  return label.length > 0 ? label : "relay";
}

export function envPrefix(accountId: string): string {
  return accountId.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/** The new account as the relay client needs it, when its variables are exported. */
export function accountFromEnv(a: NewAccount, env: NodeJS.ProcessEnv): Account | null {
  const secret = env[a.credential === "session" ? a.vars.session : a.vars.accessToken];
  if (!secret || a.userId === undefined) return null;
  return {
    id: a.id,
    provider: a.provider,
    url: a.url ?? PROVIDER_DEFAULT_URLS[a.provider] ?? "",
    userId: a.userId,
    auth: { kind: a.credential, value: new Secret(secret) },
    cookies: {},
    pos: { file: "(init)", line: 0, col: 0 },
  };
}

/**
 * Look each tool's current key up among the live tokens of its candidate accounts, so that the
 * binding names the token already in use and the first plan is empty. `accountFor` gives an
 * account whose credentials are at hand, or the reason they are not.
 */
export async function matchTokens(
  adoptions: readonly Adoption[],
  accountFor: (id: string) => Account | string,
  source: TokenSource,
): Promise<void> {
  await Promise.all(
    adoptions.map(async (a) => {
      const key = a.setup.key;
      if (!key) {
        a.note = `${a.setup.tool} has no key in its file: name a token in its binding (\`neuradock tokens ${a.accountId}\` lists them)`;
        return;
      }
      const problems: string[] = [];
      for (const id of a.candidates) {
        const account = accountFor(id);
        if (typeof account === "string") {
          problems.push(account);
          continue;
        }
        try {
          const listing = await source.listTokens(account);
          const last4 = key.reveal().slice(-4);
          for (const info of listing.tokens.filter((t) => t.keyHint.endsWith(last4))) {
            const resolved = await source.resolveToken(account, { id: info.id }).catch(() => null);
            if (resolved?.key.secret.equals(key)) {
              const unique = listing.tokens.filter((t) => t.name === info.name).length === 1;
              a.accountId = id;
              a.token = { id: info.id, name: info.name, unique };
              return;
            }
          }
          problems.push(
            `no token of account '${id}' has the key ${a.setup.tool} uses (${key.hint()}): name the token in the binding yourself (\`neuradock tokens ${id}\`)`,
          );
        } catch (err) {
          problems.push(
            `could not list the tokens of '${id}' (${err instanceof Error ? err.message : String(err)})`,
          );
        }
      }
      a.note = problems.join("; ");
    }),
  );
}
