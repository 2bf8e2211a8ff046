import pc from "picocolors";
import type { TokenFields } from "../plan/relay-types.js";
import { relayName, stripControl } from "../untrusted.js";
import type { PlanJson, PlanJsonChange, PlanJsonRelayChange } from "./plan-json.js";

export interface RenderHumanOptions {
  color: boolean;
}

const SIGNS = { create: "+", update: "~", delete: "-" } as const;

/** Warnings shown under their own code rather than as a plain "warning". */
const LABELED = new Set<string>(["drift", "failover", "low-balance"]);

/** Terraform-like text, rendered from the public JSON so both always say the same thing. */
export function renderPlanHuman(json: PlanJson, opts: RenderHumanOptions): string {
  const c = pc.createColors(opts.color);
  const paint = { create: c.green, update: c.yellow, delete: c.red } as const;
  const out: string[] = [];
  const groups = new Map<string, { tool: string; file: string; list: PlanJsonChange[] }>();
  const groupOf = (tool: string, file: string) => {
    const key = `${tool}\u0000${file}`;
    const group = groups.get(key) ?? { tool, file, list: [] };
    groups.set(key, group);
    return group;
  };
  for (const change of json.changes) groupOf(change.tool, change.file).list.push(change);
  // A file whose only change is its mode is listed too.
  for (const f of json.files) if (f.mode) groupOf(f.tool, f.file);
  if (groups.size > 0 || json.relay.length > 0) {
    out.push("neuradock will make these changes:", "");
  }
  if (json.relay.length > 0) {
    out.push(`  ${c.bold("relay tokens")}`);
    for (const r of json.relay) out.push(...relayLines(r, c, paint));
    out.push("");
  }
  if (groups.size > 0) {
    for (const { tool, file, list } of groups.values()) {
      const whole = json.files.find((f) => f.file === file);
      const note =
        whole?.action === "create"
          ? c.green(" (new file)")
          : whole?.action === "delete"
            ? c.red(" (file deleted: neuradock created it and nothing else is left in it)")
            : "";
      out.push(`  ${c.bold(tool)}  ${c.dim(stripControl(file))}${note}`);
      for (const change of list) {
        // Paths, values and messages may hold text from a relay or a cloned repository's
        // config: no control character reaches the terminal (secrets are redacted already).
        const ch = { ...change, path: stripControl(change.path) };
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
      if (whole?.mode) {
        const why =
          whole.mode.reason === "tighten"
            ? "it holds a key: no one else may read it"
            : "given back as it was before neuradock tightened it";
        out.push(
          `    ${paint.update("~")} mode ${whole.mode.before} → ${whole.mode.after} ${c.dim(`(${why})`)}`,
        );
      }
      out.push("");
    }
  }
  if (json.warnings.length > 0) {
    out.push(c.bold(c.yellow("Warnings:")));
    for (const w of json.warnings) {
      const label = LABELED.has(w.code) ? w.code : "warning";
      out.push(
        `  ${c.yellow("!")} ${c.yellow(label)}${w.tool ? ` (${w.tool})` : ""}: ${stripControl(w.message)}`,
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

type Colors = ReturnType<typeof pc.createColors>;

const FIELD_NAMES: (keyof TokenFields)[] = ["quota_usd", "unlimited", "expires", "models", "group"];

/** One relay change: Terraform's `+ ~ -` and `-/+` for a replacement. */
function relayLines(
  r: PlanJsonRelayChange,
  c: Colors,
  paint: Record<"create" | "update" | "delete", (s: string) => string>,
): string[] {
  const label = `token ${clean(r.account)}/${relayName(r.token)}${r.id === null ? "" : ` (id ${r.id})`}`;
  const lines: string[] = [];
  switch (r.action) {
    case "create":
      lines.push(`    ${paint.create("+")} ${label} (${describeFields(r.after)})`);
      break;
    case "update":
      lines.push(`    ${paint.update("~")} ${label}`);
      for (const f of FIELD_NAMES) {
        const before = JSON.stringify(r.before?.[f]);
        const after = JSON.stringify(r.after?.[f]);
        if (before !== after) lines.push(`        ${f}: ${before} → ${after}`);
      }
      break;
    case "delete":
      lines.push(`    ${paint.delete("-")} ${label} ${c.dim("(neuradock created it)")}`);
      break;
    case "replace":
      lines.push(
        `    ${paint.delete("-")}${paint.create("/+")} ${label} ${c.dim("(new key: a replacement is created, every tool bound to it gets the new key, then the old token is deleted)")}`,
      );
      break;
    case "release":
      lines.push(`    ${c.dim("·")} ${label} released`);
      break;
  }
  if (r.note) lines.push(`        ${c.dim(clean(r.note))}`);
  return lines;
}

function describeFields(f: TokenFields | null): string {
  if (!f) return "";
  const quota = f.unlimited ? "unlimited quota" : `$${f.quota_usd}`;
  const expires = f.expires === null ? "never expires" : `expires ${f.expires}`;
  const models = f.models.length === 0 ? "all models" : `models ${f.models.join(", ")}`;
  const group = f.group === "" ? "default group" : `group ${f.group}`;
  return [quota, expires, models, group].map(clean).join(", ");
}

/** Relay text is untrusted: no control characters reach the terminal (src/untrusted.ts). */
function clean(text: string): string {
  return stripControl(text);
}

function show(change: PlanJsonChange, value: PlanJsonChange["before"]): string {
  if (change.known_after_apply && value === change.after) return String(value);
  // Redacted values are already placeholder text; print them bare.
  if (change.sensitive && typeof value === "string" && value.startsWith("(sensitive")) return value;
  return stripControl(JSON.stringify(value));
}
