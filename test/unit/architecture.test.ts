import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The layering, read from the source: src/ is config → model → targets → plan → render →
 * apply → commands (providers and system beside them), with no import cycle between folders
 * nor between files (type-only and dynamic imports count too), and every module in src/ is
 * reachable from the CLI entry (test doubles and fixtures belong in test/).
 */
const SRC = resolve("src");
const ENTRY = join(SRC, "cli.ts");

function listSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return listSources(path);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [path] : [];
  });
}

// `from "x"`, `import "x"`, `import("x")`, `export … from "x"`; comments are stripped first.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "");
  const out: string[] = [];
  for (const m of text.matchAll(SPECIFIER)) {
    const spec = m[1] as string;
    if (!spec.startsWith(".")) continue;
    out.push(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
  }
  return out;
}

const files = listSources(SRC);
const graph = new Map(files.map((f) => [f, importsOf(f)]));
const rel = (f: string) => relative(SRC, f);
/** A file's layer: its folder under src/, or the file itself for src/*.ts. */
const layerOf = (f: string) => rel(f).split("/")[0] as string;

/** One cycle of the graph as a list of nodes (first = last), or null. */
function findCycle(edges: Map<string, Set<string>>): string[] | null {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    state.set(node, "open");
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === "open") return [...stack.slice(stack.indexOf(next)), next];
      if (state.get(next) === undefined) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(node, "done");
    return null;
  };
  for (const node of [...edges.keys()].sort()) {
    if (state.get(node) === undefined) {
      const found = visit(node);
      if (found) return found;
    }
  }
  return null;
}

describe("the architecture of src/", () => {
  it("every relative import names a file that exists in src/", () => {
    const broken = [...graph].flatMap(([f, deps]) =>
      deps.filter((d) => !graph.has(d)).map((d) => `${rel(f)} → ${relative(SRC, d)}`),
    );
    expect(broken).toEqual([]);
  });

  it("has no import cycle between files", () => {
    const edges = new Map([...graph].map(([f, deps]) => [rel(f), new Set(deps.map(rel))]));
    expect(findCycle(edges)?.join(" → ") ?? "no cycle").toBe("no cycle");
  });

  it("has no import cycle between folders", () => {
    const edges = new Map<string, Set<string>>();
    for (const [f, deps] of graph) {
      const from = layerOf(f);
      const set = edges.get(from) ?? new Set<string>();
      for (const d of deps) if (layerOf(d) !== from) set.add(layerOf(d));
      edges.set(from, set);
    }
    expect(findCycle(edges)?.join(" → ") ?? "no cycle").toBe("no cycle");
  });

  it("holds no test-only module: every file is reachable from src/cli.ts", () => {
    const seen = new Set<string>();
    const queue = [ENTRY];
    while (queue.length > 0) {
      const f = queue.pop() as string;
      if (seen.has(f)) continue;
      seen.add(f);
      queue.push(...(graph.get(f) ?? []));
    }
    expect(files.filter((f) => !seen.has(f)).map(rel)).toEqual([]);
  });

  it("the cycle finder finds a cycle (so the tests above can fail)", () => {
    const edges = new Map([
      ["commands", new Set(["plan"])],
      ["plan", new Set(["targets"])],
      ["targets", new Set(["plan"])],
    ]);
    expect(findCycle(edges)).toEqual(["plan", "targets", "plan"]);
    expect(findCycle(new Map([["a", new Set(["b"])]]))).toBeNull();
  });
});
