import { describe, expect, it } from "vitest";
import { applyPlan } from "../../../src/apply/index.js";
import { mergeLedger, pendingLedger } from "../../../src/plan/ledger.js";
import type { Ledger, Plan } from "../../../src/plan/types.js";
import type { System } from "../../../src/system/types.js";
import { applyFilePlan } from "../../../src/targets/edit.js";
import { createMemorySystem } from "../../support/memory-system.js";
import {
  KEY_A,
  KEY_B,
  makeBinding,
  makeConfig,
  makeToken,
  planOnly,
  runCycle,
  SETTINGS,
} from "../plan/support.js";

/**
 * An apply killed between its file writes and its final ledger: the pending ledger written
 * first must let the next plan recognise neuradock's values, whichever files were written.
 */
const USERS_OWN = "sk-ant-users-own-key-0000000000001234";
const ORIGINAL = `{\n  "env": {\n    "ANTHROPIC_API_KEY": "${USERS_OWN}"\n  }\n}\n`;
const bound = makeConfig({ "claude-code": makeBinding("claude-code") });
const unbound = makeConfig({});

/** Plan, write the pending ledger, then write the files only when `writeFiles`: a kill. */
async function killedApply(system: System, plan: Plan, ledger: Ledger, writeFiles: boolean) {
  if (writeFiles) {
    for (const f of plan.files) {
      const next = applyFilePlan(await system.readFile(f.file), f);
      if (next === null) await system.removeFile(f.file);
      else await system.writeFileAtomic(f.file, next);
    }
  }
  return pendingLedger(ledger, plan);
}

describe("pending ledger (an apply killed midway)", () => {
  for (const writeFiles of [false, true]) {
    const when = writeFiles ? "after the file write" : "before the file write";

    it(`first bind killed ${when}: removing the binding gives the original back`, async () => {
      const system = createMemorySystem({ [SETTINGS]: ORIGINAL });
      const plan = await planOnly(system, bound, { "claude-code": makeToken(KEY_A) });
      const ledger = await killedApply(system, plan, { version: 1, files: {} }, writeFiles);

      const release = await runCycle(system, unbound, {}, ledger);
      expect(release.plan.warnings).toEqual([]);
      expect(await system.readFile(SETTINGS)).toBe(ORIGINAL);
      expect(release.ledger.files).toEqual({});
    });

    it(`first bind killed ${when}: planning again while bound finishes the job`, async () => {
      const system = createMemorySystem({ [SETTINGS]: ORIGINAL });
      const plan = await planOnly(system, bound, { "claude-code": makeToken(KEY_A) });
      const ledger = await killedApply(system, plan, { version: 1, files: {} }, writeFiles);

      const again = await runCycle(system, bound, { "claude-code": makeToken(KEY_A) }, ledger);
      expect(again.plan.warnings.map((w) => w.code)).not.toContain("drift");
      const doc = JSON.parse((await system.readFile(SETTINGS)) as string);
      expect(doc.env).toEqual({
        ANTHROPIC_AUTH_TOKEN: KEY_A,
        ANTHROPIC_BASE_URL: expect.any(String),
      });
      // The user's own key is still the prior value: removal gives it back.
      const release = await runCycle(system, unbound, {}, again.ledger);
      expect(await system.readFile(SETTINGS)).toBe(ORIGINAL);
      expect(release.ledger.files).toEqual({});
    });

    it(`token rotation killed ${when}: removing the binding still deletes our key`, async () => {
      const system = createMemorySystem({ [SETTINGS]: ORIGINAL });
      const first = await runCycle(system, bound, { "claude-code": makeToken(KEY_A) });
      const plan = await planOnly(system, bound, { "claude-code": makeToken(KEY_B) }, first.ledger);
      const ledger = await killedApply(system, plan, first.ledger, writeFiles);

      const release = await runCycle(system, unbound, {}, ledger);
      expect(release.plan.warnings).toEqual([]);
      expect(await system.readFile(SETTINGS)).toBe(ORIGINAL);
    });

    it(`a removal killed ${when}: planning again completes it`, async () => {
      const system = createMemorySystem({ [SETTINGS]: ORIGINAL });
      const first = await runCycle(system, bound, { "claude-code": makeToken(KEY_A) });
      const plan = await planOnly(system, unbound, {}, first.ledger);
      const ledger = await killedApply(system, plan, first.ledger, writeFiles);

      const again = await runCycle(system, unbound, {}, ledger);
      expect(again.plan.warnings).toEqual([]);
      expect(await system.readFile(SETTINGS)).toBe(ORIGINAL);
      expect(again.ledger.files).toEqual({});
    });
  }

  it("is replaced by the final ledger: no pending hashes survive a completed apply", async () => {
    const system = createMemorySystem({ [SETTINGS]: ORIGINAL });
    const first = await runCycle(system, bound, { "claude-code": makeToken(KEY_A) });
    const plan = await planOnly(system, bound, { "claude-code": makeToken(KEY_B) }, first.ledger);
    const pending = pendingLedger(first.ledger, plan);
    const token = pending.files[SETTINGS]?.paths["env.ANTHROPIC_AUTH_TOKEN"];
    expect(token?.pending?.length).toBe(1);
    const final = mergeLedger(pending, plan.ledger);
    expect(JSON.stringify(final)).not.toContain("pending");
  });
});

describe("a ledger-only apply that fails", () => {
  it("keeps the ledger it had (a failed write never deletes it)", async () => {
    const system = createMemorySystem({ [SETTINGS]: '{\n  "model": "opus"\n}\n' });
    const first = await runCycle(system, bound, { "claude-code": makeToken(KEY_A) });
    await system.writeFileAtomic("/state/ledger.json", JSON.stringify(first.ledger));
    // Hand-edit our values, then unbind: nothing to write to the files, only the ledger moves.
    const text = (await system.readFile(SETTINGS)) as string;
    await system.writeFileAtomic(
      SETTINGS,
      text
        .replace(KEY_A, "sk-edited-by-hand-0000")
        .replace(/"https:[^"]*"/, '"https://hand.example"'),
    );
    const plan = await planOnly(system, unbound, {}, first.ledger);
    expect(plan.files.every((f) => f.changes.length === 0)).toBe(true);

    system.failOn({ op: "write", code: "ENOSPC" });
    await expect(applyPlan(plan, { system, stateDir: "/state" })).rejects.toThrow(/ENOSPC|space/);
    expect(JSON.parse((await system.readFile("/state/ledger.json")) as string)).toEqual(
      first.ledger,
    );
  });

  it("a file neuradock created and the user emptied by hand is left, not silently deleted", async () => {
    const system = createMemorySystem({});
    const first = await runCycle(system, bound, { "claude-code": makeToken(KEY_A) });
    await system.writeFileAtomic(SETTINGS, "{}\n");
    const released = await runCycle(system, unbound, {}, first.ledger);
    expect(released.plan.files.every((f) => !f.deleteFile)).toBe(true);
    expect(await system.readFile(SETTINGS)).toBe("{}\n");
    expect(released.ledger.files).toEqual({});
  });
});
