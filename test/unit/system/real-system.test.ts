import {
  chmod,
  chown,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TargetError } from "../../../src/errors.js";
import { createRealSystem } from "../../../src/system/real-system.js";
import { itAsRoot } from "../../support/as-root.js";

let dir: string;
const system = createRealSystem();

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "nd-real-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const mode = async (p: string) => (await stat(p)).mode & 0o7777;

describe("createRealSystem", () => {
  it("a file where a folder of the path must be made is named as such, not 'file system error'", async () => {
    await writeFile(join(dir, ".qwen"), "not a folder\n");
    for (const target of [join(dir, ".qwen", "settings.json"), join(dir, ".qwen", "a", "b.json")]) {
      const err = await system.writeFileAtomic(target, "{}\n").then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(err).toBeInstanceOf(TargetError);
      expect(err?.message).toMatch(
        /cannot create its directory: a file is in the way of a folder on its path \((EEXIST|ENOTDIR)\)/,
      );
    }
    expect(await readFile(join(dir, ".qwen"), "utf8")).toBe("not a folder\n");
  });

  it("reads null for a missing file and the text for a present one", async () => {
    expect(await system.readFile(join(dir, "nope.json"))).toBeNull();
    await writeFile(join(dir, "a.json"), "{}\n");
    expect(await system.readFile(join(dir, "a.json"))).toBe("{}\n");
  });

  it("creates a new file 0600 and its missing directories 0700", async () => {
    const target = join(dir, "home", ".codex", "auth.json");
    await system.writeFileAtomic(target, '{"a":1}\n', { mode: 0o600, dirMode: 0o700 });
    expect(await readFile(target, "utf8")).toBe('{"a":1}\n');
    expect(await mode(target)).toBe(0o600);
    expect(await mode(join(dir, "home"))).toBe(0o700);
    expect(await mode(join(dir, "home", ".codex"))).toBe(0o700);
  });

  it("keeps the mode of an existing file", async () => {
    const target = join(dir, "settings.json");
    await writeFile(target, "{}");
    await chmod(target, 0o640);
    await system.writeFileAtomic(target, '{"x":1}', { mode: 0o600 });
    expect((await stat(target)).mode & 0o7777).toBe(0o640);
    expect(await readFile(target, "utf8")).toBe('{"x":1}');
  });

  itAsRoot("keeps the owner of an existing file (another user's)", async () => {
    const target = join(dir, "settings.json");
    await writeFile(target, "{}");
    await chown(target, 1234, 2345);
    await system.writeFileAtomic(target, '{"x":1}', { mode: 0o600 });
    const s = await stat(target);
    expect([s.uid, s.gid]).toEqual([1234, 2345]);
    expect(await readFile(target, "utf8")).toBe('{"x":1}');
  });

  it("a secret write keeps the owner but drops group/other bits of an existing file", async () => {
    const target = join(dir, "auth.json");
    await writeFile(target, "{}");
    await chmod(target, 0o664);
    await system.writeFileAtomic(target, '{"OPENAI_API_KEY":"k"}', { mode: 0o600, secret: true });
    expect((await stat(target)).mode & 0o7777).toBe(0o600);
  });

  it("writes through a symlink: the link stays a link and the real file changes", async () => {
    const repo = join(dir, "dotfiles");
    await mkdir(repo);
    const real = join(repo, "settings.json");
    await writeFile(real, "old");
    await chmod(real, 0o644);
    const claude = join(dir, ".claude");
    await mkdir(claude);
    const link = join(claude, "settings.json");
    await symlink("../dotfiles/settings.json", link);

    await system.writeFileAtomic(link, "new");

    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe("../dotfiles/settings.json");
    expect(await readFile(real, "utf8")).toBe("new");
    expect(await mode(real)).toBe(0o644);
    // no temp file left beside the link or the real file
    expect(await readdir(claude)).toEqual(["settings.json"]);
    expect(await readdir(repo)).toEqual(["settings.json"]);
  });

  it("refuses a dangling symlink with a clear TargetError and creates nothing", async () => {
    const link = join(dir, "settings.json");
    await symlink(join(dir, "missing", "settings.json"), link);
    const err = await system.writeFileAtomic(link, "x").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetError);
    expect((err as Error).message).toMatch(/dangling/);
    expect(await readdir(dir)).toEqual(["settings.json"]);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
  });

  it("refuses a directory where a file should be", async () => {
    const target = join(dir, "config.toml");
    await mkdir(target);
    const err = await system.writeFileAtomic(target, "x").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetError);
    expect((err as Error).message).toContain("is a directory");
    expect(await readdir(target)).toEqual([]);
  });

  it("reading a directory is a TargetError, not a crash", async () => {
    await mkdir(join(dir, "d"));
    await expect(system.readFile(join(dir, "d"))).rejects.toBeInstanceOf(TargetError);
  });

  it("creates a file exclusively once", async () => {
    const lock = join(dir, "state", "apply.lock");
    expect(await system.createExclusive(lock, "1")).toBe(true);
    expect(await system.createExclusive(lock, "2")).toBe(false);
    expect(await readFile(lock, "utf8")).toBe("1");
    expect(await mode(lock)).toBe(0o600);
  });

  it("reports kinds through lstat and stat, and removes files idempotently", async () => {
    const real = join(dir, "r");
    await writeFile(real, "abc");
    await symlink(real, join(dir, "l"));
    expect((await system.lstat(join(dir, "l")))?.kind).toBe("symlink");
    expect((await system.stat(join(dir, "l")))?.kind).toBe("file");
    expect((await system.stat(join(dir, "l")))?.size).toBe(3);
    expect(await system.stat(join(dir, "none"))).toBeNull();
    await system.removeFile(real);
    await system.removeFile(real);
    expect(await system.stat(join(dir, "l"))).toBeNull();
    expect(await system.readdir(join(dir, "absent"))).toEqual([]);
  });
});
