import { describe, expect, it } from "vitest";
import { backupFile, backupPrefix, listBackups } from "../../../src/apply/backup.js";
import { createMemorySystem } from "../../support/memory-system.js";

const STATE = "/state";
const FILE = "/h/.codex/config.toml";

describe("backupFile", () => {
  it("writes a timestamped 0600 copy in a 0700 backups dir", async () => {
    const sys = createMemorySystem();
    const path = await backupFile(sys, STATE, FILE, "v1", new Date("2026-03-04T05:06:07.089Z"));
    expect(path).toBe(`${STATE}/backups/${backupPrefix(FILE)}2026-03-04T05-06-07.089Z-000.bak`);
    expect(path).toMatch(/\/backups\/config\.toml\.[0-9a-f]{8}\./);
    const snap = sys.snapshot();
    expect(snap[path]).toMatchObject({ kind: "file", content: "v1", mode: 0o600 });
    expect(snap[`${STATE}/backups`]).toEqual({ kind: "dir", mode: 0o700 });
  });

  it("keeps the newest 10 per file, oldest dropped, other files untouched", async () => {
    const sys = createMemorySystem();
    const other = "/h/.claude/settings.json";
    await backupFile(sys, STATE, other, "other", new Date(Date.UTC(2026, 0, 1)));
    for (let i = 0; i < 13; i++) {
      await backupFile(sys, STATE, FILE, `v${i}`, new Date(Date.UTC(2026, 0, 1, 0, 0, i)));
    }
    const kept = await listBackups(sys, STATE, FILE);
    expect(kept).toHaveLength(10);
    const contents = await Promise.all(kept.map((p) => sys.readFile(p)));
    expect(contents).toEqual(["v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11", "v12"]);
    expect(await listBackups(sys, STATE, other)).toHaveLength(1);
  });

  it("two backups in the same millisecond both survive, in order", async () => {
    const sys = createMemorySystem();
    const t = new Date("2026-03-04T05:06:07.089Z");
    const a = await backupFile(sys, STATE, FILE, "first", t);
    const b = await backupFile(sys, STATE, FILE, "second", t);
    expect(a).not.toBe(b);
    expect(await listBackups(sys, STATE, FILE)).toEqual([a, b]);
  });

  it("files with the same name in different directories rotate separately", () => {
    expect(backupPrefix("/a/config.toml")).not.toBe(backupPrefix("/b/config.toml"));
  });
});
