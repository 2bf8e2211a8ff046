import { describe, expect, it } from "vitest";
import { applyPlan } from "../../../src/apply/apply-plan.js";
import type { ToolId } from "../../../src/config/types.js";
import { parsePlanFile } from "../../../src/plan/plan-file.js";
import { serializePlanFile } from "../../../src/render/plan-file.js";
import { renderPlanHuman } from "../../../src/render/plan-human.js";
import { renderPlanJson } from "../../../src/render/plan-json.js";
import { createMemorySystem } from "../../support/memory-system.js";
import {
  AUTH,
  CODEX_TOML,
  GEMINI_ENV,
  GEMINI_SETTINGS,
  KEY_A,
  makeBinding,
  makeConfig,
  makeToken,
  planOnly,
  runCycle,
  SETTINGS,
  STATE_DIR,
} from "./support.js";

// docs/contract.md "Modes": a file that holds a key is 0600 — an existing one tightened, with a
// note in the plan — and a release gives its old mode back.

const OPENCODE = "/home/u/.config/opencode/opencode.json";
const token = makeToken(KEY_A);
const all = {
  "claude-code": token,
  codex: token,
  "gemini-cli": token,
  opencode: token,
} as const;
const TOOLS = Object.keys(all) as ToolId[];
const bound = makeConfig(
  Object.fromEntries(TOOLS.map((t) => [t, makeBinding(t, { tokens: [{ name: t }] })])),
);
const unbound = makeConfig({});

const seeded = () =>
  createMemorySystem({
    [SETTINGS]: { content: '{\n  "theme": "dark"\n}\n', mode: 0o644 },
    [AUTH]: { content: "{}\n", mode: 0o664 },
    [CODEX_TOML]: { content: 'model = "o3"\n', mode: 0o644 },
    [GEMINI_ENV]: { content: "FOO=1\n", mode: 0o644 },
    [GEMINI_SETTINGS]: { content: "{}\n", mode: 0o644 },
    [OPENCODE]: { content: "{}\n", mode: 0o755 },
  });

const modeOf = async (system: ReturnType<typeof seeded>, path: string) =>
  ((await system.stat(path))?.mode ?? -1) & 0o777;

describe("file modes", () => {
  it("tightens every existing file that will hold a key, and only those; the plan says so", async () => {
    const system = seeded();
    const plan = await planOnly(system, bound, all);
    const modes = Object.fromEntries(plan.files.filter((f) => f.mode).map((f) => [f.file, f.mode]));
    expect(modes).toEqual({
      [SETTINGS]: { from: 0o644, to: 0o600, reason: "tighten" },
      [AUTH]: { from: 0o664, to: 0o600, reason: "tighten" },
      [GEMINI_ENV]: { from: 0o644, to: 0o600, reason: "tighten" },
      [OPENCODE]: { from: 0o755, to: 0o700, reason: "tighten" },
    });
    const json = renderPlanJson(plan, { showSecrets: false });
    expect(json.files.find((f) => f.file === SETTINGS)?.mode).toEqual({
      before: "0644",
      after: "0600",
      reason: "tighten",
    });
    expect(renderPlanHuman(json, { color: false })).toContain("~ mode 0644 → 0600");
    // A saved plan carries it.
    const saved = parsePlanFile(serializePlanFile(plan));
    expect(saved.files.find((f) => f.file === AUTH)?.mode).toEqual(modes[AUTH]);

    await applyPlan(plan, { system, stateDir: STATE_DIR, savedPlan: false });
    expect(await modeOf(system, SETTINGS)).toBe(0o600);
    expect(await modeOf(system, AUTH)).toBe(0o600);
    expect(await modeOf(system, GEMINI_ENV)).toBe(0o600);
    expect(await modeOf(system, OPENCODE)).toBe(0o700);
    // Files that hold no key keep theirs.
    expect(await modeOf(system, CODEX_TOML)).toBe(0o644);
    expect(await modeOf(system, GEMINI_SETTINGS)).toBe(0o644);

    // The second plan has nothing to do, and its apply writes nothing.
    const again = await planOnly(
      system,
      bound,
      all,
      JSON.parse((await system.readFile(`${STATE_DIR}/ledger.json`))!),
    );
    expect(again.files.filter((f) => f.mode || f.changes.length > 0)).toEqual([]);
    expect(
      renderPlanHuman(renderPlanJson(again, { showSecrets: false }), { color: false }),
    ).toContain("No changes.");
    const before = system.snapshot();
    const result = await applyPlan(again, { system, stateDir: STATE_DIR, savedPlan: false });
    expect(result.files.every((f) => f.outcome === "unchanged")).toBe(true);
    expect(system.snapshot()).toEqual(before);
  });

  it("a mode-only change is carried out and counted (the key is there already)", async () => {
    const system = seeded();
    await runCycle(system, bound, all);
    await system.chmod(SETTINGS, 0o640);
    const ledger = JSON.parse((await system.readFile(`${STATE_DIR}/ledger.json`))!);
    const plan = await planOnly(system, bound, all, ledger);
    const json = renderPlanJson(plan, { showSecrets: false });
    expect(json.changes).toEqual([]);
    expect(json.summary).toEqual({ create: 0, update: 1, delete: 0 });
    expect(renderPlanHuman(json, { color: false })).toMatch(
      /claude-code {2}\/home\/u\/\.claude\/settings\.json\n {4}~ mode 0640 → 0600/,
    );
    const result = await applyPlan(plan, { system, stateDir: STATE_DIR, savedPlan: false });
    expect(result.summary).toEqual({ create: 0, update: 1, delete: 0 });
    expect(await modeOf(system, SETTINGS)).toBe(0o600);
  });

  it("removing the binding gives the old mode back with the old content", async () => {
    const system = seeded();
    const { ledger } = await runCycle(system, bound, all);
    expect(ledger.files[SETTINGS]?.mode).toEqual({ prior: 0o644, set: 0o600 });
    const { plan } = await runCycle(system, unbound, {}, ledger);
    expect(plan.files.find((f) => f.file === SETTINGS)?.mode).toEqual({
      from: 0o600,
      to: 0o644,
      reason: "restore",
    });
    expect(await system.readFile(SETTINGS)).toBe('{\n  "theme": "dark"\n}\n');
    expect(await modeOf(system, SETTINGS)).toBe(0o644);
    expect(await modeOf(system, AUTH)).toBe(0o664);
    expect(await modeOf(system, OPENCODE)).toBe(0o755);
  });

  it("a mode the user changed after neuradock set it is theirs: not given back", async () => {
    const system = seeded();
    const { ledger } = await runCycle(system, bound, all);
    await system.chmod(SETTINGS, 0o400);
    const { plan } = await runCycle(system, unbound, {}, ledger);
    expect(plan.files.find((f) => f.file === SETTINGS)?.mode).toBeUndefined();
    expect(await modeOf(system, SETTINGS)).toBe(0o400);
  });

  it("a file neuradock creates is 0600 from the start (no note needed)", async () => {
    const system = createMemorySystem();
    const { plan } = await runCycle(system, bound, all);
    expect(plan.files.filter((f) => f.mode)).toEqual([]);
    expect(await modeOf(system, SETTINGS)).toBe(0o600);
    expect(await modeOf(system, AUTH)).toBe(0o600);
  });

  it("a hand-edited saved plan cannot loosen a file by calling it a tightening", async () => {
    const system = seeded();
    const plan = await planOnly(system, bound, all);
    const text = serializePlanFile(plan).replace('"to": 384', '"to": 511');
    expect(text).toContain('"to": 511');
    expect(() => parsePlanFile(text)).toThrow(/damaged: files/);
  });
});

describe("a target inside a git work tree", () => {
  const DOTFILES = "/home/u/dotfiles";
  const warningsOf = (plan: Awaited<ReturnType<typeof planOnly>>) =>
    plan.warnings.filter((w) => w.code === "git-work-tree").map((w) => w.message);

  it("warns when settings.json links into a repository (a .git folder), naming both", async () => {
    const system = createMemorySystem({
      [`${DOTFILES}/.git`]: { kind: "dir" },
      [`${DOTFILES}/claude/settings.json`]: { content: "{}\n", mode: 0o600 },
      "/home/u/.claude": { kind: "symlink", target: `${DOTFILES}/claude` },
    });
    const plan = await planOnly(system, bound, all);
    const [message, ...more] = warningsOf(plan);
    expect(more).toEqual([]);
    expect(message).toContain(SETTINGS);
    expect(message).toContain(`it is ${DOTFILES}/claude/settings.json`);
    expect(message).toContain(`inside the git work tree ${DOTFILES}:`);
    // Not an error: the plan goes on, and the JSON carries it.
    expect(plan.files.find((f) => f.file === SETTINGS)?.changes.length).toBeGreaterThan(0);
    expect(
      renderPlanJson(plan, { showSecrets: false }).warnings.filter(
        (w) => w.code === "git-work-tree",
      ),
    ).toHaveLength(1);
  });

  it("a file that does not exist yet, in a linked folder; `.git` as a file (a worktree)", async () => {
    const system = createMemorySystem({
      [`${DOTFILES}/.git`]: { content: "gitdir: /elsewhere/.git/worktrees/x\n" },
      [`${DOTFILES}/codex`]: { kind: "dir" },
      "/home/u/.codex": { kind: "symlink", target: `${DOTFILES}/codex` },
    });
    const plan = await planOnly(system, bound, all);
    const messages = warningsOf(plan);
    // auth.json holds the key; config.toml holds none and is not named.
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain(
      `${AUTH} (through a symbolic link, it is ${DOTFILES}/codex/auth.json)`,
    );
  });

  it("a home that is itself a repository; no warning for an unbound tool or outside repositories", async () => {
    const inHome = createMemorySystem({ "/home/u/.git": { kind: "dir" } });
    const plan = await planOnly(inHome, makeConfig({ codex: makeBinding("codex") }), all);
    expect(warningsOf(plan)).toEqual([
      expect.stringContaining("inside the git work tree /home/u:"),
    ]);
    const outside = createMemorySystem({ "/srv/repo/.git": { kind: "dir" } });
    expect(warningsOf(await planOnly(outside, bound, all))).toEqual([]);
  });
});

describe("a saved plan's mode change is checked before anything is written", () => {
  it("a restore to a mode the ledger does not remember is refused", async () => {
    const system = seeded();
    const { ledger } = await runCycle(system, bound, all);
    const plan = await planOnly(system, unbound, {}, ledger);
    const text = serializePlanFile(plan).replace('"to": 420', '"to": 511');
    expect(text).toContain('"to": 511');
    const tampered = parsePlanFile(text);
    const before = system.snapshot();
    await expect(applyPlan(tampered, { system, stateDir: STATE_DIR })).rejects.toThrow(
      /not the mode the ledger says it had/,
    );
    expect(system.snapshot()).toEqual(before);
  });
});

describe("a mode loosened by hand while bound", () => {
  it("is tightened again, and is the mode a release gives back", async () => {
    const system = seeded();
    const first = await runCycle(system, bound, all);
    await system.chmod(SETTINGS, 0o664);
    const second = await runCycle(system, bound, all, first.ledger);
    expect(second.ledger.files[SETTINGS]?.mode).toEqual({ prior: 0o664, set: 0o600 });
    expect(await modeOf(system, SETTINGS)).toBe(0o600);
    await runCycle(system, unbound, {}, second.ledger);
    expect(await modeOf(system, SETTINGS)).toBe(0o664);
  });
});
