import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describeCommands } from "../../../src/commands/completion.js";
import { buildProgram } from "../../../src/commands/program.js";
import { loadConfig } from "../../../src/config/index.js";
import { captureIo } from "../../support/capture-io.js";

/** The README cannot rot: its example config loads, its commands and flags exist. */
const readme = await readFile(join(import.meta.dirname, "../../../README.md"), "utf8");
const specs = describeCommands(buildProgram(captureIo(), "0", () => {}));

describe("README.md", () => {
  it("its example neuradock.yaml is valid", async () => {
    const yaml = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(yaml).toBeDefined();
    const dir = await mkdtemp(join(tmpdir(), "neuradock-readme-"));
    await writeFile(join(dir, "neuradock.yaml"), yaml!);
    const config = await loadConfig({ cwd: dir, env: { ANYROUTER_SESSION: "s" } });
    expect(Object.keys(config.accounts)).toEqual(["personal"]);
    expect(config.bindings["claude-code"]?.nodeUrl).toBe(
      "https://a-ocnfniawgw.cn-shanghai.fcapp.run",
    );
    expect(config.bindings.codex?.nodeUrl).toBe("https://anyrouter.top");
  });

  it("every command in its table exists, with the flags it shows", () => {
    const rows = [...readme.matchAll(/^\| `neuradock (\w+)([^`]*)` \|/gm)];
    expect(rows.length).toBeGreaterThanOrEqual(7);
    for (const [, name, rest] of rows) {
      const spec = specs.find((s) => s.name === name);
      expect(spec, `README shows \`neuradock ${name}\``).toBeDefined();
      const flags = new Set(spec!.options.flatMap((o) => o.flags));
      for (const flag of rest!.match(/--?[a-z][a-z-]*/g) ?? []) {
        expect(flags.has(flag), `\`neuradock ${name} ${flag}\``).toBe(true);
      }
    }
  });

  it("shows the two set-up commands that CI runs", async () => {
    expect(readme).toContain("npm ci && npm run demo");
    expect(readme).toContain("npm test");
    const ci = await readFile(join(import.meta.dirname, "../../../.ci/run"), "utf8");
    expect(ci).toContain("npm ci");
    expect(ci).toContain("npm run demo");
    expect(ci).toContain("npm test");
  });
});
