import { applyPlan } from "../../../src/apply/apply-plan.js";
import type { Account, Binding, Config, ToolId } from "../../../src/config/types.js";
import { createPlan } from "../../../src/plan/create-plan.js";
import { emptyLedger, readLedger, serializeLedger } from "../../../src/plan/ledger.js";
import type { Ledger, Plan } from "../../../src/plan/types.js";
import type {
  ResolvedToken,
  TokenInfo,
  TokenSource,
  TokenStatus,
} from "../../../src/providers/types.js";
import { Secret } from "../../../src/secret.js";
import type { System } from "../../../src/system/types.js";

export const HOME = "/home/u";
export const ENV = { HOME } as NodeJS.ProcessEnv;
export const SETTINGS = `${HOME}/.claude/settings.json`;
export const AUTH = `${HOME}/.codex/auth.json`;
export const CODEX_TOML = `${HOME}/.codex/config.toml`;
export const GEMINI_ENV = `${HOME}/.gemini/.env`;
export const GEMINI_SETTINGS = `${HOME}/.gemini/settings.json`;
export const OPENCODE = `${HOME}/.config/opencode/opencode.json`;
export const QWEN = `${HOME}/.qwen/settings.json`;

export const KEY_A = "sk-AAAAaaaaAAAAaaaaAAAAaaaaAAAAaaaa1111";
export const KEY_B = "sk-BBBBbbbbBBBBbbbbBBBBbbbbBBBBbbbb2222";

const POS = { file: "/cfg/neuradock.yaml", line: 1, col: 1 };

export function makeAccount(id: string, provider: Account["provider"] = "anyrouter"): Account {
  return {
    id,
    provider,
    url: provider === "newapi" ? "https://relay.example.com" : "https://anyrouter.top",
    userId: 1,
    auth: { kind: "access_token", value: new Secret("access-token-xyz") },
    cookies: {},
    pos: POS,
  };
}

export function makeBinding(tool: ToolId, extra: Partial<Binding> = {}): Binding {
  return {
    tool,
    account: "personal",
    tokens: [{ name: tool === "codex" ? "codex" : "claude" }],
    failover: false,
    node: "default",
    nodeUrl: "https://anyrouter.top",
    env: {},
    keepOtherCredentials: false,
    pos: POS,
    ...extra,
  };
}

export function makeConfig(
  bindings: Partial<Record<ToolId, Binding>>,
  accounts: Account[] = [makeAccount("personal")],
): Config {
  return {
    file: POS.file,
    accounts: Object.fromEntries(accounts.map((a) => [a.id, a])),
    nodes: [],
    bindings,
  };
}

export function makeToken(key: string, status: TokenStatus = "enabled"): ResolvedToken {
  return {
    account: "personal",
    info: {
      id: 7,
      name: "claude",
      status,
      balanceUsd: 5,
      unlimited: false,
      usedUsd: 0,
      expires: null,
      modelLimits: [],
      group: "default",
      keyHint: "sk-…",
    },
    key: { kind: "api-key", secret: new Secret(key) },
  };
}

export interface CycleResult {
  plan: Plan;
  ledger: Ledger;
}

/** The state dir of these suites, inside the System under test. */
export const STATE_DIR = "/state";

/**
 * plan + apply through the real orchestration, as `neuradock apply -y` runs it: createPlan
 * (with the given tokens in place of a relay) and applyPlan (lock, stale check, backups,
 * pending and final ledger) on `system`. The ledger given is the one on disk before.
 */
export async function runCycle(
  system: System,
  config: Config,
  tokens: Partial<Record<ToolId, ResolvedToken>>,
  ledger: Ledger = emptyLedger(),
  env: NodeJS.ProcessEnv = ENV,
): Promise<CycleResult> {
  const plan = await planOnly(system, config, tokens, ledger, env);
  await applyPlan(plan, { system, stateDir: STATE_DIR, savedPlan: false });
  return { plan, ledger: await readLedger(system, STATE_DIR) };
}

/** `neuradock plan` on `system`, with `ledger` as the ledger on disk. */
export async function planOnly(
  system: System,
  config: Config,
  tokens: Partial<Record<ToolId, ResolvedToken>>,
  ledger: Ledger = emptyLedger(),
  env: NodeJS.ProcessEnv = ENV,
): Promise<Plan> {
  await system.writeFileAtomic(`${STATE_DIR}/ledger.json`, serializeLedger(ledger), {
    mode: 0o600,
  });
  return createPlan({
    config,
    env,
    system,
    tokenSource: tokenSourceFor(config, tokens),
    stateDir: STATE_DIR,
    platform: "linux",
  });
}

/**
 * A TokenSource whose accounts list, for each bound tool, the test's token for it (named or
 * numbered as the binding selects it), and reveal that token's key.
 */
function tokenSourceFor(
  config: Config,
  tokens: Partial<Record<ToolId, ResolvedToken>>,
): TokenSource {
  const listed = new Map<string, { info: TokenInfo; key: ResolvedToken["key"] }[]>();
  for (const [i, tool] of (Object.keys(config.bindings) as ToolId[]).entries()) {
    const binding = config.bindings[tool];
    const token = tokens[tool];
    const selector = binding?.tokens[0];
    if (!binding || !token || !selector) continue;
    const list = listed.get(binding.account) ?? [];
    const info: TokenInfo = {
      ...token.info,
      id: "id" in selector ? selector.id : 1000 + i,
      name: "name" in selector ? selector.name : token.info.name,
    };
    if (!list.some((t) => t.info.id === info.id)) list.push({ info, key: token.key });
    listed.set(binding.account, list);
  }
  const of = (account: Account) => listed.get(account.id) ?? [];
  return {
    async resolveToken(account, selector) {
      const hit = of(account).find((t) =>
        "id" in selector ? t.info.id === selector.id : t.info.name === selector.name,
      );
      if (!hit) throw new Error(`test: no token given for ${JSON.stringify(selector)}`);
      return { account: account.id, info: hit.info, key: hit.key };
    },
    listTokens: async (account, options = {}) => ({
      account: account.id,
      provider: account.provider,
      fetchedAt: "2026-01-01T00:00:00Z",
      tokens: of(account).map((t) => t.info),
      ...(options.balance ? { balance: { balanceUsd: 100, usedUsd: 0 } } : {}),
    }),
    async tokenKey(account, id) {
      const hit = of(account).find((t) => t.info.id === id);
      if (!hit) throw new Error(`test: no token ${id}`);
      return hit.key;
    },
  };
}
