import type { Secret } from "../secret.js";

export const PROVIDERS = ["anyrouter", "agentrouter", "newapi"] as const;
export type ProviderId = (typeof PROVIDERS)[number];

export const TOOLS = ["claude-code", "codex", "opencode", "gemini-cli", "qwen-code"] as const;
export type ToolId = (typeof TOOLS)[number];

/** Codex provider ids that cannot be redefined in config.toml. */
export const CODEX_BUILTIN_PROVIDERS = ["openai", "ollama", "lmstudio", "amazon-bedrock"] as const;

/** Where a value came from in neuradock.yaml, for error messages. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export type AccountAuth =
  | { kind: "session"; value: Secret }
  | { kind: "access_token"; value: Secret };

export interface Account {
  id: string;
  provider: ProviderId;
  /** The dashboard base URL (account `url`, else the provider's default domain). */
  url: string;
  /** `url:` came from a ${VAR}: the URL is sensitive wherever it goes (a tool file, a message). */
  urlFromEnv?: true;
  userId: number;
  auth: AccountAuth;
  /** Extra cookies (e.g. WAF cookies) sent with every request of this account. */
  cookies: Record<string, Secret>;
  /** `proxy:` — overrides HTTPS_PROXY/HTTP_PROXY/NO_PROXY for this account (may carry credentials). */
  proxy?: Secret;
  /** `checkin:` — false opts out of `neuradock checkin`; `{ path }` names a fork's endpoint. */
  checkin?: false | { path: string };
  /** `tokens:` — relay tokens neuradock keeps on this account, by name (docs/relay.md §4). */
  tokens?: Record<string, DeclaredToken>;
  pos: SourcePos;
}

/** One declared relay token. A field left undefined is not managed. */
export interface DeclaredToken {
  account: string;
  name: string;
  /** Remaining quota in USD, or unlimited. */
  quotaUsd?: number | "unlimited";
  /** Unix seconds; -1 = never. */
  expiresAt?: number;
  /** Model limits; [] = no limits. */
  models?: string[];
  group?: string;
  pos: SourcePos;
}

export interface NodeDef {
  provider: ProviderId;
  name: string;
  /** For `newapi` built-in `default`, the URL is per account: see `nodeUrlFor`. */
  url: string | null;
  builtin: boolean;
  /** The URL came from a ${VAR}: shown redacted (`neuradock nodes`, plans). */
  fromEnv?: true;
}

export type TokenSelector = { name: string } | { id: number };

export interface Binding {
  tool: ToolId;
  account: string;
  /** `token:` in order of preference: one entry, or the entries of a list. */
  tokens: TokenSelector[];
  /** `token:` is a list: every plan binds its first healthy entry (docs/relay.md §3). */
  failover: boolean;
  /** `min_balance_usd`, when set: a token is healthy only while its usable balance is above it. */
  minBalanceUsd?: number;
  node: string;
  /** The resolved base URL of the node, without `/v1`. */
  nodeUrl: string;
  model?: string;
  /** claude-code only: extra `env` entries to own; a value from a ${VAR} is a Secret. */
  env: Record<string, string | Secret>;
  /**
   * Every value of this binding that came from a ${VAR} (its model, its node's URL, its `env`
   * values): whatever an adapter builds from one of them is sensitive (docs/contract.md "Trust
   * rules"), so `buildDesiredState` marks it without each adapter having to know.
   */
  fromEnv?: Secret[];
  keepOtherCredentials: boolean;
  pos: SourcePos;
}

export interface Config {
  /** Absolute path of the neuradock.yaml that was loaded. */
  file: string;
  accounts: Record<string, Account>;
  /** Custom nodes only, per provider (built-ins come from `BUILTIN_NODES`). */
  nodes: NodeDef[];
  bindings: Partial<Record<ToolId, Binding>>;
  /** Things that are allowed but unwise (a literal secret in the file), file:line:col. */
  warnings?: import("../errors.js").Diagnostic[];
}
