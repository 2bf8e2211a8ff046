import { describe, expect, it } from "vitest";
import { parseYamlSource } from "../../../src/config/yaml-source.js";

const CYCLE = "an alias refers to a node that contains it (a cycle)";

describe("parseYamlSource and cyclic aliases", () => {
  it.each([
    ["an alias to its own mapping", "version: 1\naccounts: &a\n  a: *a\n", 3, 6],
    ["an alias two levels down", "version: 1\nx: &x\n  b: &y\n    - c: *x\n", 4, 10],
    ["an alias to an enclosing sequence", "version: 1\nx: &s [1, [2, *s]]\n", 2, 15],
    ["an alias used as a key of its own mapping", "version: 1\nx: &m { ? *m : 1 }\n", 2, 11],
    ["a cycle reached through another alias", "version: 1\nx: &r\n  p: &b [*r]\n  q: *b\n", 3, 10],
  ])("%s is a positioned problem, not a crash", (_name, text, line, col) => {
    const src = parseYamlSource(text);
    expect(src.problems).toEqual([{ line, col, message: CYCLE }]);
    expect(src.data).toBeUndefined();
  });

  it("the same anchor used many times, without a cycle, is fine", () => {
    const src = parseYamlSource("version: 1\nx: &v [1, 2]\ny: [*v, *v, { z: *v }]\n");
    expect(src.problems).toEqual([]);
    expect(src.data).toEqual({ version: 1, x: [1, 2], y: [[1, 2], [1, 2], { z: [1, 2] }] });
  });

  it("a wide alias bomb is still reported as one (stopped after 100 expansions)", () => {
    const levels = ["x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
    for (let i = 1; i < 12; i++) {
      levels.push(
        `x${i}: &a${i} [${Array(9)
          .fill(`*a${i - 1}`)
          .join(", ")}]`,
      );
    }
    const src = parseYamlSource(`version: 1\n${levels.join("\n")}\n`);
    expect(src.problems.map((p) => p.message)).toEqual([
      "too many alias expansions (more than 100); refusing a possible alias bomb",
    ]);
  });
});
