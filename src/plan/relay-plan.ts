import { QUOTA_UNITS_PER_USD, usdToQuota } from "../config/token-fields.js";
import type { Account, DeclaredToken, SourcePos, TokenSelector, ToolId } from "../config/types.js";
import { ConfigError, ProviderError, UsageError } from "../errors.js";
import type { TokenBody } from "../providers/relay-client.js";
import type { RawToken } from "../providers/token-list.js";
import { toIsoSeconds } from "../providers/token-list.js";
import type { LedgerAccountTokens, RelayChange, RelayPlan, TokenFields } from "./relay-types.js";
import type { PlanWarning } from "./types.js";

export interface RelayBinding {
  tool: ToolId;
  account: string;
  selector: TokenSelector;
  pos: SourcePos;
}

export interface RelayPlanInput {
  /** Every account of the config (only those with declared or recorded tokens are planned). */
  accounts: Record<string, Pick<Account, "id" | "url" | "userId" | "tokens">>;
  /** The tokens of each planned account, each the whole object as read. */
  listed: Record<string, RawToken[]>;
  /** The ledger's token records, per account. */
  ledger: Record<string, LedgerAccountTokens>;
  /** `apply --replace ACCOUNT/NAME`. */
  replace: readonly { account: string; token: string }[];
  bindings: readonly RelayBinding[];
  /** --target: only the declared tokens these keys (`account/name`) name are planned. */
  only?: ReadonlySet<string>;
  /** Each account's quota units per USD (`/api/status`); 500000 when not given. */
  quotaPerUnit?: Record<string, number>;
}

/** What a binding to a declared token gets. */
export type RelayResolution = { kind: "existing"; token: RawToken } | { kind: "pending" };

export interface RelayPlanResult {
  plan: RelayPlan;
  /** By `account/name`. */
  resolved: Map<string, RelayResolution>;
  warnings: PlanWarning[];
}

/** The accounts the relay step needs listed: those declaring tokens or recorded in the ledger. */
export function relayAccounts(input: Pick<RelayPlanInput, "accounts" | "ledger">): string[] {
  return Object.values(input.accounts)
    .filter((a) => Object.keys(a.tokens ?? {}).length > 0 || input.ledger[a.id] !== undefined)
    .map((a) => a.id);
}

export const tokenKey = (account: string, name: string) => `${account}/${name}`;

/**
 * The relay half of the plan, Terraform's resource model for tokens: pure, handed the declared
 * tokens, what the relay listed and what the ledger remembers (docs/relay.md §4).
 */
export function planRelay(input: RelayPlanInput): RelayPlanResult {
  const changes: RelayChange[] = [];
  const warnings: PlanWarning[] = [];
  const resolved = new Map<string, RelayResolution>();
  const ledger: Record<string, LedgerAccountTokens> = {};
  const basis: Record<string, Record<string, string | null>> = {};

  for (const r of input.replace) {
    const declared = input.accounts[r.account]?.tokens?.[r.token];
    if (!declared) {
      throw new UsageError(
        `--replace ${r.account}/${r.token}: neuradock.yaml declares no token '${r.token}' under accounts.${r.account}.tokens`,
      );
    }
  }

  for (const [ledgerAccount, entry] of Object.entries(input.ledger)) {
    if (!input.accounts[ledgerAccount] && Object.keys(entry.managed).length > 0) {
      warnings.push({
        code: "relay-token",
        message: `account '${ledgerAccount}' is no longer in neuradock.yaml: the ${Object.keys(entry.managed).length} token(s) neuradock keeps there are left on the relay and still recorded`,
      });
    }
  }

  for (const accountId of relayAccounts(input)) {
    const account = input.accounts[accountId] as RelayPlanInput["accounts"][string];
    const listed = input.listed[accountId] ?? [];
    const out = planAccount(account, listed, input, warnings);
    changes.push(...out.changes);
    for (const [name, r] of out.resolved) resolved.set(tokenKey(accountId, name), r);
    ledger[accountId] = out.ledger;
    basis[accountId] = out.basis;
  }

  // A binding whose token this plan deletes would be left without a key.
  for (const b of input.bindings) {
    for (const c of changes) {
      if (c.account !== b.account || (c.action !== "delete" && c.action !== "replace")) continue;
      const byName = "name" in b.selector && b.selector.name === c.token;
      const byId = "id" in b.selector && b.selector.id === c.id;
      if (c.action === "delete" && (byName || byId)) {
        throw new ConfigError([
          {
            ...b.pos,
            message: `bindings.${b.tool} uses token '${c.token}' of account '${c.account}', which neuradock.yaml no longer declares under accounts.${c.account}.tokens: neuradock created it and would delete it. Bind another token, or declare it again`,
          },
        ]);
      }
      if (c.action === "replace" && byId) {
        throw new ConfigError([
          {
            ...b.pos,
            message: `bindings.${b.tool} binds token id ${c.id}, which the rotation of ${c.account}/${c.token} deletes: bind it by name (token: ${c.token})`,
          },
        ]);
      }
    }
  }
  return { plan: { changes, ledger, basis }, resolved, warnings };
}

interface AccountResult {
  changes: RelayChange[];
  resolved: Map<string, RelayResolution>;
  ledger: LedgerAccountTokens;
  basis: Record<string, string | null>;
}

function planAccount(
  account: RelayPlanInput["accounts"][string],
  listed: RawToken[],
  input: RelayPlanInput,
  warnings: PlanWarning[],
): AccountResult {
  const unit = input.quotaPerUnit?.[account.id] ?? QUOTA_UNITS_PER_USD;
  const recorded = input.ledger[account.id];
  const same = recorded && recorded.url === account.url && recorded.user_id === account.userId;
  if (recorded && !same && Object.keys(recorded.managed).length > 0) {
    warnings.push({
      code: "relay-token",
      message: `account '${account.id}' now points at another relay or user: the tokens neuradock kept for it before are forgotten (not deleted)`,
    });
  }
  const old: LedgerAccountTokens = same
    ? recorded
    : { url: account.url, user_id: account.userId, managed: {}, creating: [], replacing: {} };
  const next: LedgerAccountTokens = {
    url: account.url,
    user_id: account.userId,
    managed: { ...old.managed },
    creating: [...old.creating],
    replacing: { ...old.replacing },
  };
  const byId = new Map(listed.map((t) => [t.id, t]));
  const named = (name: string) => listed.filter((t) => t.name === name);
  const changes: RelayChange[] = [];
  const resolved = new Map<string, RelayResolution>();
  const basis: Record<string, string | null> = {};
  const rely = (t: RawToken | undefined, id: number, quota: boolean) => {
    basis[`id:${id}`] = t ? snapshot(t, quota) : null;
  };
  const relyOnName = (name: string) => {
    basis[`name:${name}`] = JSON.stringify(
      named(name)
        .map((t) => t.id)
        .sort((a, b) => a - b),
    );
  };
  const declared = account.tokens ?? {};
  const inScope = (name: string) => !input.only || input.only.has(tokenKey(account.id, name));
  // Ids the ledger ties to a name (or a rotation): never adopted under another name.
  const claimed = new Set<number>();
  for (const e of Object.values(old.managed)) claimed.add(e.id);
  for (const r of Object.values(old.replacing)) {
    if (r.old !== null) claimed.add(r.old);
    if (r.new !== null) claimed.add(r.new);
  }
  const unclaimed = (name: string) => named(name).filter((t) => !claimed.has(t.id));
  const ambiguous = (name: string, found: RawToken[]): never => {
    throw new ProviderError(
      account.id,
      `${found.length} tokens are named '${name}' (ids ${found
        .map((t) => t.id)
        .sort((a, b) => a - b)
        .join(
          ", ",
        )}): neuradock cannot tell which one accounts.${account.id}.tokens.${name} means; rename or delete the others in the dashboard`,
    );
  };

  for (const [name, d] of Object.entries(declared)) {
    if (!inScope(name)) continue;
    const entry = old.managed[name];
    const rep = old.replacing[name];
    const quota = typeof d.quotaUsd === "number";
    let cur: RawToken | undefined;
    let origin: "created" | "adopted" = "adopted";
    let note: string | undefined;
    if (entry && byId.has(entry.id)) {
      cur = byId.get(entry.id);
      origin = entry.origin;
    } else {
      const found = unclaimed(name);
      if (found.length > 1) ambiguous(name, found);
      cur = found[0];
      relyOnName(name);
      if (cur && old.creating.includes(name)) {
        origin = "created";
        note = `found by name: created by an earlier run whose answer was lost (id ${cur.id})`;
      } else if (cur) note = `adopted: an existing token named '${name}' is managed from now on`;
    }
    if (cur) rely(cur, cur.id, quota);
    else if (entry) delete next.managed[name];
    next.creating = next.creating.filter((n) => n !== name);

    // A rotation: asked for now, or one an earlier run left under way.
    if (rep || input.replace.some((r) => r.account === account.id && r.token === name)) {
      const oldToken = rep ? (rep.old !== null ? byId.get(rep.old) : undefined) : cur;
      let replacement = rep?.new != null ? byId.get(rep.new) : undefined;
      const temp = rep?.temp ?? temporaryName(name);
      if (rep && !replacement) {
        const byTemp = named(temp).filter((t) => !claimed.has(t.id) || t.id === rep.new);
        if (byTemp.length > 1) ambiguous(temp, byTemp);
        replacement = byTemp[0];
        relyOnName(temp);
      }
      if (replacement) rely(replacement, replacement.id, quota);
      if (rep?.old != null) rely(oldToken, rep.old, quota);
      if (oldToken) {
        // A fresh rotation is journaled by apply, right before its create.
        if (rep) next.replacing[name] = { old: oldToken.id, temp, new: replacement?.id ?? null };
        next.managed[name] = { id: oldToken.id, origin: entry?.origin ?? origin };
        changes.push({
          account: account.id,
          token: name,
          action: "replace",
          id: oldToken.id,
          before: fieldsOf(oldToken, unit),
          after: fieldsOf({ ...oldToken, ...wantedBody(d, unit) }, unit),
          create: { ...copyBody(oldToken), ...wantedBody(d, unit), name: temp },
          set: wantedBody(d, unit),
          replacement: { temp, id: replacement?.id ?? null },
          ...(replacement
            ? {
                note: `resuming an interrupted rotation: replacement '${temp}' (id ${replacement.id}) exists`,
              }
            : {}),
        });
        resolved.set(name, { kind: "pending" });
        continue;
      }
      if (replacement) {
        // The old token is gone already: what is left is giving the replacement its name.
        delete next.replacing[name];
        next.managed[name] = { id: replacement.id, origin: "created" };
        cur = replacement;
        origin = "created";
        note = `finishing an interrupted rotation: '${replacement.name}' (id ${replacement.id}) takes the name '${name}'`;
      } else {
        delete next.replacing[name];
        cur = undefined;
      }
    }

    if (!cur) {
      const body = createBody(d, unit);
      changes.push({
        account: account.id,
        token: name,
        action: "create",
        id: null,
        before: null,
        after: fieldsOf(body, unit),
        create: body,
      });
      resolved.set(name, { kind: "pending" });
      continue;
    }
    next.managed[name] = { id: cur.id, origin };
    const set = differingFields(d, cur, unit);
    const rename = cur.name !== name;
    if (Object.keys(set).length > 0 || rename) {
      changes.push({
        account: account.id,
        token: name,
        action: "update",
        id: cur.id,
        before: fieldsOf(cur, unit),
        after: fieldsOf({ ...cur, ...set }, unit),
        set,
        ...(rename ? { rename } : {}),
        ...(curesStatus(cur, set) ? { reenable: true } : {}),
        ...(note ? { note } : {}),
      });
    } else if (note) {
      warnings.push({ code: "relay-token", message: `${account.id}/${name}: ${note}` });
    }
    resolved.set(name, { kind: "existing", token: cur });
  }

  // Recorded tokens no longer declared: deleted when neuradock created them, else released.
  for (const [name, entry] of Object.entries(old.managed)) {
    if (declared[name] || !inScope(name)) continue;
    const t = byId.get(entry.id);
    rely(t, entry.id, false);
    if (!t) {
      delete next.managed[name];
      continue;
    }
    if (entry.origin === "created") {
      changes.push({
        account: account.id,
        token: name,
        action: "delete",
        id: t.id,
        before: fieldsOf(t, unit),
        after: null,
      });
    } else {
      delete next.managed[name];
      changes.push({
        account: account.id,
        token: name,
        action: "release",
        id: t.id,
        before: fieldsOf(t, unit),
        after: null,
        note: "adopted, not created by neuradock: left on the relay, no longer managed",
      });
    }
  }
  // A lost create of a token that is no longer declared: it is ours, so it goes.
  const temps = new Set(Object.values(old.replacing).map((r) => r.temp));
  for (const name of old.creating) {
    // A rotation's replacement is settled with its rotation.
    if (temps.has(name)) {
      if (!Object.values(next.replacing).some((r) => r.temp === name && r.new === null)) {
        next.creating = next.creating.filter((n) => n !== name);
      }
      continue;
    }
    if (declared[name] || !inScope(name)) continue;
    next.creating = next.creating.filter((n) => n !== name);
    const found = unclaimed(name);
    relyOnName(name);
    if (found.length !== 1) continue;
    const t = found[0] as RawToken;
    next.managed[name] = { id: t.id, origin: "created" };
    changes.push({
      account: account.id,
      token: name,
      action: "delete",
      id: t.id,
      before: fieldsOf(t, unit),
      after: null,
      note: "created by an earlier run whose answer was lost",
    });
  }
  // A rotation under way for a token no longer declared: its replacement is ours too.
  for (const [name, rep] of Object.entries(old.replacing)) {
    if (declared[name] || !inScope(name)) continue;
    const r = rep.new !== null ? byId.get(rep.new) : unclaimed(rep.temp)[0];
    delete next.replacing[name];
    if (!r) continue;
    rely(r, r.id, false);
    next.managed[rep.temp] = { id: r.id, origin: "created" };
    changes.push({
      account: account.id,
      token: rep.temp,
      action: "delete",
      id: r.id,
      before: fieldsOf(r, unit),
      after: null,
      note: `the replacement of '${name}' from an interrupted rotation`,
    });
  }
  return { changes, resolved, ledger: next, basis };
}

/** The replacement's name while both exist: unique, recognisable, within 30 bytes. */
export function temporaryName(name: string): string {
  const suffix = "~rot";
  let base = name;
  while (Buffer.byteLength(base + suffix, "utf8") > 30) base = [...base].slice(0, -1).join("");
  return base + suffix;
}

/** The declared fields as the relay stores them (only those declared). */
export function wantedBody(d: DeclaredToken, unit = QUOTA_UNITS_PER_USD): Partial<TokenBody> {
  const out: Partial<TokenBody> = {};
  if (d.quotaUsd === "unlimited") out.unlimited_quota = true;
  else if (typeof d.quotaUsd === "number") {
    out.unlimited_quota = false;
    out.remain_quota = usdToQuota(d.quotaUsd, unit);
  }
  if (d.expiresAt !== undefined) out.expired_time = d.expiresAt;
  if (d.models !== undefined) {
    out.model_limits_enabled = d.models.length > 0;
    out.model_limits = d.models.join(",");
  }
  if (d.group !== undefined) out.group = d.group;
  return out;
}

/** A new token: the declared fields, the relay's defaults for the rest (docs/relay.md §4). */
export function createBody(d: DeclaredToken, unit = QUOTA_UNITS_PER_USD): TokenBody {
  return {
    name: d.name,
    remain_quota: 0,
    unlimited_quota: true,
    expired_time: -1,
    model_limits_enabled: false,
    model_limits: "",
    allow_ips: "",
    group: "",
    ...wantedBody(d, unit),
  };
}

/** A rotation's replacement starts as a copy of the old token (allow_ips and all). */
function copyBody(t: RawToken): TokenBody {
  const r = t as RawToken & Record<string, unknown>;
  return {
    name: t.name,
    remain_quota: num(r.remain_quota),
    unlimited_quota: r.unlimited_quota === true,
    expired_time: typeof r.expired_time === "number" ? r.expired_time : -1,
    model_limits_enabled: r.model_limits_enabled === true,
    model_limits: typeof r.model_limits === "string" ? r.model_limits : "",
    allow_ips: typeof r.allow_ips === "string" ? r.allow_ips : "",
    group: typeof r.group === "string" ? r.group : "",
  };
}

/** Declared fields whose relay value differs, as the relay stores them. */
export function differingFields(
  d: DeclaredToken,
  t: RawToken,
  unit = QUOTA_UNITS_PER_USD,
): Partial<TokenBody> {
  const want = wantedBody(d, unit);
  const have = fieldsOf(t, unit);
  const out: Partial<TokenBody> = {};
  if (want.unlimited_quota !== undefined) {
    if (want.unlimited_quota !== have.unlimited) out.unlimited_quota = want.unlimited_quota;
    if (want.remain_quota !== undefined && want.remain_quota !== num(t.remain_quota)) {
      out.remain_quota = want.remain_quota;
    }
    if (out.remain_quota !== undefined || out.unlimited_quota !== undefined) {
      out.unlimited_quota = want.unlimited_quota;
      if (want.remain_quota !== undefined) out.remain_quota = want.remain_quota;
    }
  }
  if (want.expired_time !== undefined && want.expired_time !== expiry(t)) {
    out.expired_time = want.expired_time;
  }
  if (d.models !== undefined && !sameSet(d.models, have.models)) {
    out.model_limits_enabled = want.model_limits_enabled as boolean;
    out.model_limits = want.model_limits as string;
  }
  if (want.group !== undefined && want.group !== have.group) out.group = want.group;
  return out;
}

/** An expired (3) or exhausted (4) token that the update cures is enabled again. */
function curesStatus(t: RawToken, set: Partial<TokenBody>): boolean {
  const after = { ...t, ...set } as RawToken & Record<string, unknown>;
  if (t.status === 3) {
    const e = expiry(after);
    return set.expired_time !== undefined && (e === -1 || e > Date.now() / 1000);
  }
  if (t.status === 4) {
    return (
      (set.remain_quota !== undefined || set.unlimited_quota !== undefined) &&
      (after.unlimited_quota === true || num(after.remain_quota) > 0)
    );
  }
  return false;
}

export function fieldsOf(
  t: Partial<TokenBody> | RawToken,
  unit = QUOTA_UNITS_PER_USD,
): TokenFields {
  const r = t as Record<string, unknown>;
  const unlimited = r.unlimited_quota === true;
  const limits =
    r.model_limits_enabled === true && typeof r.model_limits === "string"
      ? r.model_limits
          .split(",")
          .map((m) => m.trim())
          .filter((m) => m !== "")
      : [];
  const e = expiry(r);
  return {
    quota_usd: unlimited ? null : Math.round((num(r.remain_quota) / unit) * 1e6) / 1e6,
    unlimited,
    expires: e === -1 ? null : toIsoSeconds(new Date(e * 1000)),
    models: limits,
    group: typeof r.group === "string" ? r.group : "",
  };
}

/** What a saved plan relies on about one token (no key, nothing that moves with use unless declared). */
function snapshot(t: RawToken, quota: boolean): string {
  const r = t as RawToken & Record<string, unknown>;
  return JSON.stringify({
    name: r.name,
    status: r.status ?? null,
    expired_time: r.expired_time ?? null,
    unlimited_quota: r.unlimited_quota ?? null,
    model_limits_enabled: r.model_limits_enabled ?? null,
    model_limits: r.model_limits ?? null,
    group: r.group ?? null,
    ...(quota ? { remain_quota: r.remain_quota ?? null } : {}),
  });
}

/** The same keys as the plan's basis, evaluated on a fresh listing (the stale check). */
export function readBasis(keys: Record<string, string | null>, listed: RawToken[]) {
  const out: Record<string, string | null> = {};
  for (const [key, was] of Object.entries(keys)) {
    if (key.startsWith("name:")) {
      const name = key.slice(5);
      out[key] = JSON.stringify(
        listed
          .filter((t) => t.name === name)
          .map((t) => t.id)
          .sort((a, b) => a - b),
      );
    } else {
      const t = listed.find((x) => x.id === Number(key.slice(3)));
      const quota = was?.includes('"remain_quota"') ?? false;
      out[key] = t ? snapshot(t, quota) : null;
    }
  }
  return out;
}

function expiry(r: Record<string, unknown> | RawToken): number {
  const v = (r as Record<string, unknown>).expired_time;
  return typeof v === "number" && Number.isFinite(v) ? v : -1;
}

function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((m) => y.has(m));
}
