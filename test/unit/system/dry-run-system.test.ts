import { describe, expect, it } from "vitest";
import { createDryRunSystem } from "../../support/dry-run-system.js";
import { createMemorySystem } from "../../support/memory-system.js";

describe("createDryRunSystem", () => {
  it("reads the base, writes nowhere, records and overlays what it would write", async () => {
    const base = createMemorySystem({ "/h/a": "old", "/h/b": "keep" });
    const before = base.snapshot();
    const dry = createDryRunSystem(base);
    expect(await dry.readFile("/h/a")).toBe("old");
    await dry.writeFileAtomic("/h/a", "new", { mode: 0o600 });
    await dry.writeFileAtomic("/h/c", "created");
    await dry.removeFile("/h/b");
    expect(await dry.createExclusive("/h/c", "x")).toBe(false);
    expect(await dry.createExclusive("/h/lock", "x")).toBe(true);

    expect(base.snapshot()).toEqual(before);
    expect(base.log).toEqual([]);
    expect(await dry.readFile("/h/a")).toBe("new");
    expect(await dry.readFile("/h/b")).toBeNull();
    expect(await dry.stat("/h/b")).toBeNull();
    expect((await dry.stat("/h/c"))?.kind).toBe("file");
    expect(await dry.readdir("/h")).toEqual(["a", "c", "lock"]);
    expect(dry.actions.map((a) => `${a.op} ${a.path}`)).toEqual([
      "write /h/a",
      "write /h/c",
      "remove /h/b",
      "create /h/lock",
    ]);
  });
});
