import { describe, expect, it } from "vitest";
import { hashValue } from "../../../src/plan/hash.js";
import { mergeLedger, parseLedger, readLedger, serializeLedger } from "../../../src/plan/ledger.js";
import type { Ledger } from "../../../src/plan/types.js";
import { createMemorySystem } from "../../support/memory-system.js";
import { KEY_A, makeBinding, makeConfig, makeToken, runCycle, SETTINGS } from "./support.js";

describe("ledger", () => {
  it("is empty when the state dir has none", async () => {
    expect(await readLedger(createMemorySystem({}), "/state")).toEqual({ version: 1, files: {} });
  });

  it("a damaged ledger is a clear error", async () => {
    const system = createMemorySystem({ "/state/ledger.json": "{oops" });
    await expect(readLedger(system, "/state")).rejects.toThrow(
      /\/state\/ledger\.json: the ledger is unreadable/,
    );
    expect(() => parseLedger('{"version":2,"files":{}}')).toThrow(/unknown format/);
  });

  it("hashes canonically: key order does not matter, values do", () => {
    expect(hashValue({ a: 1, b: 2 })).toBe(hashValue({ b: 2, a: 1 }));
    expect(hashValue("x")).not.toBe(hashValue("y"));
    expect(hashValue(null)).not.toBe(hashValue(undefined));
  });

  it("stores hashes of written tokens, never the tokens", async () => {
    const system = createMemorySystem({});
    const { ledger } = await runCycle(
      system,
      makeConfig({ "claude-code": makeBinding("claude-code") }),
      { "claude-code": makeToken(KEY_A) },
    );
    const text = serializeLedger(ledger);
    expect(text).not.toContain(KEY_A);
    expect(parseLedger(text)).toEqual(ledger);
    expect(ledger.files[SETTINGS]?.createdFile).toBe(true);
    expect(ledger.files[SETTINGS]?.createdContainers).toEqual(["env"]);
  });

  it("merge replaces and drops per file, keeps the rest", () => {
    const entry = { tool: "codex" as const, createdFile: false, createdContainers: [], paths: {} };
    const old: Ledger = { version: 1, files: { "/a": entry, "/b": entry } };
    const merged = mergeLedger(old, { "/a": null, "/c": { ...entry, createdFile: true } });
    expect(Object.keys(merged.files).sort()).toEqual(["/b", "/c"]);
    expect(merged.files["/c"]?.createdFile).toBe(true);
  });
});
