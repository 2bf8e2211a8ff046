import { chmod, mkdir, mkdtemp, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { TargetError } from "../../../src/errors.js";
import { createRealSystem } from "../../../src/system/real-system.js";
import type { System } from "../../../src/system/types.js";
import { createMemorySystem, type MemoryEntry } from "../../support/memory-system.js";

/**
 * One contract, two Systems: whatever the in-memory double does (the unit and fuzz suites
 * trust it), the real disk must do too, and the other way round.
 */
interface Fixture {
  system: System;
  /** Absolute path of `rel` inside the fixture's root. */
  at(rel: string): string;
}

type Seed = Record<string, MemoryEntry>;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0)) await clean();
});

async function memoryFixture(seed: Seed): Promise<Fixture> {
  const root = "/root/home";
  const at = (rel: string) => (rel === "" ? root : `${root}/${rel}`);
  const files: Seed = {};
  for (const [rel, entry] of Object.entries(seed)) files[at(rel)] = entry;
  if (Object.keys(files).length === 0) files[root] = { kind: "dir" };
  return { system: createMemorySystem(files), at };
}

async function realFixture(seed: Seed): Promise<Fixture> {
  // realpath: on some systems the temp folder itself sits behind a link.
  const root = await realpath(await mkdtemp(join(tmpdir(), "nd-contract-")));
  cleanups.push(async () => {
    await chmod(root, 0o700).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  });
  const at = (rel: string) => (rel === "" ? root : join(root, rel));
  for (const [rel, entry] of Object.entries(seed)) {
    const path = at(rel);
    await mkdir(dirname(path), { recursive: true });
    if (typeof entry === "string") {
      await writeFile(path, entry);
      await chmod(path, 0o644);
    } else if (entry.kind === "symlink") {
      await symlink(entry.target, path);
    } else if (entry.kind === "dir") {
      await mkdir(path, { recursive: true });
      await chmod(path, entry.mode ?? 0o755);
    } else {
      await writeFile(path, entry.content);
      await chmod(path, entry.mode ?? 0o644);
    }
  }
  return { system: createRealSystem(), at };
}

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

describe.each([
  ["memory", memoryFixture],
  ["real", realFixture],
])("the %s System", (_name, make) => {
  it("reads text, null for an absent file or a path through a file, and refuses a directory", async () => {
    const { system, at } = await make({ "a.json": "{}\n", d: { kind: "dir" } });
    expect(await system.readFile(at("a.json"))).toBe("{}\n");
    expect(await system.readFile(at("missing.json"))).toBeNull();
    expect(await system.readFile(at("a.json/below"))).toBeNull();
    await expect(system.readFile(at("d"))).rejects.toBeInstanceOf(TargetError);
  });

  it("creates a file with the given mode and its missing directories with dirMode", async () => {
    const { system, at } = await make({});
    await system.writeFileAtomic(at("x/y/auth.json"), "{}", { mode: 0o600, dirMode: 0o700 });
    expect(await system.readFile(at("x/y/auth.json"))).toBe("{}");
    expect(await system.stat(at("x/y/auth.json"))).toMatchObject({
      kind: "file",
      mode: 0o600,
      size: 2,
    });
    expect(await system.stat(at("x"))).toMatchObject({ kind: "directory", mode: 0o700 });
    // no temp file left behind
    expect(await system.readdir(at("x/y"))).toEqual(["auth.json"]);
  });

  it("an existing file keeps its mode; a secret write drops group and other bits", async () => {
    const { system, at } = await make({
      "keep.json": { content: "1", mode: 0o640 },
      "auth.json": { content: "1", mode: 0o664 },
    });
    await system.writeFileAtomic(at("keep.json"), "2", { mode: 0o600 });
    await system.writeFileAtomic(at("auth.json"), "2", { mode: 0o600, secret: true });
    expect((await system.stat(at("keep.json")))?.mode).toBe(0o640);
    expect((await system.stat(at("auth.json")))?.mode).toBe(0o600);
    expect(await system.readFile(at("keep.json"))).toBe("2");
  });

  it("writes through a relative symlink chain and keeps the links", async () => {
    const { system, at } = await make({
      "dot/settings.json": { content: "old", mode: 0o644 },
      "dot/link2": { kind: "symlink", target: "settings.json" },
      ".claude/settings.json": { kind: "symlink", target: "../dot/link2" },
    });
    const link = at(".claude/settings.json");
    expect(await system.realpath(link)).toBe(at("dot/settings.json"));
    expect((await system.lstat(link))?.kind).toBe("symlink");
    expect((await system.stat(link))?.kind).toBe("file");
    expect(await system.readFile(link)).toBe("old");
    await system.writeFileAtomic(link, "new");
    expect((await system.lstat(link))?.kind).toBe("symlink");
    expect(await system.readFile(at("dot/settings.json"))).toBe("new");
    expect((await system.stat(at("dot/settings.json")))?.mode).toBe(0o644);
    expect(await system.readdir(at(".claude"))).toEqual(["settings.json"]);
    expect(await system.readdir(at("dot"))).toEqual(["link2", "settings.json"]);
  });

  it("refuses a dangling link and a directory, creating nothing", async () => {
    const { system, at } = await make({
      link: { kind: "symlink", target: "nowhere/x" },
      dir: { kind: "dir" },
    });
    const dangling = await system.writeFileAtomic(at("link"), "x").catch((e: unknown) => e);
    expect(dangling).toBeInstanceOf(TargetError);
    expect((dangling as Error).message).toMatch(/dangling/);
    const dir = await system.writeFileAtomic(at("dir"), "x").catch((e: unknown) => e);
    expect(dir).toBeInstanceOf(TargetError);
    expect((dir as Error).message).toContain("is a directory");
    expect(await system.readdir(at(""))).toEqual(["dir", "link"]);
    expect(await system.readdir(at("dir"))).toEqual([]);
    expect(await system.stat(at("link"))).toBeNull();
    expect((await system.lstat(at("link")))?.kind).toBe("symlink");
  });

  it("a symlink loop is an error naming ELOOP, not a hang", async () => {
    const { system, at } = await make({
      a: { kind: "symlink", target: "b" },
      b: { kind: "symlink", target: "a" },
    });
    await expect(system.writeFileAtomic(at("a"), "x")).rejects.toThrow(/ELOOP/);
    await expect(system.readFile(at("a"))).rejects.toThrow(/ELOOP/);
  });

  it("removes a file idempotently; lstat, stat and readdir see absent paths as absent", async () => {
    const { system, at } = await make({ "r.json": "abc" });
    await system.removeFile(at("r.json"));
    await system.removeFile(at("r.json"));
    expect(await system.readFile(at("r.json"))).toBeNull();
    expect(await system.lstat(at("r.json"))).toBeNull();
    expect(await system.stat(at("r.json"))).toBeNull();
    expect(await system.readdir(at("absent"))).toEqual([]);
    await expect(system.removeFile(at(""))).rejects.toBeInstanceOf(TargetError);
  });

  it("mkdirp creates nested directories with the mode and accepts existing ones", async () => {
    const { system, at } = await make({});
    await system.mkdirp(at("s/backups"), 0o700);
    await system.mkdirp(at("s/backups"), 0o700);
    expect(await system.stat(at("s/backups"))).toMatchObject({ kind: "directory", mode: 0o700 });
  });

  it("chmod sets the mode of a file and of a directory; an absent path is a TargetError", async () => {
    const { system, at } = await make({
      "f.json": { content: "x", mode: 0o644 },
      d: { kind: "dir" },
    });
    await system.chmod(at("f.json"), 0o600);
    await system.chmod(at("d"), 0o700);
    expect((await system.stat(at("f.json")))?.mode).toBe(0o600);
    expect((await system.stat(at("d")))?.mode).toBe(0o700);
    await expect(system.chmod(at("absent"), 0o600)).rejects.toBeInstanceOf(TargetError);
  });

  it("createExclusive creates once, 0600 by default", async () => {
    const { system, at } = await make({});
    expect(await system.createExclusive(at("state/apply.lock"), "a")).toBe(true);
    expect(await system.createExclusive(at("state/apply.lock"), "b")).toBe(false);
    expect(await system.readFile(at("state/apply.lock"))).toBe("a");
    expect((await system.stat(at("state/apply.lock")))?.mode).toBe(0o600);
  });

  it.skipIf(isRoot)("a read-only directory refuses writes with EACCES", async () => {
    const { system, at } = await make({ "ro/f": "1", ro: { kind: "dir", mode: 0o555 } });
    await expect(system.writeFileAtomic(at("ro/f"), "2")).rejects.toThrow(/EACCES/);
    await expect(system.removeFile(at("ro/f"))).rejects.toThrow(/EACCES/);
    expect(await system.readFile(at("ro/f"))).toBe("1");
  });
});
