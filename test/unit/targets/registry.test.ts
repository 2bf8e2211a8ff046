import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TOOLS } from "../../../src/config/types.js";
import {
  ADAPTERS,
  TOOL_ADAPTERS,
  targetAdapter,
  toolOfTarget,
} from "../../../src/targets/adapters.js";
import { locateTargets } from "../../../src/targets/locate.js";

describe("the tool registry", () => {
  it("has one adapter per tool id, each owning its files", () => {
    expect(Object.keys(TOOL_ADAPTERS).sort()).toEqual([...TOOLS].sort());
    for (const tool of TOOLS) {
      expect(TOOL_ADAPTERS[tool].id).toBe(tool);
      expect(TOOL_ADAPTERS[tool].files.length).toBeGreaterThan(0);
      for (const f of TOOL_ADAPTERS[tool].files) expect(toolOfTarget(f.id)?.id).toBe(tool);
    }
  });

  it("gives every file a unique id and a unique location", () => {
    const ids = Object.values(TOOL_ADAPTERS).flatMap((t) => t.files.map((f) => f.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(Object.keys(ADAPTERS).sort()).toEqual([...ids].sort());
    const paths = Object.values(locateTargets({ HOME: "/h" }, "linux")).map((t) => t.path);
    expect(new Set(paths).size).toBe(paths.length);
  });

  it("knows no target by an inherited or made-up name", () => {
    expect(targetAdapter("toString")).toBeUndefined();
    expect(targetAdapter("__proto__")).toBeUndefined();
    expect(targetAdapter("nope")).toBeUndefined();
  });

  it("the schema lists exactly the registered tools under bindings", () => {
    const schema = JSON.parse(readFileSync("schema/neuradock.schema.json", "utf8")) as {
      properties: { bindings: { properties: Record<string, unknown> } };
    };
    expect(Object.keys(schema.properties.bindings.properties).sort()).toEqual([...TOOLS].sort());
  });
});
