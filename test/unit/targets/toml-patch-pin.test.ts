import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { TomlDocument } from "@decimalturn/toml-patch";
import { describe, expect, it } from "vitest";
import { applyTomlPlan, locateTomlPath } from "../../../src/targets/toml-file.js";

// src/targets/toml-file.ts reads `TomlDocument.cst`, which toml-patch marks @internal: its
// line editor needs each key's and table's exact position to edit config.toml byte for byte
// (toml-patch's public patch() re-renders the neighbours of what it touches). That is safe
// only for the version it was written against: package.json pins it exactly, and the shape
// the editor relies on is checked here, so an upgrade fails this test instead of silently
// falling back (every edit would then go through toml-patch's re-rendering).
const root = join(import.meta.dirname, "../../..");
const require = createRequire(join(root, "package.json"));

describe("toml-patch's CST (an internal)", () => {
  it("package.json pins the exact toml-patch version that is installed", async () => {
    const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8"));
    const pinned = pkg.devDependencies?.["@decimalturn/toml-patch"];
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    // Its exports map hides package.json from require(): read the installed file.
    const entry = require.resolve("@decimalturn/toml-patch");
    const installed = JSON.parse(
      await readFile(join(entry.slice(0, entry.lastIndexOf("/dist/")), "package.json"), "utf8"),
    );
    expect(installed.name).toBe("@decimalturn/toml-patch");
    expect(installed.version).toBe(pinned);
  });

  it("has the shape the line editor reads: key paths, tables and 1-based line / 0-based column", () => {
    const text = 'model = "o3"\n\n[model_providers.acme]\nname = "Acme" # ours\n';
    const cst = new TomlDocument(text).cst as unknown as Array<Record<string, unknown>>;
    expect(cst.map((b) => b.type)).toEqual(["KeyValue", "Table"]);
    expect(cst[0]).toMatchObject({
      type: "KeyValue",
      key: { value: ["model"] },
      value: { loc: { start: { line: 1, column: 8 }, end: { line: 1, column: 12 } } },
      loc: { start: { line: 1, column: 0 } },
    });
    expect(cst[1]).toMatchObject({
      type: "Table",
      key: { item: { value: ["model_providers", "acme"] } },
      loc: { start: { line: 3, column: 0 } },
      items: [
        expect.objectContaining({
          type: "KeyValue",
          key: expect.objectContaining({ value: ["name"] }),
        }),
        expect.objectContaining({ type: "Comment" }),
      ],
    });
  });

  it("so the editor changes one value in place, byte for byte around it", () => {
    const text = '# mine\nmodel = "o3"   # keep\n\n[model_providers.acme]\nname = "Acme"\n';
    expect(locateTomlPath(text, ["model_providers", "acme", "name"])).toEqual({ line: 5, col: 1 });
    const out = applyTomlPlan(text, {
      tool: "codex",
      target: "codex-config",
      file: "/h/.codex/config.toml",
      format: "toml",
      credential: false,
      basis: null,
      changes: [
        {
          tool: "codex",
          file: "/h/.codex/config.toml",
          path: ["model_providers", "acme", "name"],
          action: "update",
          before: "Acme",
          after: "Acme Relay",
          sensitive: false,
          reason: "bind",
        },
      ],
      removeContainers: [],
      deleteFile: false,
    });
    expect(out).toBe(
      '# mine\nmodel = "o3"   # keep\n\n[model_providers.acme]\nname = "Acme Relay"\n',
    );
  });
});
