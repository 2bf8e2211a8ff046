import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NeuradockError } from "../../../src/errors.js";
import {
  emptyLedger,
  mergeLedger,
  pendingLedger,
  serializeLedger,
} from "../../../src/plan/ledger.js";
import { parsePlanFile } from "../../../src/plan/plan-file.js";
import type { Plan } from "../../../src/plan/types.js";
import { serializePlanFile } from "../../../src/render/plan-file.js";
import { renderPlanHuman } from "../../../src/render/plan-human.js";
import { renderPlanJson } from "../../../src/render/plan-json.js";
import { applyFilePlan } from "../../../src/targets/edit.js";
import { createMemorySystem } from "../../support/memory-system.js";
import {
  AUTH,
  CODEX_TOML,
  KEY_A,
  KEY_B,
  makeBinding,
  makeConfig,
  makeToken,
  planOnly,
  runCycle,
  SETTINGS,
} from "./support.js";

const HOME_FIXTURE = join(import.meta.dirname, "../../fixtures/homes/realistic");
const read = (p: string) => readFileSync(join(HOME_FIXTURE, p), "utf8");
const FILES: Record<string, string> = {
  [SETTINGS]: read(".claude/settings.json"),
  [CODEX_TOML]: read(".codex/config.toml"),
  [AUTH]: read(".codex/auth.json"),
};
const both = makeConfig({
  "claude-code": makeBinding("claude-code", { model: "claude-sonnet-4-5" }),
  codex: makeBinding("codex"),
});
const tokens = { "claude-code": makeToken(KEY_A), codex: makeToken(KEY_B) };

// biome-ignore lint/suspicious/noExplicitAny: a hand-edited JSON document, any shape at all
type Loose = any;

/** A bind plan (warnings, creates, ledger priors) and the release after it (deletes, restores). */
async function savedPlans(): Promise<string[]> {
  const system = createMemorySystem({ ...FILES });
  const first = await runCycle(system, both, tokens);
  const release = await planOnly(system, makeConfig({}), {}, first.ledger);
  expect(first.plan.warnings.length).toBeGreaterThan(0);
  expect(Object.values(release.ledger).some((e) => e !== null)).toBe(false);
  expect(Object.values(first.plan.ledger).some((e) => e !== null)).toBe(true);
  return [serializePlanFile(first.plan), serializePlanFile(release)];
}

/** The saved plan with one edit made to its private part. */
function damage(text: string, edit: (plan: Loose) => void): string {
  const data = JSON.parse(text);
  edit(data.private.plan);
  return JSON.stringify(data);
}

function expectRefused(text: string, why: RegExp) {
  let err: unknown;
  try {
    parsePlanFile(text, "saved.plan");
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(NeuradockError);
  const message = (err as Error).message;
  expect(message).toMatch(/^saved\.plan is not a neuradock plan file \(damaged/);
  expect(message).toMatch(why);
  expect(message).not.toContain(KEY_A);
}

describe("a hand-damaged saved plan is refused by name", () => {
  const cases: [string, (plan: Loose) => void, RegExp][] = [
    ["a null warning", (p) => (p.warnings = [null]), /warnings/],
    ["a warning without a message", (p) => (p.warnings = [{ code: "drift" }]), /warnings/],
    ["a warning of unknown code", (p) => (p.warnings[0].code = "nope"), /warnings/],
    ["an empty change path", (p) => (p.files[0].changes[0].path = []), /files/],
    ["a change path of numbers", (p) => (p.files[0].changes[0].path = [1]), /files/],
    ["an unknown target", (p) => (p.files[0].target = "vim-config"), /files/],
    ["a prototype key as target", (p) => (p.files[0].target = "__proto__"), /files/],
    ["an unknown format", (p) => (p.files[0].format = "yaml"), /files/],
    ["a format that is not the target's", (p) => (p.files[0].format = "toml"), /files/],
    ["a tool that is not the target's", (p) => (p.files[0].tool = "codex"), /files/],
    ["a change for another file", (p) => (p.files[0].changes[0].file = "/elsewhere"), /files/],
    ["a change of unknown reason", (p) => (p.files[0].changes[0].reason = "why"), /files/],
    ["a numeric insertAfter", (p) => (p.files[0].changes[0].insertAfter = 3), /files/],
    ["an empty ledger entry", (p) => (p.ledger[Object.keys(p.ledger)[0] as string] = {}), /ledger/],
    [
      "a ledger path without its prior",
      (p) => {
        const entry = Object.values(p.ledger).find((e) => e !== null) as Loose;
        const first = Object.keys(entry.paths)[0] as string;
        entry.paths[first] = { sha256: "x" };
      },
      /ledger/,
    ],
  ];
  it.each(cases)("%s", async (_name, edit, why) => {
    const [bind] = await savedPlans();
    expectRefused(damage(bind as string, edit), why);
  });

  it("the undamaged plans still read back as they were saved", async () => {
    for (const text of await savedPlans()) {
      expect(parsePlanFile(text)).toEqual(JSON.parse(text).private.plan);
    }
  });

  it("no single damaged field gets past the check to fail as an internal error", async () => {
    const replacements: unknown[] = [null, [], {}, 7, "x"];
    let accepted = 0;
    for (const text of await savedPlans()) {
      const original = JSON.parse(text).private.plan;
      for (const path of leafAndBranchPaths(original)) {
        for (const value of replacements) {
          const damaged = damage(text, (p) => setAt(p, path, value));
          let plan: Plan;
          try {
            plan = parsePlanFile(damaged, "saved.plan");
          } catch (err) {
            expect(err, path.join(".")).toBeInstanceOf(NeuradockError);
            continue;
          }
          accepted++;
          // What apply does with an accepted plan: render it, edit the files, write the ledger.
          try {
            renderPlanHuman(renderPlanJson(plan, { showSecrets: false }), { color: false });
            for (const fp of plan.files) applyFilePlan(FILES[fp.file] ?? null, fp);
            serializeLedger(mergeLedger(pendingLedger(emptyLedger(), plan), plan.ledger));
          } catch (err) {
            expect(err, `${path.join(".")} = ${JSON.stringify(value)}`).toBeInstanceOf(
              NeuradockError,
            );
          }
        }
      }
    }
    // Values (before/after, priors, messages) may legitimately be anything.
    expect(accepted).toBeGreaterThan(0);
  });
});

function leafAndBranchPaths(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = at.length > 0 ? [at] : [];
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) out.push(...leafAndBranchPaths(v, [...at, i]));
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) out.push(...leafAndBranchPaths(v, [...at, k]));
  }
  return out;
}

function setAt(root: Loose, path: (string | number)[], value: unknown): void {
  let node: Loose = root;
  for (const seg of path.slice(0, -1)) node = node[seg];
  node[path[path.length - 1] as string | number] = structuredClone(value);
}
