import { resolve } from "node:path";
import { serializePlanFile } from "../render/plan-file.js";
import { renderPlanHuman } from "../render/plan-human.js";
import { renderPlanJson } from "../render/plan-json.js";
import { createSystemFor } from "../system/index.js";
import { stateDir } from "../system/paths.js";
import type { PlanCliOptions } from "./cli-options.js";
import { announceConfig, loadConfigForBindings } from "./command-config.js";
import type { Io } from "./io.js";
import { planWithLiveTokens } from "./live-plan.js";

/** `neuradock plan`: fetch live tokens, compare with the tools' files, print what would change. */
export async function runPlan(opts: PlanCliOptions, io: Io): Promise<number> {
  const config = await loadConfigForBindings(opts, io);
  announceConfig(config, io);
  const system = await createSystemFor(io.env);
  const plan = await planWithLiveTokens(config, opts, io, system, stateDir(io.env));

  if (opts.out) {
    await system.writeFileAtomic(resolve(io.cwd, opts.out), serializePlanFile(plan), {
      mode: 0o600,
      dirMode: 0o700,
      secret: true,
    });
  }
  const json = renderPlanJson(plan, { showSecrets: opts.showSecrets ?? false });
  if (opts.json) io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  else {
    io.stdout.write(renderPlanHuman(json, { color: io.color }));
    if (opts.out)
      io.stdout.write(
        `\nSaved the plan to ${opts.out}; apply it with: neuradock apply ${opts.out}\n`,
      );
  }
  const changes = json.summary.create + json.summary.update + json.summary.delete;
  return opts.detailedExitcode && changes > 0 ? 2 : 0;
}
