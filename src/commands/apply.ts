import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { applyWithRelay } from "../apply/apply-relay.js";
import type { ApplyResult } from "../apply/index.js";
import { acquireLock, applyPlan, checkPlanBasis, nextLedgerText } from "../apply/index.js";
import { loadConfig } from "../config/index.js";
import type { Account, ToolId } from "../config/types.js";
import { AbortedError, UsageError } from "../errors.js";
import { readLedger } from "../plan/ledger.js";
import { checkPlanPlace, parsePlanFile } from "../plan/plan-file.js";
import type { Plan } from "../plan/types.js";
import type { RelayClient } from "../providers/relay-client.js";
import { renderPlanHuman } from "../render/plan-human.js";
import { type PlanJson, renderPlanJson } from "../render/plan-json.js";
import { createSystemFor } from "../system/index.js";
import { homeDir, stateDir } from "../system/paths.js";
import type { System } from "../system/types.js";
import { locateTargets } from "../targets/locate.js";
import type { ApplyCliOptions } from "./cli-options.js";
import { announceConfig, loadConfigForBindings } from "./command-config.js";
import type { Io } from "./io.js";
import { parseReplace, planWithSource, withTokenSource } from "./live-plan.js";

const NOT_A_TTY =
  "refusing to apply without confirmation: stdin is not a terminal; pass -y/--auto-approve or a saved plan file";

/**
 * `neuradock apply [PLANFILE]`: plan (or load a saved plan, which is its own approval),
 * confirm, write. Nothing is written unless every step before the writes succeeded.
 */
export async function runApply(opts: ApplyCliOptions, io: Io): Promise<number> {
  const system = await createSystemFor(io.env);
  const state = stateDir(io.env);
  if (opts.planfile !== undefined) {
    if ((opts.replace ?? []).length > 0) {
      throw new UsageError("--replace makes a new plan: it cannot be used with a saved plan file");
    }
    const plan = await loadSavedPlan(system, resolve(io.cwd, opts.planfile), opts, io.env, state);
    const base = { system, state, opts, io, saved: true };
    if (!touchesRelay(plan)) return showAndApply(plan, base);
    // The relay half needs the accounts' credentials: from the config the plan was made from.
    const config = await loadConfig({
      configPath: opts.config ?? (plan.config as string),
      cwd: io.cwd,
      env: io.env,
      usedAccounts: Object.keys(plan.relay?.ledger ?? {}),
    });
    return withTokenSource(io, opts, (source) =>
      showAndApply(plan, { ...base, relay: source.relay, accounts: config.accounts }),
    );
  }
  parseReplace(opts.replace ?? []);
  const config = await loadConfigForBindings(opts, io);
  announceConfig(config, io);
  // As Terraform holds the state lock from plan to apply: a second apply waits, then plans
  // from what the first one wrote, instead of failing on a plan that went stale meanwhile.
  const lock = await acquireLock(system, state, {
    onWait: (holder) =>
      io.stderr.write(
        `Waiting for another neuradock apply to finish (${holder ? `pid ${holder.pid}` : "lock held"})…\n`,
      ),
  });
  try {
    return await withTokenSource(io, opts, async (source) => {
      const plan = await planWithSource(source, config, opts, io, system, state);
      return showAndApply(plan, {
        system,
        state,
        opts,
        io,
        saved: false,
        relay: source.relay,
        accounts: config.accounts,
      });
    });
  } finally {
    await lock.release();
  }
}

/** A plan with a relay half (changes, or token records the stale check relies on). */
function touchesRelay(plan: Plan): boolean {
  const r = plan.relay;
  if (!r) return false;
  if (r.changes.length > 0) return true;
  if (plan.config === undefined) return false;
  return Object.values(r.basis).some((b) => Object.keys(b).length > 0);
}

/** Whether applying would change the ledger's token records (adoptions, releases). */
async function relayLedgerMoves(system: System, state: string, plan: Plan): Promise<boolean> {
  if (!plan.relay) return false;
  const now = (await readLedger(system, state)).tokens ?? {};
  const empty = (t: unknown) => {
    const x = t as { managed?: object; creating?: unknown[]; replacing?: object } | undefined;
    return (
      !x ||
      (Object.keys(x.managed ?? {}).length === 0 &&
        (x.creating ?? []).length === 0 &&
        Object.keys(x.replacing ?? {}).length === 0)
    );
  };
  return Object.entries(plan.relay.ledger).some(([id, next]) =>
    empty(next) && empty(now[id]) ? false : JSON.stringify(next) !== JSON.stringify(now[id]),
  );
}

interface ApplyContext {
  system: System;
  state: string;
  opts: ApplyCliOptions;
  io: Io;
  /** From a plan file: approved already, and the caller holds no lock. */
  saved: boolean;
  /** For a plan with a relay half. */
  relay?: RelayClient;
  accounts?: Record<string, Account>;
}

async function showAndApply(plan: Plan, ctx: ApplyContext): Promise<number> {
  const { system, state, opts, io, saved } = ctx;
  const applyOptions = {
    system,
    stateDir: state,
    savedPlan: saved,
    ...(saved ? {} : { lock: "held" as const }),
  };
  const json = renderPlanJson(plan, { showSecrets: opts.showSecrets ?? false });
  const total = json.summary.create + json.summary.update + json.summary.delete;
  if (!opts.json) io.stdout.write(renderPlanHuman(json, { color: io.color }));
  const apply = async (): Promise<ApplyResult> => {
    if (!plan.relay || !ctx.relay) return applyPlan(plan, applyOptions);
    const r = await applyWithRelay(plan, {
      ...applyOptions,
      relay: ctx.relay,
      accounts: ctx.accounts ?? {},
    });
    const summary = { ...r.summary };
    for (const a of ["create", "update", "delete"] as const) summary[a] += r.relaySummary[a];
    return { ...r, summary };
  };

  if (total === 0) {
    // The ledger may still move (e.g. a released value edited by hand is forgotten).
    const moves =
      (await nextLedgerText(system, state, plan)) !== null ||
      (await relayLedgerMoves(system, state, plan));
    const result = moves ? await apply() : null;
    if (opts.json) writeJson(io, json, result ?? emptyResult(plan));
    return 0;
  }

  if (!saved && !opts.autoApprove) {
    if (!io.stdinIsTTY) {
      if (opts.json) writeJson(io, json, null);
      throw new AbortedError(NOT_A_TTY);
    }
    // With --json, stdout carries only the JSON document: the plan being approved and the
    // question go to stderr, so nobody approves blind.
    const out = opts.json ? io.stderr : io.stdout;
    if (opts.json) out.write(renderPlanHuman(json, { color: io.color }));
    out.write("\nDo you want to perform these actions?\n  Only 'yes' will be accepted.\n\n");
    const answer = await askLine(io, out, "Apply these changes? (yes/no) ");
    if (answer.trim() !== "yes") throw new AbortedError("Apply cancelled: nothing was written.");
  }

  const result = await apply();
  if (opts.json) {
    writeJson(io, json, result);
  } else {
    const s = result.summary;
    io.stdout.write(
      `\nApply complete: ${s.create} added, ${s.update} changed, ${s.delete} removed.\n`,
    );
  }
  return 0;
}

/** Parse a saved plan and run its stale check before anything else happens. */
async function loadSavedPlan(
  system: System,
  file: string,
  opts: ApplyCliOptions,
  env: NodeJS.ProcessEnv,
  state: string,
): Promise<Plan> {
  const text = await system.readFile(file);
  if (text === null) throw new UsageError(`plan file not found: ${opts.planfile}`);
  const saved = parsePlanFile(text, opts.planfile);
  const targets = locateTargets(env);
  checkPlanPlace(
    saved,
    {
      home: homeDir(env),
      stateDir: state,
      targets: Object.fromEntries(Object.entries(targets).map(([id, t]) => [id, t.path])),
      ledgerFiles: (await readLedger(system, state)).files,
    },
    opts.planfile,
  );
  const plan = restrictPlan(saved, opts.target as ToolId[] | undefined);
  await checkPlanBasis(plan, system);
  return plan;
}

/** --target on a saved plan: keep only those tools' files and ledger entries. */
export function restrictPlan(plan: Plan, tools: readonly ToolId[] | undefined): Plan {
  if (!tools || tools.length === 0) return plan;
  const files = plan.files.filter((f) => tools.includes(f.tool));
  const kept = new Set(files.map((f) => f.file));
  const ledger: Plan["ledger"] = {};
  for (const [file, entry] of Object.entries(plan.ledger)) {
    if (kept.has(file) || (entry !== null && tools.includes(entry.tool))) ledger[file] = entry;
  }
  return {
    ...(plan.origin ? { origin: plan.origin } : {}),
    tools: plan.tools.filter((t) => tools.includes(t)),
    files,
    warnings: plan.warnings.filter((w) => w.tool === undefined || tools.includes(w.tool)),
    ledger,
    // The relay half stays whole: the kept files may wait on its creates.
    ...(plan.relay ? { relay: plan.relay } : {}),
    ...(plan.config ? { config: plan.config } : {}),
  };
}

function emptyResult(plan: Plan): ApplyResult {
  return {
    files: plan.files.map((f) => ({
      tool: f.tool,
      target: f.target,
      file: f.file,
      outcome: "unchanged",
      backup: null,
    })),
    summary: { create: 0, update: 0, delete: 0 },
    ledgerWritten: false,
  };
}

function writeJson(io: Io, json: PlanJson, result: ApplyResult | null): void {
  const applied = result
    ? {
        summary: result.summary,
        files: result.files.map((f) => ({ tool: f.tool, file: f.file, outcome: f.outcome })),
      }
    : null;
  io.stdout.write(`${JSON.stringify({ ...json, applied }, null, 2)}\n`);
}

/** One line from stdin; end of input counts as no answer. */
function askLine(io: Io, out: Io["stdout"], question: string): Promise<string> {
  out.write(question);
  return new Promise((done) => {
    const rl = createInterface({ input: io.stdin, terminal: false });
    let answered = false;
    rl.once("line", (line) => {
      answered = true;
      rl.close();
      done(line);
    });
    rl.once("close", () => {
      if (!answered) done("");
    });
  });
}
