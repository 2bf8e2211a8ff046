import pc from "picocolors";
import type { PlanJson, PlanJsonChange } from "./plan-json.js";

export interface RenderHumanOptions {
  color: boolean;
}

const SIGNS = { create: "+", update: "~", delete: "-" } as const;

/** Terraform-like text, rendered from the public JSON so both always say the same thing. */
export function renderPlanHuman(json: PlanJson, opts: RenderHumanOptions): string {
  const c = pc.createColors(opts.color);
  const paint = { create: c.green, update: c.yellow, delete: c.red } as const;
  const out: string[] = [];
  const groups = new Map<string, PlanJsonChange[]>();
  for (const change of json.changes) {
    const key = `${change.tool}\u0000${change.file}`;
    const list = groups.get(key) ?? [];
    list.push(change);
    groups.set(key, list);
  }
  if (groups.size > 0) {
    out.push("neuradock will make these changes:", "");
    for (const list of groups.values()) {
      const first = list[0] as PlanJsonChange;
      const whole = json.files.find((f) => f.file === first.file);
      const note =
        whole?.action === "create"
          ? c.green(" (new file)")
          : whole?.action === "delete"
            ? c.red(" (file deleted: neuradock created it and nothing else is left in it)")
            : "";
      out.push(`  ${c.bold(first.tool)}  ${c.dim(first.file)}${note}`);
      for (const ch of list) {
        const sign = paint[ch.action](SIGNS[ch.action]);
        if (ch.action === "create") {
          out.push(`    ${sign} ${ch.path} = ${show(ch, ch.after)}`);
        } else if (ch.action === "update") {
          out.push(`    ${sign} ${ch.path}: ${show(ch, ch.before)} → ${show(ch, ch.after)}`);
        } else if (whole?.removed_containers.includes(ch.path)) {
          out.push(`    ${sign} ${ch.path} ${c.dim("(empty now; neuradock created it)")}`);
        } else {
          out.push(`    ${sign} ${ch.path} ${c.dim(`(was ${show(ch, ch.before)})`)}`);
        }
      }
      out.push("");
    }
  }
  if (json.warnings.length > 0) {
    out.push(c.bold(c.yellow("Warnings:")));
    for (const w of json.warnings) {
      const label = w.code === "drift" ? "drift" : "warning";
      out.push(
        `  ${c.yellow("!")} ${c.yellow(label)}${w.tool ? ` (${w.tool})` : ""}: ${w.message}`,
      );
    }
    out.push("");
  }
  const s = json.summary;
  if (s.create + s.update + s.delete === 0) {
    out.push(c.green("No changes. Your tools match neuradock.yaml."));
  } else {
    out.push(
      `${c.bold("Plan:")} ${s.create} to add, ${s.update} to change, ${s.delete} to remove.`,
    );
  }
  return `${out.join("\n")}\n`;
}

function show(change: PlanJsonChange, value: PlanJsonChange["before"]): string {
  // Redacted values are already placeholder text; print them bare.
  if (change.sensitive && typeof value === "string" && value.startsWith("(sensitive")) return value;
  return JSON.stringify(value);
}
