import type { TokenBody } from "../providers/relay-client.js";

/** What the plan does to one relay token (docs/relay.md §4). */
export type RelayAction = "create" | "update" | "delete" | "replace" | "release";

/** A token's declared fields as the plan JSON shows them. */
export interface TokenFields {
  /** Remaining quota in USD; null when unlimited. */
  quota_usd: number | null;
  unlimited: boolean;
  /** ISO time, null = never. */
  expires: string | null;
  /** [] = no model limits. */
  models: string[];
  group: string;
}

export interface RelayChange {
  account: string;
  /** The declared name (the token's name on the relay once the change is done). */
  token: string;
  action: RelayAction;
  /** The token acted on (for replace: the old one); null when it does not exist yet. */
  id: number | null;
  before: TokenFields | null;
  after: TokenFields | null;
  /** create/replace: what the new token is made with (name included). */
  create?: TokenBody;
  /** update/replace: the declared fields that differ, set on the whole object as read. */
  set?: Partial<TokenBody>;
  /** update: put the name back (the token was renamed on the relay, or is a replacement). */
  rename?: boolean;
  /** update: also re-enable the token (it was expired/exhausted and the update cures it). */
  reenable?: boolean;
  /** replace: the replacement's temporary name, and its id when an earlier run made it. */
  replacement?: { temp: string; id: number | null };
  /** Said under the change in the human plan (adopted, an interrupted run found, …). */
  note?: string;
}

/** One token neuradock manages, in the ledger. */
export interface LedgerToken {
  id: number;
  /** Only tokens neuradock created are ever deleted. */
  origin: "created" | "adopted";
}

/** The ledger's record of one account's relay tokens. */
export interface LedgerAccountTokens {
  /** Whose ids these are: ids on another relay or of another user mean nothing. */
  url: string;
  user_id: number;
  managed: Record<string, LedgerToken>;
  /** Creates sent whose answer may have been lost, by name: found by name next run. */
  creating: string[];
  /** Rotations under way, by declared name. */
  replacing: Record<string, { old: number | null; temp: string; new: number | null }>;
}

export interface RelayPlan {
  changes: RelayChange[];
  /**
   * The token ledger as it is before any relay request: adoptions recorded, releases and
   * vanished tokens dropped, lost creates that were found recorded. Apply journals from here.
   */
  ledger: Record<string, LedgerAccountTokens>;
  /**
   * What the plan relied on, per account: `id:N` → the token's fields as read (null: gone),
   * `name:X` → the ids named X. A saved plan is stale when any of these moved.
   */
  basis: Record<string, Record<string, string | null>>;
}
