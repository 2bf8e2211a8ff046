import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parsePlanFile } from "../../../src/plan/plan-file.js";
import { serializePlanFile } from "../../../src/render/plan-file.js";
import { renderPlanHuman } from "../../../src/render/plan-human.js";
import { renderPlanJson } from "../../../src/render/plan-json.js";
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
} from "../plan/support.js";

const GOLDEN = join(import.meta.dirname, "../../fixtures/golden");
const HOME_FIXTURE = join(import.meta.dirname, "../../fixtures/homes/realistic");
const USER_KEY = "sk-ant-api03-userownkeyAAAABBBBCCCCDDDD";

/** Compare with a golden file; UPDATE_GOLDEN=1 rewrites it (review the diff before committing). */
function expectGolden(name: string, actual: string) {
  const file = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === "1") writeFileSync(file, actual);
  expect(existsSync(file), `${name} is missing: run with UPDATE_GOLDEN=1 to create it`).toBe(true);
  expect(actual).toBe(readFileSync(file, "utf8"));
}

function realisticSystem() {
  const read = (p: string) => readFileSync(join(HOME_FIXTURE, p), "utf8");
  return createMemorySystem({
    [SETTINGS]: read(".claude/settings.json"),
    [CODEX_TOML]: read(".codex/config.toml"),
    [AUTH]: read(".codex/auth.json"),
  });
}

const both = makeConfig({
  "claude-code": makeBinding("claude-code", { model: "claude-sonnet-4-5" }),
  codex: makeBinding("codex"),
});
const tokens = { "claude-code": makeToken(KEY_A), codex: makeToken(KEY_B) };

describe("plan rendering", () => {
  it("JSON: the shape of docs/contract.md, secrets redacted", async () => {
    const plan = await planOnly(realisticSystem(), both, tokens);
    const json = renderPlanJson(plan, { showSecrets: false });
    const text = `${JSON.stringify(json, null, 2)}\n`;
    expectGolden("plan-first-bind.json", text);
    // docs/contract.md's fields, then `files` (whole-file actions) and `token_choices` (relay.md
    // §3), additions readers may ignore.
    expect(Object.keys(json)).toEqual([
      "format_version",
      "changes",
      "summary",
      "basis",
      "warnings",
      "files",
      "relay",
      "config",
      "token_choices",
    ]);
    expect(Object.keys(json.changes[0]!)).toEqual([
      "tool",
      "file",
      "path",
      "action",
      "before",
      "after",
      "sensitive",
    ]);
    for (const secret of [KEY_A, KEY_B, USER_KEY]) expect(text).not.toContain(secret);
    const token = json.changes.find((c) => c.path === "env.ANTHROPIC_AUTH_TOKEN")!;
    expect(token).toMatchObject({
      action: "create",
      before: null,
      after: "(sensitive: sk-…1111)",
      sensitive: true,
    });
    const prior = json.changes.find((c) => c.path === "env.ANTHROPIC_API_KEY")!;
    expect(prior).toMatchObject({ action: "delete", before: "(sensitive: sk-…DDDD)", after: null });
    expect(json.summary).toEqual({
      create: json.changes.filter((c) => c.action === "create").length,
      // A file whose mode is tightened (the memory files are 0644) counts as one more update.
      update:
        json.changes.filter((c) => c.action === "update").length +
        json.files.filter((f) => f.mode).length,
      delete: json.changes.filter((c) => c.action === "delete").length,
    });
    expect(json.files.filter((f) => f.mode).map((f) => [f.file, f.mode])).toEqual([
      [SETTINGS, { before: "0644", after: "0600", reason: "tighten" }],
      ["/home/u/.codex/auth.json", { before: "0644", after: "0600", reason: "tighten" }],
    ]);
    expect(json.basis[SETTINGS]).toMatch(/^[0-9a-f]{64}$/);
  });

  it("JSON with showSecrets prints clear values", async () => {
    const plan = await planOnly(realisticSystem(), both, tokens);
    const json = renderPlanJson(plan, { showSecrets: true });
    expect(json.changes.find((c) => c.path === "env.ANTHROPIC_AUTH_TOKEN")?.after).toBe(KEY_A);
  });

  it("human: Terraform-like, from the JSON", async () => {
    const plan = await planOnly(realisticSystem(), both, tokens);
    const human = renderPlanHuman(renderPlanJson(plan, { showSecrets: false }), { color: false });
    expectGolden("plan-first-bind.txt", human);
    expect(human).toMatch(/^Plan: \d+ to add, \d+ to change, \d+ to remove\.$/m);
    expect(human).not.toContain("\u001b[");
    for (const secret of [KEY_A, KEY_B, USER_KEY]) expect(human).not.toContain(secret);
    const colored = renderPlanHuman(renderPlanJson(plan, { showSecrets: false }), { color: true });
    expect(colored).toContain("\u001b[");
  });

  it("human: rotation, release and the no-change message", async () => {
    const system = realisticSystem();
    const first = await runCycle(system, both, tokens);
    const same = await planOnly(system, both, tokens, first.ledger);
    const none = renderPlanHuman(renderPlanJson(same, { showSecrets: false }), { color: false });
    expect(none).toContain("No changes. Your tools match neuradock.yaml.");
    expect(none).not.toContain("Plan:");

    const rotated = await planOnly(
      system,
      both,
      { ...tokens, codex: makeToken(KEY_A) },
      first.ledger,
    );
    expectGolden(
      "plan-rotate.txt",
      renderPlanHuman(renderPlanJson(rotated, { showSecrets: false }), { color: false }),
    );
    const released = await planOnly(system, makeConfig({}), {}, first.ledger);
    expectGolden(
      "plan-release.txt",
      renderPlanHuman(renderPlanJson(released, { showSecrets: false }), { color: false }),
    );
  });
});

describe("saved plan file", () => {
  it("round-trips the plan, clear values in the private part only", async () => {
    const plan = await planOnly(realisticSystem(), both, tokens);
    const text = serializePlanFile(plan);
    const data = JSON.parse(text);
    expect(data.format_version).toBe("1");
    expect(JSON.stringify(data.changes)).not.toContain(KEY_A);
    expect(JSON.stringify(data.private)).toContain(KEY_A);
    expect(parsePlanFile(text)).toEqual(JSON.parse(JSON.stringify(plan)));
    const back = parsePlanFile(text);
    const restore = back.files
      .flatMap((f) => f.changes)
      .find((c) => c.path.join(".") === "env.ANTHROPIC_API_KEY");
    expect(restore?.action).toBe("delete");
  });

  it("refuses foreign or damaged files with a clear error", () => {
    expect(() => parsePlanFile("not json", "x.plan")).toThrow(
      /x\.plan is not a neuradock plan file \(not JSON\)/,
    );
    expect(() => parsePlanFile('{"format_version":"1","changes":[]}', "x.plan")).toThrow(
      /no saved plan inside/,
    );
    expect(() => parsePlanFile('{"format_version":"2"}')).toThrow(/format_version/);
    const damaged = JSON.stringify({
      format_version: "1",
      private: {
        kind: "neuradock-saved-plan",
        version: 1,
        plan: { tools: ["vim"], files: [], warnings: [], ledger: {} },
      },
    });
    expect(() => parsePlanFile(damaged)).toThrow(/damaged: tools/);
  });
});

describe("whole-file and container actions are changes like any other", () => {
  it("a file neuradock created, emptied by hand, is shown, counted and deleted — never silently", async () => {
    const system = createMemorySystem({});
    const claude = makeConfig({ "claude-code": makeBinding("claude-code") });
    const bound = await runCycle(system, claude, { "claude-code": makeToken(KEY_A) });
    await system.writeFileAtomic(SETTINGS, '{"env": {}}');

    const plan = await planOnly(system, makeConfig({}), {}, bound.ledger);
    const json = renderPlanJson(plan, { showSecrets: false });
    expect(json.changes).toEqual([
      expect.objectContaining({ path: "env", action: "delete", before: {}, after: null }),
    ]);
    expect(json.summary).toEqual({ create: 0, update: 0, delete: 1 });
    expect(json.files).toEqual([expect.objectContaining({ file: SETTINGS, action: "delete" })]);
    // The keys the user removed by hand were already gone: nothing to warn about.
    expect(json.warnings).toEqual([]);
    const text = renderPlanHuman(json, { color: false });
    expect(text).toContain("settings.json (file deleted: neuradock created it");
    expect(text).toContain("- env (empty now; neuradock created it)");
    expect(text).toContain("Plan: 0 to add, 0 to change, 1 to remove.");
  });
});
