import type { Account } from "../config/types.js";
import { ProviderError, StalePlanError } from "../errors.js";
import { hashValue } from "../plan/hash.js";
import { knownAfterApply, pendingTokenOf } from "../plan/known-after-apply.js";
import { emptyLedger, ledgerPath, parseLedger, serializeLedger } from "../plan/ledger.js";
import { readBasis, tokenKey } from "../plan/relay-plan.js";
import type { LedgerAccountTokens, RelayChange } from "../plan/relay-types.js";
import type { Action, Plan } from "../plan/types.js";
import type { RelayClient } from "../providers/relay-client.js";
import type { RawToken } from "../providers/token-list.js";
import type { ApiKey } from "../providers/types.js";
import type { System } from "../system/types.js";
import { type ApplyOptions, type ApplyResult, applyPlan, checkPlanBasis } from "./apply-plan.js";
import { acquireLock } from "./lock.js";

export interface RelayApplyOptions extends ApplyOptions {
  relay: RelayClient;
  /** The config's accounts: the credentials each relay request is made with. */
  accounts: Record<string, Account>;
}

export interface RelayApplyResult extends ApplyResult {
  /** Relay changes carried out (replace counts as one create and one delete). */
  relaySummary: Record<Action, number>;
}

/**
 * Carry out a plan with a relay half, in dependency order (docs/relay.md §4): relay creates and
 * updates, then the new keys are revealed and put into the file changes, then the files,
 * then relay deletes (an old key goes only once every tool holds the new one). Every step is
 * journaled in the ledger first, so a kill anywhere leaves a state the next plan converges
 * from: a lost create is found by name, a rotation resumes where it stopped.
 */
export async function applyWithRelay(
  plan: Plan,
  options: RelayApplyOptions,
): Promise<RelayApplyResult> {
  const relayPlan = plan.relay;
  if (!relayPlan) return { ...(await applyPlan(plan, options)), relaySummary: zero() };
  const { system, stateDir, relay } = options;
  const lock =
    options.lock === "held"
      ? null
      : await acquireLock(system, stateDir, {
          ...(options.now ? { now: options.now } : {}),
          ...options.lock,
        });
  try {
    // Nothing moves on the relay when the files' plan is stale already.
    await checkPlanBasis(plan, system, options.savedPlan ?? true);
    if (options.savedPlan ?? true) await checkRelayBasis(plan, options);
    const journal = new Journal(system, stateDir);
    await journal.load(relayPlan.ledger);
    const account = (id: string) => {
      const a = options.accounts[id];
      if (!a) throw new ProviderError(id, "the account is no longer in neuradock.yaml");
      return a;
    };
    const summary = zero();
    const keys = new Map<string, ApiKey>();

    for (const c of relayPlan.changes) {
      const a = account(c.account);
      const tokens = journal.of(c.account, a);
      if (c.action === "create") {
        const made = await createAndFind(relay, a, journal, tokens, c.token, c.create!);
        tokens.managed[c.token] = { id: made.id, origin: "created" };
        await journal.save();
        keys.set(tokenKey(c.account, c.token), await relay.revealKey(a, made));
        summary.create++;
      } else if (c.action === "update") {
        await updateToken(relay, a, c);
        tokens.managed[c.token] = {
          id: c.id as number,
          origin: tokens.managed[c.token]?.origin ?? "adopted",
        };
        await journal.save();
        summary.update++;
      } else if (c.action === "replace") {
        const temp = c.replacement?.temp as string;
        const rep = tokens.replacing[c.token] ?? {
          old: c.id,
          temp,
          new: c.replacement?.id ?? null,
        };
        tokens.replacing[c.token] = rep;
        await journal.save();
        let made: RawToken;
        if (rep.new === null) {
          made = await createAndFind(relay, a, journal, tokens, temp, { ...c.create!, name: temp });
          rep.new = made.id;
          await journal.save();
        } else {
          made = await relay.getToken(a, rep.new);
        }
        keys.set(tokenKey(c.account, c.token), await relay.revealKey(a, made));
        summary.create++;
      }
    }

    const result = await applyPlan(fillKnownAfterApply(plan, keys), { ...options, lock: "held" });

    for (const c of relayPlan.changes) {
      const a = account(c.account);
      const tokens = journal.of(c.account, a);
      if (c.action === "delete") {
        await deleteToken(relay, a, c.id as number);
        delete tokens.managed[c.token];
        await journal.save();
        summary.delete++;
      } else if (c.action === "replace") {
        const rep = tokens.replacing[c.token];
        if (!rep || rep.new === null) continue;
        if (rep.old !== null) {
          await deleteToken(relay, a, rep.old);
          rep.old = null;
        }
        tokens.managed[c.token] = { id: rep.new, origin: "created" };
        await journal.save();
        summary.delete++;
        // The replacement takes the old name (the whole object as just read, renamed).
        const now = await relay.getToken(a, rep.new);
        if (now.name !== c.token) await relay.updateToken(a, { ...now, name: c.token });
        delete tokens.replacing[c.token];
        await journal.save();
      }
    }
    // Adoptions and releases change only the ledger.
    await journal.save();
    return { ...result, relaySummary: summary };
  } finally {
    await lock?.release();
  }
}

/** Saved plans: refused ("stale") when a token the plan relied on changed since. */
async function checkRelayBasis(plan: Plan, options: RelayApplyOptions): Promise<void> {
  const basis = plan.relay?.basis ?? {};
  const moved: string[] = [];
  for (const [id, keys] of Object.entries(basis)) {
    if (Object.keys(keys).length === 0) continue;
    const a = options.accounts[id];
    if (!a) throw new ProviderError(id, "the account is no longer in neuradock.yaml");
    const now = readBasis(keys, await options.relay.listTokens(a));
    for (const [key, was] of Object.entries(keys)) {
      if (now[key] !== was) moved.push(`${id}: ${key.replace(":", " ")}`);
    }
  }
  if (moved.length > 0) {
    throw new StalePlanError(
      `Saved plan is stale: relay tokens changed since the plan was made (${moved.join(", ")}). Nothing was written; run \`neuradock plan\` again.`,
    );
  }
}

/**
 * POST, then find the new token by name (the answer has no id). The name is journaled first:
 * when the answer is lost, this run looks for it at once, and a later run finds it by name.
 */
async function createAndFind(
  relay: RelayClient,
  account: Account,
  journal: Journal,
  tokens: LedgerAccountTokens,
  name: string,
  body: NonNullable<RelayChange["create"]>,
): Promise<RawToken> {
  if (!tokens.creating.includes(name)) tokens.creating.push(name);
  await journal.save();
  let failure: unknown;
  try {
    await relay.createToken(account, body);
  } catch (err) {
    failure = err;
  }
  const claimed = new Set<number>();
  for (const m of Object.values(tokens.managed)) claimed.add(m.id);
  for (const r of Object.values(tokens.replacing)) {
    if (r.old !== null) claimed.add(r.old);
    if (r.new !== null) claimed.add(r.new);
  }
  let found: RawToken[];
  try {
    found = (await relay.findTokensByName(account, name)).filter((t) => !claimed.has(t.id));
  } catch (err) {
    throw failure ?? err;
  }
  if (found.length === 0) {
    if (failure) throw failure;
    throw new ProviderError(
      account.id,
      `created token '${name}', but the relay lists no token of that name; run \`neuradock apply\` again`,
    );
  }
  if (found.length > 1) {
    throw new ProviderError(
      account.id,
      `created token '${name}', but the relay now lists ${found.length} tokens of that name (ids ${found.map((t) => t.id).join(", ")}); delete the extra ones in the dashboard`,
    );
  }
  tokens.creating = tokens.creating.filter((n) => n !== name);
  return found[0] as RawToken;
}

/** PUT the whole object as just read, with only the declared fields (and the name) changed. */
async function updateToken(relay: RelayClient, account: Account, c: RelayChange): Promise<void> {
  const now = await relay.getToken(account, c.id as number);
  await relay.updateToken(account, { ...now, ...c.set, name: c.token });
  if (c.reenable) await relay.setTokenStatus(account, c.id as number, 1);
}

/** DELETE; a token that is gone already counts as deleted. */
async function deleteToken(relay: RelayClient, account: Account, id: number): Promise<void> {
  try {
    await relay.deleteToken(account, id);
  } catch (err) {
    const still = (await relay.listTokens(account)).some((t) => t.id === id);
    if (still) throw err;
  }
}

/** The file changes with each "(known after apply)" replaced by the key now known. */
export function fillKnownAfterApply(plan: Plan, keys: ReadonlyMap<string, ApiKey>): Plan {
  const real = (v: unknown) => {
    const pending = pendingTokenOf(v);
    if (pending === undefined) return undefined;
    const key = keys.get(pending);
    if (!key) throw new Error(`internal error: no key for ${pending} after the relay step`);
    return key.secret.reveal();
  };
  const hashes = new Map<string, string>();
  for (const [k, key] of keys) {
    const [account, ...rest] = k.split("/");
    hashes.set(
      hashValue(knownAfterApply(account as string, rest.join("/"))),
      hashValue(key.secret.reveal()),
    );
  }
  return {
    ...plan,
    files: plan.files.map((f) => ({
      ...f,
      changes: f.changes.map((c) => {
        const after = real(c.after);
        return after === undefined ? c : { ...c, after };
      }),
    })),
    ledger: Object.fromEntries(
      Object.entries(plan.ledger).map(([file, entry]) => [
        file,
        entry && {
          ...entry,
          paths: Object.fromEntries(
            Object.entries(entry.paths).map(([p, lp]) => [
              p,
              hashes.has(lp.sha256) ? { ...lp, sha256: hashes.get(lp.sha256) as string } : lp,
            ]),
          ),
        },
      ]),
    ),
  };
}

/** The ledger's token records, written (0600, atomically) after every relay step. */
class Journal {
  #tokens: Record<string, LedgerAccountTokens> = {};
  readonly #system: System;
  readonly #file: string;

  constructor(system: System, stateDir: string) {
    this.#system = system;
    this.#file = ledgerPath(stateDir);
  }

  async load(planned: Record<string, LedgerAccountTokens>): Promise<void> {
    const text = await this.#system.readFile(this.#file);
    const ledger = text === null ? emptyLedger() : parseLedger(text, this.#file);
    this.#tokens = { ...(ledger.tokens ?? {}), ...structuredClone(planned) };
    await this.save();
  }

  of(id: string, account: Account): LedgerAccountTokens {
    this.#tokens[id] ??= {
      url: account.url,
      user_id: account.userId,
      managed: {},
      creating: [],
      replacing: {},
    };
    return this.#tokens[id];
  }

  /** Rewrites only the tokens part: the files part is whatever is on disk now. */
  async save(): Promise<void> {
    const text = await this.#system.readFile(this.#file);
    const ledger = text === null ? emptyLedger() : parseLedger(text, this.#file);
    const tokens = Object.fromEntries(
      Object.entries(this.#tokens).filter(
        ([, t]) =>
          Object.keys(t.managed).length > 0 ||
          t.creating.length > 0 ||
          Object.keys(t.replacing).length > 0,
      ),
    );
    const next = { ...ledger, tokens };
    if (Object.keys(tokens).length === 0) delete (next as { tokens?: unknown }).tokens;
    const out = serializeLedger(next);
    if (out === text) return;
    await this.#system.writeFileAtomic(this.#file, out, {
      mode: 0o600,
      dirMode: 0o700,
      secret: true,
    });
  }
}

function zero(): Record<Action, number> {
  return { create: 0, update: 0, delete: 0 };
}
