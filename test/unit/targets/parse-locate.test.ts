import { describe, expect, it } from "vitest";
import { TargetError } from "../../../src/errors.js";
import { readActualFile } from "../../../src/plan/actual.js";
import { formatKeyPath, parseKeyPath } from "../../../src/targets/key-path.js";
import { locateTargets } from "../../../src/targets/locate.js";
import { createMemorySystem } from "../../support/memory-system.js";

describe("locateTargets", () => {
  it("uses ~/.claude and ~/.codex by default", () => {
    const t = locateTargets({ HOME: "/home/u" }, "linux");
    expect(t["claude-settings"]!.path).toBe("/home/u/.claude/settings.json");
    expect(t["codex-auth"]!.path).toBe("/home/u/.codex/auth.json");
    expect(t["codex-config"]!.path).toBe("/home/u/.codex/config.toml");
    expect(t["codex-config"]!.format).toBe("toml");
  });
  it("honours CLAUDE_CONFIG_DIR and CODEX_HOME", () => {
    const t = locateTargets({ HOME: "/h", CLAUDE_CONFIG_DIR: "/c", CODEX_HOME: "/x" }, "linux");
    expect(t["claude-settings"]!.path).toBe("/c/settings.json");
    expect(t["codex-auth"]!.path).toBe("/x/auth.json");
  });
  it("uses USERPROFILE and backslashes on Windows", () => {
    const t = locateTargets({ USERPROFILE: "C:\\Users\\u" }, "win32");
    expect(t["claude-settings"]!.path).toBe("C:\\Users\\u\\.claude\\settings.json");
  });
});

describe("key paths", () => {
  it("round-trip, quoting what is not bare", () => {
    for (const p of [
      ["env", "A_B"],
      ["projects", "/home/u/x.y"],
      ["model_providers", "my-relay", "name"],
    ]) {
      expect(parseKeyPath(formatKeyPath(p))).toEqual(p);
    }
    expect(formatKeyPath(["projects", "/a.b"])).toBe('projects."/a.b"');
  });
});

const target = (id: "claude-settings" | "codex-config", path: string) => ({
  ...locateTargets({ HOME: "/h" }, "linux")[id]!,
  path,
});

async function errorOf(text: string, id: "claude-settings" | "codex-config" = "claude-settings") {
  const file = id === "claude-settings" ? "/h/settings.json" : "/h/config.toml";
  const system = createMemorySystem({ [file]: text });
  return readActualFile(system, target(id, file)).then(
    () => null,
    (e: unknown) => e,
  );
}

describe("strict parsing", () => {
  it("a trailing comma is an error naming file:line:col", async () => {
    const err = await errorOf('{\n  "a": 1,\n}\n');
    expect(err).toBeInstanceOf(TargetError);
    expect((err as Error).message).toMatch(/^\/h\/settings\.json:3:1: invalid JSON/);
  });
  it("a comment is an error", async () => {
    const err = (await errorOf('{\n  // hi\n  "a": 1\n}\n')) as Error;
    expect(err.message).toMatch(/^\/h\/settings\.json:2:3: /);
  });
  it("the root must be an object", async () => {
    expect(((await errorOf("[1]\n")) as Error).message).toContain(
      "top level must be a JSON object",
    );
  });
  it("env must be an object; its values are the user's business", async () => {
    expect(((await errorOf('{\n  "env": []\n}')) as Error).message).toMatch(
      /settings\.json:2:10: "env" must be an object/,
    );
    expect(
      await errorOf('{\n  "env": {\n    "X": 1,\n    "ANTHROPIC_AUTH_TOKEN": null\n  }\n}'),
    ).toBeNull();
  });
  it("an empty settings.json reads as {}", async () => {
    expect(await errorOf("")).toBeNull();
  });
  it("a TOML error names file:line:col without quoting the line", async () => {
    const err = (await errorOf('model = "x"\nsecret = sk-abc def\n', "codex-config")) as Error;
    expect(err).toBeInstanceOf(TargetError);
    expect(err.message).toMatch(/^\/h\/config\.toml:2:\d+: invalid TOML/);
    expect(err.message).not.toContain("sk-abc");
  });
  it("a directory where the file should be is an error", async () => {
    const system = createMemorySystem({ "/h/settings.json": { kind: "dir" } });
    await expect(
      readActualFile(system, target("claude-settings", "/h/settings.json")),
    ).rejects.toThrow(/settings\.json: .*directory/);
  });
});
