import { describe, expect, it } from "vitest";
import { createMemorySystem } from "../../support/memory-system.js";
import { KEY_A, makeBinding, makeConfig, makeToken, runCycle, SETTINGS } from "../plan/support.js";

const claudeBound = makeConfig({ "claude-code": makeBinding("claude-code") });
const unbound = makeConfig({});

describe("one-line settings.json keeps its spacing", () => {
  const cases: Record<string, [string, RegExp]> = {
    "minified, a guarded key first": [
      '{"apiKeyHelper":"/bin/echo key"}',
      /^\{"env":\{"ANTHROPIC_AUTH_TOKEN":"/,
    ],
    "minified, a guarded key last": [
      '{"model":"x","apiKeyHelper":"/bin/echo key"}',
      /^\{"model":"x","env":\{"ANTHROPIC_AUTH_TOKEN":"/,
    ],
    "minified, a guarded key in env": [
      '{"env":{"ANTHROPIC_API_KEY":"k"},"model":"x"}',
      /^\{"env":\{"ANTHROPIC_AUTH_TOKEN":"/,
    ],
    spaced: [
      '{ "model": "x", "apiKeyHelper": "/bin/echo key" }',
      /^\{ "model": "x", "env": \{"ANTHROPIC_AUTH_TOKEN": "/,
    ],
  };
  for (const [name, [text, boundShape]] of Object.entries(cases)) {
    it(name, async () => {
      const system = createMemorySystem({ [SETTINGS]: text });
      const bound = await runCycle(system, claudeBound, { "claude-code": makeToken(KEY_A) });
      const boundText = (await system.readFile(SETTINGS)) as string;
      expect(JSON.parse(boundText).env.ANTHROPIC_AUTH_TOKEN).toBe(KEY_A);
      expect(boundText).toMatch(boundShape);
      expect(boundText).not.toContain("\n");
      await runCycle(system, unbound, {}, bound.ledger);
      expect(await system.readFile(SETTINGS)).toBe(text);
    });
  }
});

describe("a blank settings.json", () => {
  it("is never deleted by unbinding", async () => {
    const system = createMemorySystem({ [SETTINGS]: "" });
    const bound = await runCycle(system, claudeBound, { "claude-code": makeToken(KEY_A) });
    const released = await runCycle(system, unbound, {}, bound.ledger);
    expect(released.plan.files[0]?.deleteFile).toBe(false);
    expect(await system.readFile(SETTINGS)).not.toBeNull();
  });

  it("comes back blank when the ledger says the root object was neuradock's", async () => {
    const system = createMemorySystem({ [SETTINGS]: "" });
    const bound = await runCycle(system, claudeBound, { "claude-code": makeToken(KEY_A) });
    // What the planner records for a file that was blank (root = container "").
    const entry = bound.ledger.files[SETTINGS];
    if (!entry) throw new Error("no ledger entry");
    if (!entry.createdContainers.includes("")) entry.createdContainers.push("");
    const released = await runCycle(system, unbound, {}, bound.ledger);
    expect(released.plan.files[0]?.removeContainers).toContainEqual([]);
    expect(await system.readFile(SETTINGS)).toBe("");
  });
});
