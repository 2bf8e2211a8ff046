import {
  type Account,
  type Binding,
  type Config,
  TOOLS,
  type ToolId,
} from "../../../src/config/types.js";
import { readActualState } from "../../../src/plan/actual.js";
import { computePlan } from "../../../src/plan/compute-plan.js";
import { buildDesiredState } from "../../../src/plan/desired.js";
import { emptyLedger, mergeLedger } from "../../../src/plan/ledger.js";
import type { Ledger, Plan } from "../../../src/plan/types.js";
import type { ResolvedToken, TokenStatus } from "../../../src/providers/types.js";
import { Secret } from "../../../src/secret.js";
import type { System } from "../../../src/system/types.js";
import { applyFilePlan } from "../../../src/targets/edit.js";
import { locateTargets } from "../../../src/targets/locate.js";

export const HOME = "/home/u";
export const ENV = { HOME } as NodeJS.ProcessEnv;
export const SETTINGS = `${HOME}/.claude/settings.json`;
export const AUTH = `${HOME}/.codex/auth.json`;
export const CODEX_TOML = `${HOME}/.codex/config.toml`;
export const GEMINI_ENV = `${HOME}/.gemini/.env`;
export const GEMINI_SETTINGS = `${HOME}/.gemini/settings.json`;

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

/** plan + apply through a System, the way `neuradock apply` does it (minus backups and lock). */
export async function runCycle(
  system: System,
  config: Config,
  tokens: Partial<Record<ToolId, ResolvedToken>>,
  ledger: Ledger = emptyLedger(),
  env: NodeJS.ProcessEnv = ENV,
): Promise<CycleResult> {
  const plan = await planOnly(system, config, tokens, ledger, env);
  for (const file of plan.files) {
    if (file.changes.length === 0 && !file.deleteFile && file.removeContainers.length === 0)
      continue;
    const text = await system.readFile(file.file);
    const next = applyFilePlan(text, file);
    if (next === null) await system.removeFile(file.file);
    else if (next !== text) {
      await system.writeFileAtomic(file.file, next, {
        mode: file.credential ? 0o600 : 0o644,
        dirMode: 0o700,
      });
    }
  }
  return { plan, ledger: mergeLedger(ledger, plan.ledger) };
}

export async function planOnly(
  system: System,
  config: Config,
  tokens: Partial<Record<ToolId, ResolvedToken>>,
  ledger: Ledger = emptyLedger(),
  env: NodeJS.ProcessEnv = ENV,
): Promise<Plan> {
  const targets = locateTargets(env, "linux");
  const tools = TOOLS.filter(
    (t) =>
      config.bindings[t] !== undefined ||
      Object.values(targets).some((x) => x.tool === t && ledger.files[x.path]),
  );
  const actual = await readActualState(
    system,
    Object.values(targets).filter((t) => tools.includes(t.tool)),
  );
  const desired = buildDesiredState(
    config,
    new Map(Object.entries(tokens) as [ToolId, ResolvedToken][]),
    targets,
  );
  return computePlan(desired, actual, ledger, tools);
}
