import { describe, expect, it } from "vitest";
import { cloneAlong, deleteAtPath, getAtPath, setAtPath } from "../../../src/targets/doc-path.js";
import type { JsonObject } from "../../../src/targets/types.js";

describe("cloneAlong", () => {
  it("lets the plan's simulation change the owned paths and never the document it read", () => {
    const doc = JSON.parse(
      '{"env":{"A":"1","__proto__":"p"},"big":{"list":[1,2]},"qwen":{"openai":[{"envKey":"K","v":1},{"envKey":"L"}]}}',
    ) as JsonObject;
    const before = JSON.stringify(doc);
    const paths = [
      ["env", "A"],
      ["env", "B"],
      ["qwen", "openai", "[envKey=K]", "v"],
      ["new", "x"],
    ];
    const copy = cloneAlong(doc, paths);
    deleteAtPath(copy, ["env", "A"]);
    setAtPath(copy, ["env", "B"], "2");
    setAtPath(copy, ["qwen", "openai", "[envKey=K]", "v"], 2);
    setAtPath(copy, ["new", "x"], true);
    expect(JSON.stringify(doc)).toBe(before);
    expect(getAtPath(copy, ["env", "B"])).toBe("2");
    expect(getAtPath(copy, ["env", "A"])).toBeUndefined();
    expect(Object.hasOwn(getAtPath(copy, ["env"]) as object, "__proto__")).toBe(true);
    expect(getAtPath(copy, ["qwen", "openai", "[envKey=K]", "v"])).toBe(2);
    expect(getAtPath(copy, ["qwen", "openai", "[envKey=L]"])).toBe(
      getAtPath(doc, ["qwen", "openai", "[envKey=L]"]),
    );
    // Off the paths: the very same objects, not copies.
    expect(copy.big).toBe(doc.big);
  });
});
