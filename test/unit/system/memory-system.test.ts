import { describe, expect, it } from "vitest";
import { TargetError } from "../../../src/errors.js";
import { createMemorySystem } from "../../support/memory-system.js";

describe("createMemorySystem", () => {
  it("seeds files and reads them back; absent is null", async () => {
    const sys = createMemorySystem({ "/h/.claude/settings.json": "{}" });
    expect(await sys.readFile("/h/.claude/settings.json")).toBe("{}");
    expect(await sys.readFile("/h/.codex/auth.json")).toBeNull();
    expect(await sys.readdir("/h")).toEqual([".claude"]);
  });

  it("new files get the given mode and new directories dirMode", async () => {
    const sys = createMemorySystem();
    await sys.writeFileAtomic("/h/.codex/auth.json", "{}", { mode: 0o600, dirMode: 0o700 });
    const snap = sys.snapshot();
    expect(snap["/h/.codex/auth.json"]).toMatchObject({ kind: "file", mode: 0o600 });
    expect(snap["/h/.codex"]).toEqual({ kind: "dir", mode: 0o700 });
  });

  it("existing files keep their mode", async () => {
    const sys = createMemorySystem({ "/a": { content: "x", mode: 0o644 } });
    await sys.writeFileAtomic("/a", "y", { mode: 0o600 });
    expect(await sys.stat("/a")).toMatchObject({ kind: "file", mode: 0o644 });
    expect(await sys.readFile("/a")).toBe("y");
  });

  it("writes through symlinks (relative and chained), keeping the links", async () => {
    const sys = createMemorySystem({
      "/dot/settings.json": { content: "old", mode: 0o640 },
      "/dot/link2": { kind: "symlink", target: "settings.json" },
      "/h/.claude/settings.json": { kind: "symlink", target: "/dot/link2" },
    });
    expect(await sys.realpath("/h/.claude/settings.json")).toBe("/dot/settings.json");
    await sys.writeFileAtomic("/h/.claude/settings.json", "new");
    const snap = sys.snapshot();
    expect(snap["/h/.claude/settings.json"]).toEqual({ kind: "symlink", target: "/dot/link2" });
    expect(snap["/dot/settings.json"]).toMatchObject({ content: "new", mode: 0o640 });
    expect((await sys.lstat("/h/.claude/settings.json"))?.kind).toBe("symlink");
    expect(sys.log).toEqual([{ op: "write", path: "/dot/settings.json" }]);
  });

  it("symlinked parent directories are followed", async () => {
    const sys = createMemorySystem({
      "/dot/codex": { kind: "dir" },
      "/h/.codex": { kind: "symlink", target: "/dot/codex" },
    });
    await sys.writeFileAtomic("/h/.codex/auth.json", "{}");
    expect(await sys.readFile("/dot/codex/auth.json")).toBe("{}");
  });

  it("a dangling link or a directory is a TargetError and changes nothing", async () => {
    const sys = createMemorySystem({
      "/h/link": { kind: "symlink", target: "/nowhere/x" },
      "/h/dir": { kind: "dir" },
    });
    const before = sys.snapshot();
    await expect(sys.writeFileAtomic("/h/link", "x")).rejects.toThrow(/dangling/);
    await expect(sys.writeFileAtomic("/h/dir", "x")).rejects.toThrow(/is a directory/);
    await expect(sys.readFile("/h/dir")).rejects.toBeInstanceOf(TargetError);
    expect(sys.snapshot()).toEqual(before);
  });

  it("a link loop is an error, not a hang", async () => {
    const sys = createMemorySystem({
      "/a": { kind: "symlink", target: "/b" },
      "/b": { kind: "symlink", target: "/a" },
    });
    await expect(sys.writeFileAtomic("/a", "x")).rejects.toThrow(/ELOOP/);
    await expect(sys.readFile("/a")).rejects.toThrow(/ELOOP/);
  });

  it("fails the Nth write with the given errno, leaving the file and no temp behind", async () => {
    const sys = createMemorySystem({ "/h/a": "1", "/h/b": "1" });
    sys.failOn({ op: "write", nth: 2, code: "ENOSPC" });
    await sys.writeFileAtomic("/h/a", "2");
    const err = await sys.writeFileAtomic("/h/b", "2").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetError);
    expect((err as Error).message).toMatch(
      /\/h\/b: cannot write: no space left on device \(ENOSPC\)/,
    );
    expect(await sys.readFile("/h/b")).toBe("1");
    expect(await sys.readdir("/h")).toEqual(["a", "b"]);
    // only the Nth fails
    await sys.writeFileAtomic("/h/b", "3");
    expect(await sys.readFile("/h/b")).toBe("3");
  });

  it("fails renames and removals on request, and honours read-only directories", async () => {
    const sys = createMemorySystem({
      "/h/a": "1",
      "/ro/f": "1",
      "/ro": { kind: "dir", mode: 0o555 },
    });
    sys.failOn({ op: "rename", code: "EXDEV" });
    await expect(sys.writeFileAtomic("/h/a", "2")).rejects.toThrow(/EXDEV/);
    expect(await sys.readFile("/h/a")).toBe("1");
    sys.failOn({ op: "remove", code: "EROFS", path: "/h/a" });
    await expect(sys.removeFile("/h/a")).rejects.toThrow(/read-only file system/);
    expect(await sys.readFile("/h/a")).toBe("1");
    await expect(sys.writeFileAtomic("/ro/f", "2")).rejects.toThrow(/EACCES/);
    sys.clearFaults();
    await sys.writeFileAtomic("/h/a", "2");
    await sys.removeFile("/h/a");
    await sys.removeFile("/h/a");
    expect(await sys.readFile("/h/a")).toBeNull();
  });

  it("mtimes change only on writes", async () => {
    const sys = createMemorySystem({ "/a": "1" });
    const t0 = (await sys.stat("/a"))?.mtimeMs;
    await sys.readFile("/a");
    expect((await sys.stat("/a"))?.mtimeMs).toBe(t0);
    await sys.writeFileAtomic("/a", "1");
    expect((await sys.stat("/a"))?.mtimeMs).toBeGreaterThan(t0 ?? 0);
  });

  it("createExclusive creates once", async () => {
    const sys = createMemorySystem();
    expect(await sys.createExclusive("/s/lock", "a")).toBe(true);
    expect(await sys.createExclusive("/s/lock", "b")).toBe(false);
    expect(await sys.readFile("/s/lock")).toBe("a");
  });
});

describe("temp file names", () => {
  it("recognises only writeFileAtomic's own temp files", async () => {
    const { isTempFile, isTempFileOf, tempNameFor } = await import(
      "../../../src/system/temp-files.js"
    );
    const name = tempNameFor("settings.json", "0123456789ab");
    expect(isTempFileOf(name, "settings.json")).toBe(true);
    expect(isTempFile(name)).toBe(true);
    expect(isTempFileOf(name, "auth.json")).toBe(false);
    expect(isTempFileOf(".settings.json.0123456789ab.tmp.bak", "settings.json")).toBe(false);
    expect(isTempFileOf(".settings.json.xyz.tmp", "settings.json")).toBe(false);
    expect(isTempFileOf("settings.json", "settings.json")).toBe(false);
    expect(isTempFile("notes.tmp")).toBe(false);
  });
});
