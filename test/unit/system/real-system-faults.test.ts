import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TargetError } from "../../../src/errors.js";

// Running as root defeats chmod-based EACCES tests, so faults are injected into node:fs.
const faults = vi.hoisted(() => ({
  rename: undefined as string | undefined,
  write: undefined as string | undefined,
}));

vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs/promises")>();
  const errno = (code: string) => Object.assign(new Error(code), { code });
  return {
    ...real,
    rename: async (from: string, to: string) => {
      if (faults.rename) throw errno(faults.rename);
      return real.rename(from, to);
    },
    open: async (...args: Parameters<typeof real.open>) => {
      const handle = await real.open(...args);
      if (faults.write && String(args[0]).endsWith(".tmp")) {
        const code = faults.write;
        return new Proxy(handle, {
          get(target, prop) {
            if (prop === "writeFile")
              return async () => {
                throw errno(code);
              };
            const v = Reflect.get(target, prop);
            return typeof v === "function" ? v.bind(target) : v;
          },
        });
      }
      return handle;
    },
  };
});

const { createRealSystem } = await import("../../../src/system/real-system.js");

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "nd-faults-"));
  faults.rename = undefined;
  faults.write = undefined;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("real writeFileAtomic under faults", () => {
  for (const code of ["ENOSPC", "EACCES", "EROFS"]) {
    it(`${code} while writing: clear error, file unchanged, temp removed`, async () => {
      const target = join(dir, "auth.json");
      await writeFile(target, "old");
      faults.write = code;
      const err = await createRealSystem()
        .writeFileAtomic(target, "new")
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TargetError);
      expect((err as Error).message).toContain(code);
      expect((err as Error).message).toContain(target);
      expect(await readFile(target, "utf8")).toBe("old");
      expect(await readdir(dir)).toEqual(["auth.json"]);
    });
  }

  it("rename failure: file unchanged, temp removed", async () => {
    const target = join(dir, "config.toml");
    await writeFile(target, "old");
    faults.rename = "EXDEV";
    await expect(createRealSystem().writeFileAtomic(target, "new")).rejects.toBeInstanceOf(
      TargetError,
    );
    expect(await readFile(target, "utf8")).toBe("old");
    expect(await readdir(dir)).toEqual(["config.toml"]);
  });
});
