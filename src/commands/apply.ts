import { resolve } from "node:path";
import { createInterface } from "node:readline";
import type { ApplyResult } from "../apply/index.js";
import { acquireLock, applyPlan, checkPlanBasis, nextLedgerText } from "../apply/index.js";
import type { ToolId } from "../config/types.js";
import { AbortedError, UsageError } from "../errors.js";
import { parsePlanFile } from "../plan/plan-file.js";
import type { Plan } from "../plan/types.js";
import { renderPlanHuman } from "../render/plan-human.js";
import { type PlanJson, renderPlanJson } from "../render/plan-json.js";
import { createRealSystem } from "../system/index.js";
import { stateDir } from "../system/paths.js";
import type { System } from "../system/types.js";
import type { ApplyCliOptions } from "./cli-options.js";
import { loadConfigForBindings } from "./command-config.js";
import type { Io } from "./io.js";
import { planWithLiveTokens } from "./live-plan.js";

const NOT_A_TTY =
  "refusing to apply without confirmation: stdin is not a terminal; pass -y/--auto-approve or a saved plan file";

/**
 * `neuradock apply [PLANFILE]`: plan (or load a saved plan, which is its own approval),
 * confirm, write. Nothing is written unless every step before the writes succeeded.
 */
export async function runApply(opts: ApplyCliOptions, io: Io): Promise<number> {
  const system = createRealSystem();
  const state = stateDir(io.env);
  if (opts.planfile !== undefined) {
    const plan = await loadSavedPlan(system, resolve(io.cwd, opts.planfile), opts);
    return showAndApply(plan, { system, state, opts, io, saved: true });
  }
  const config = await loadConfigForBindings(opts, io);
  // As Terraform holds the state lock from plan to apply: a second apply waits, then plans
  // from what the first one wrote, instead of failing on a plan that went stale meanwhile.
  const lock = await acquireLock(system, state);
  try {
    const plan = await planWithLiveTokens(config, opts, io, system, state);
    return await showAndApply(plan, { system, state, opts, io, saved: false });
  } finally {
    await lock.release();
  }
}

interface ApplyContext {
  system: System;
  state: string;
  opts: ApplyCliOptions;
  io: Io;
  /** From a plan file: approved already, and the caller holds no lock. */
  saved: boolean;
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

  if (total === 0) {
    // The ledger may still move (e.g. a released value edited by hand is forgotten).
    const result = (await nextLedgerText(system, state, plan))
      ? await applyPlan(plan, applyOptions)
      : null;
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

  const result = await applyPlan(plan, applyOptions);
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
async function loadSavedPlan(system: System, file: string, opts: ApplyCliOptions): Promise<Plan> {
  const text = await system.readFile(file);
  if (text === null) throw new UsageError(`plan file not found: ${opts.planfile}`);
  const plan = restrictPlan(
    parsePlanFile(text, opts.planfile),
    opts.target as ToolId[] | undefined,
  );
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
    tools: plan.tools.filter((t) => tools.includes(t)),
    files,
    warnings: plan.warnings.filter((w) => w.tool === undefined || tools.includes(w.tool)),
    ledger,
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
