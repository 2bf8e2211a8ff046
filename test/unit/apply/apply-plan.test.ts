import { describe, expect, it } from "vitest";
import { applyPlan, checkPlanBasis, orderForWrite } from "../../../src/apply/apply-plan.js";
import { listBackups } from "../../../src/apply/backup.js";
import { StalePlanError, TargetError } from "../../../src/errors.js";
import { hashText } from "../../../src/plan/hash.js";
import type { Change, FilePlan, LedgerFile, Plan } from "../../../src/plan/types.js";
import type { TargetId } from "../../../src/targets/types.js";
import { createDryRunSystem } from "../../support/dry-run-system.js";
import { createMemorySystem, type MemorySystem } from "../../support/memory-system.js";

const STATE = "/state";
const SETTINGS = "/h/.claude/settings.json";
const AUTH = "/h/.codex/auth.json";
const CONFIG = "/h/.codex/config.toml";
const KEY = "sk-test-aaaaaaaaaaaaaaaaaaaa1234";
const NOW = () => new Date("2026-05-06T07:08:09.000Z");

const SETTINGS_TEXT = '{\n  "model": "opus",\n  "permissions": { "allow": [] }\n}\n';
const CONFIG_TEXT = '# my codex config\nmodel = "gpt-5"\n\n[features]\nweb = true\n';

function change(
  tool: Change["tool"],
  file: string,
  path: string[],
  action: Change["action"],
  after: Change["after"],
  reason: Change["reason"] = "bind",
): Change {
  return { tool, file, path, action, before: undefined, after, sensitive: false, reason };
}

function filePlan(
  target: TargetId,
  file: string,
  before: string | null,
  changes: Change[],
  extra: Partial<FilePlan> = {},
): FilePlan {
  return {
    tool: target === "claude-settings" ? "claude-code" : "codex",
    target,
    file,
    format: target === "codex-config" ? "toml" : "json",
    credential: true,
    basis: before === null ? null : hashText(before),
    changes,
    removeContainers: [],
    deleteFile: false,
    ...extra,
  };
}

const ledgerEntry = (tool: LedgerFile["tool"], createdFile: boolean): LedgerFile => ({
  tool,
  createdFile,
  createdContainers: [],
  paths: {},
});

function claudePlan(before: string | null): Plan {
  const file = filePlan("claude-settings", SETTINGS, before, [
    change("claude-code", SETTINGS, ["env", "ANTHROPIC_AUTH_TOKEN"], "create", KEY),
    change("claude-code", SETTINGS, ["env", "ANTHROPIC_BASE_URL"], "create", "https://relay.test"),
  ]);
  return {
    tools: ["claude-code"],
    files: [file],
    warnings: [],
    ledger: { [SETTINGS]: ledgerEntry("claude-code", before === null) },
  };
}

function codexPlan(auth: string | null, config: string | null): Plan {
  return {
    tools: ["codex"],
    files: [
      // config first on purpose: apply must still write the key first
      filePlan("codex-config", CONFIG, config, [
        change("codex", CONFIG, ["model_provider"], "create", "anyrouter"),
        change(
          "codex",
          CONFIG,
          ["model_providers", "anyrouter", "base_url"],
          "create",
          "https://relay.test/v1",
        ),
      ]),
      filePlan("codex-auth", AUTH, auth, [
        change("codex", AUTH, ["OPENAI_API_KEY"], "create", KEY),
      ]),
    ],
    warnings: [],
    ledger: {
      [AUTH]: ledgerEntry("codex", auth === null),
      [CONFIG]: ledgerEntry("codex", config === null),
    },
  };
}

const targetsOf = (sys: MemorySystem) =>
  Object.fromEntries(
    Object.entries(sys.snapshot()).filter(([p, e]) => p.startsWith("/h/") && e.kind === "file"),
  );

describe("applyPlan", () => {
  it("edits in place, backs up first, writes a 0600 ledger, and reports counts", async () => {
    const sys = createMemorySystem({ [SETTINGS]: { content: SETTINGS_TEXT, mode: 0o644 } });
    const result = await applyPlan(claudePlan(SETTINGS_TEXT), {
      system: sys,
      stateDir: STATE,
      now: NOW,
    });

    const text = (await sys.readFile(SETTINGS)) ?? "";
    const doc = JSON.parse(text);
    expect(doc.env).toEqual({
      ANTHROPIC_AUTH_TOKEN: KEY,
      ANTHROPIC_BASE_URL: "https://relay.test",
    });
    expect(doc.model).toBe("opus");
    expect((await sys.stat(SETTINGS))?.mode).toBe(0o644);
    expect(result.summary).toEqual({ create: 2, update: 0, delete: 0 });
    expect(result.files).toEqual([
      expect.objectContaining({ file: SETTINGS, outcome: "updated", backup: expect.any(String) }),
    ]);
    const backups = await listBackups(sys, STATE, SETTINGS);
    expect(backups).toHaveLength(1);
    expect(await sys.readFile(backups[0] as string)).toBe(SETTINGS_TEXT);
    expect((await sys.stat(`${STATE}/ledger.json`))?.mode).toBe(0o600);
    expect(
      JSON.parse((await sys.readFile(`${STATE}/ledger.json`)) ?? "{}").files[SETTINGS].tool,
    ).toBe("claude-code");
    expect(result.ledgerWritten).toBe(true);
    // the lock is gone afterwards
    expect(await sys.readFile(`${STATE}/apply.lock`)).toBeNull();
  });

  it("removes temp files left by a killed apply, and nothing else", async () => {
    const leftover = "/h/.claude/.settings.json.0123456789ab.tmp";
    const backupTemp = `${STATE}/backups/.settings.json.x.bak.ba9876543210.tmp`;
    const sys = createMemorySystem({
      [SETTINGS]: SETTINGS_TEXT,
      [leftover]: KEY,
      [backupTemp]: "old copy",
      "/h/.claude/.settings.json.swp": "editor",
    });
    await applyPlan(claudePlan(SETTINGS_TEXT), { system: sys, stateDir: STATE, now: NOW });
    expect(await sys.readFile(leftover)).toBeNull();
    expect(await sys.readFile(backupTemp)).toBeNull();
    expect(await sys.readFile("/h/.claude/.settings.json.swp")).toBe("editor");
  });

  it("a second apply of the same desired state writes nothing", async () => {
    const sys = createMemorySystem({ [SETTINGS]: SETTINGS_TEXT });
    await applyPlan(claudePlan(SETTINGS_TEXT), { system: sys, stateDir: STATE, now: NOW });
    const after = (await sys.readFile(SETTINGS)) as string;
    const snap = sys.snapshot();
    const writes = sys.log.filter((l) => l.op === "write").length;

    const result = await applyPlan(claudePlan(after), { system: sys, stateDir: STATE, now: NOW });
    expect(result.files[0]?.outcome).toBe("unchanged");
    expect(result.ledgerWritten).toBe(false);
    expect(sys.log.filter((l) => l.op === "write")).toHaveLength(writes);
    expect(sys.snapshot()).toEqual(snap); // mtimes included
  });

  it("refuses a stale plan before writing anything", async () => {
    const sys = createMemorySystem({ [SETTINGS]: SETTINGS_TEXT });
    const plan = claudePlan(SETTINGS_TEXT);
    await sys.writeFileAtomic(SETTINGS, `${SETTINGS_TEXT} `); // Claude Code rewrote it meanwhile
    const before = targetsOf(sys);
    const err = await applyPlan(plan, { system: sys, stateDir: STATE, now: NOW }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StalePlanError);
    expect((err as Error).message).toContain(
      `Saved plan is stale: ${SETTINGS} changed since the plan was made`,
    );
    expect(targetsOf(sys)).toEqual(before);
    expect(await sys.readdir(STATE)).toEqual([]);
  });

  it("a file that appeared since the plan (basis null) is stale too", async () => {
    const sys = createMemorySystem({ [AUTH]: "{}" });
    await expect(checkPlanBasis(codexPlan(null, null), sys)).rejects.toThrow(/auth\.json changed/);
  });

  it("writes the key before the pointer when binding Codex", async () => {
    const sys = createMemorySystem({ [CONFIG]: CONFIG_TEXT });
    const result = await applyPlan(codexPlan(null, CONFIG_TEXT), {
      system: sys,
      stateDir: STATE,
      now: NOW,
    });
    const order = sys.log.filter((l) => l.path.startsWith("/h/")).map((l) => l.path);
    expect(order).toEqual([AUTH, CONFIG]);
    expect((await sys.stat(AUTH))?.mode).toBe(0o600);
    expect((await sys.stat("/h/.codex"))?.mode).toBe(0o755); // existed already
    expect(result.files.map((f) => [f.file, f.outcome])).toEqual([
      [AUTH, "created"],
      [CONFIG, "updated"],
    ]);
    expect(await sys.readFile(CONFIG)).toContain("# my codex config");
  });

  it("removes the pointer before the key when releasing, and deletes created files", async () => {
    const sys = createMemorySystem({
      [AUTH]: `{"OPENAI_API_KEY":"${KEY}"}\n`,
      [CONFIG]: CONFIG_TEXT,
    });
    const auth = (await sys.readFile(AUTH)) as string;
    const plan: Plan = {
      tools: ["codex"],
      files: [
        filePlan(
          "codex-auth",
          AUTH,
          auth,
          [change("codex", AUTH, ["OPENAI_API_KEY"], "delete", undefined, "release")],
          { deleteFile: true },
        ),
        filePlan("codex-config", CONFIG, CONFIG_TEXT, [
          change("codex", CONFIG, ["model"], "delete", undefined, "release"),
        ]),
      ],
      warnings: [],
      ledger: { [AUTH]: null, [CONFIG]: null },
    };
    const result = await applyPlan(plan, { system: sys, stateDir: STATE, now: NOW });
    expect(sys.log.filter((l) => l.path.startsWith("/h/")).map((l) => `${l.op} ${l.path}`)).toEqual(
      [`write ${CONFIG}`, `remove ${AUTH}`],
    );
    expect(await sys.readFile(AUTH)).toBeNull();
    expect(result.summary).toEqual({ create: 0, update: 0, delete: 2 });
    expect(result.files.find((f) => f.file === AUTH)?.outcome).toBe("deleted");
  });

  it("orders files key-first per tool without mixing tools up", () => {
    const c = codexPlan(null, null).files;
    const s = claudePlan(null).files;
    expect(orderForWrite([...c, ...s]).map((f) => f.target)).toEqual([
      "codex-auth",
      "claude-settings",
      "codex-config",
    ]);
  });

  // Every single write of the run (backups, targets, ledger) fails in turn: the target
  // files and the ledger must always end up exactly as they were.
  for (const code of ["ENOSPC", "EACCES", "EROFS"]) {
    it(`fails the Nth write with ${code}: everything rolled back, for every N`, async () => {
      const seed = { [CONFIG]: { content: CONFIG_TEXT, mode: 0o640 }, [SETTINGS]: SETTINGS_TEXT };
      const plan: Plan = {
        tools: ["claude-code", "codex"],
        files: [...codexPlan(null, CONFIG_TEXT).files, ...claudePlan(SETTINGS_TEXT).files],
        warnings: [],
        ledger: { ...codexPlan(null, CONFIG_TEXT).ledger, ...claudePlan(SETTINGS_TEXT).ledger },
      };
      const probe = createMemorySystem(seed);
      await applyPlan(plan, { system: probe, stateDir: STATE, now: NOW });
      const totalWrites = probe.log.filter((l) => l.op === "write").length;
      expect(totalWrites).toBe(2 + 3 + 1); // 2 backups, 3 files, ledger

      for (let n = 1; n <= totalWrites; n++) {
        const sys = createMemorySystem(seed);
        const before = targetsOf(sys);
        sys.failOn({ op: "write", nth: n, code });
        const err = await applyPlan(plan, { system: sys, stateDir: STATE, now: NOW }).catch(
          (e: unknown) => e,
        );
        expect(err, `write #${n}`).toBeInstanceOf(TargetError);
        expect((err as Error).message).toContain(code);
        expect((err as Error).message).not.toContain(KEY);
        const after = targetsOf(sys);
        expect(Object.keys(after)).toEqual(Object.keys(before));
        for (const [p, e] of Object.entries(before)) {
          expect(after[p], `${p} after failing write #${n}`).toMatchObject({
            content: (e as { content: string }).content,
            mode: (e as { mode: number }).mode,
          });
        }
        expect(await sys.readFile(`${STATE}/ledger.json`)).toBeNull();
        expect(await sys.readFile(`${STATE}/apply.lock`)).toBeNull();
        // no temp file left anywhere
        expect(Object.keys(sys.snapshot()).filter((p) => p.endsWith(".tmp"))).toEqual([]);
      }
    });
  }

  it("a failed rename of a later file restores the earlier one and says so", async () => {
    const sys = createMemorySystem({ [CONFIG]: CONFIG_TEXT });
    sys.failOn({ op: "rename", code: "EBUSY", path: CONFIG });
    const err = await applyPlan(codexPlan(null, CONFIG_TEXT), {
      system: sys,
      stateDir: STATE,
      now: NOW,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetError);
    expect((err as Error).message).toMatch(
      /config\.toml: cannot write: .*EBUSY.*restored; nothing changed/,
    );
    expect(await sys.readFile(AUTH)).toBeNull();
    expect(await sys.readFile(CONFIG)).toBe(CONFIG_TEXT);
  });

  it("when a restore fails too, the error names the file and its backup", async () => {
    const authText = '{"auth_mode":"chatgpt"}\n';
    const sys = createMemorySystem({ [AUTH]: authText, [CONFIG]: CONFIG_TEXT });
    sys.failOn({ op: "write", code: "ENOSPC", path: CONFIG });
    sys.failOn({ op: "write", nth: 2, code: "EIO", path: AUTH }); // the restore
    const err = await applyPlan(codexPlan(authText, CONFIG_TEXT), {
      system: sys,
      stateDir: STATE,
      now: NOW,
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /could not restore \/h\/\.codex\/auth\.json: .*EIO.*backups\//,
    );
  });

  it("a directory where a target file should be is a clear error, nothing written", async () => {
    const sys = createMemorySystem({ [CONFIG]: CONFIG_TEXT, [AUTH]: { kind: "dir" } });
    await expect(checkPlanBasis(codexPlan(null, CONFIG_TEXT), sys)).rejects.toThrow(
      /is a directory/,
    );
    const err = await applyPlan(codexPlan(null, CONFIG_TEXT), {
      system: sys,
      stateDir: STATE,
      now: NOW,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetError);
    expect(await sys.readFile(CONFIG)).toBe(CONFIG_TEXT);
  });

  it("two concurrent applies are serialized: the second sees the first's result", async () => {
    const sys = createMemorySystem({ [SETTINGS]: SETTINGS_TEXT });
    const plan = claudePlan(SETTINGS_TEXT);
    const results = await Promise.allSettled([
      applyPlan(plan, { system: sys, stateDir: STATE, now: NOW, lock: { pollMs: 5 } }),
      applyPlan(plan, { system: sys, stateDir: STATE, now: NOW, lock: { pollMs: 5 } }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(StalePlanError);
    expect(sys.log.filter((l) => l.path === SETTINGS)).toHaveLength(1);
  });

  it("through the dry-run system nothing reaches the disk", async () => {
    const base = createMemorySystem({ [CONFIG]: CONFIG_TEXT });
    const dry = createDryRunSystem(base);
    const before = base.snapshot();
    await applyPlan(codexPlan(null, CONFIG_TEXT), { system: dry, stateDir: STATE, now: NOW });
    expect(base.snapshot()).toEqual(before);
    expect(dry.actions.filter((a) => a.op === "write").map((a) => a.path)).toEqual([
      expect.stringContaining("/state/backups/config.toml."),
      // The pending ledger goes first; here it already equals the final one.
      "/state/ledger.json",
      AUTH,
      CONFIG,
    ]);
  });
});
