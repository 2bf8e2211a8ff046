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

  it("shows the set-up commands, and CI really runs them", async () => {
    expect(readme).toContain("npm ci && npm run demo");
    expect(readme).toContain("npm test");
    const ci = await readFile(join(import.meta.dirname, "../../../.ci/run"), "utf8");
    const run = shellCommands(ci).map((words) => words.join(" "));
    // Commands CI executes, not strings in comments, echo or step titles.
    expect(run.some((c) => /^npm ci( |$)/.test(c))).toBe(true);
    expect(run).toContain("npm test");
    expect(run).toContain("npm run demo");
    expect(run).toContain("npm run test:reliability");
    expect(run).toContain("npm run test:compat");
  });
});

describe("shellCommands (how the CI script is read)", () => {
  it("finds executed commands, not quoted, commented or echoed ones", () => {
    const script = [
      "# npm test",
      'step "npm test"',
      "echo npm run demo",
      "x=$(npm run demo 2>&1) || { echo failed; exit 1; }",
      "npm ci --no-audit && npm run lint; npm run typecheck | tee log",
      "printf '%s' 'npm test'",
    ].join("\n");
    expect(shellCommands(script).map((w) => w.join(" "))).toEqual([
      "step npm test",
      "echo npm run demo",
      "npm run demo",
      "echo failed",
      "exit 1",
      "npm ci --no-audit",
      "npm run lint",
      "npm run typecheck",
      "tee log",
      "printf %s npm test",
    ]);
  });
});

/**
 * The simple commands a bash script runs, as words (quotes removed, redirections dropped):
 * split at unquoted `;`, `&&`, `||`, `|`, newlines, `{ }` and inside `$( )`; comments skipped;
 * assignments before a command dropped. Enough for .ci/run, not a full shell parser.
 */
function shellCommands(script: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word: string | null = null;
  const endWord = () => {
    if (word !== null) words.push(word);
    word = null;
  };
  const endCommand = () => {
    endWord();
    const cmd = words.filter((w) => !/^\d*[<>]/.test(w));
    while (cmd.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(cmd[0]!)) cmd.shift();
    if (cmd.length > 0 && cmd[0] !== "{" && cmd[0] !== "}") commands.push(cmd);
    words = [];
  };
  for (let i = 0; i < script.length; i++) {
    const ch = script[i]!;
    if (ch === "#" && word === null) {
      while (i < script.length && script[i] !== "\n") i++;
      endCommand();
    } else if (ch === "'") {
      const end = script.indexOf("'", i + 1);
      word = (word ?? "") + script.slice(i + 1, end);
      i = end;
    } else if (ch === '"') {
      let j = i + 1;
      let text = "";
      while (j < script.length && script[j] !== '"') {
        if (script[j] === "\\") j++;
        text += script[j];
        j++;
      }
      word = (word ?? "") + text;
      i = j;
    } else if (ch === "&" && word?.endsWith(">")) {
      word += ch; // 2>&1 is a redirection, not a separator
    } else if (script.startsWith("$(", i)) {
      // The command substitution's own commands run too; the word it stands in is dropped.
      endCommand();
      i++;
    } else if (ch === ")" || ch === ";" || ch === "\n" || ch === "|" || ch === "&") {
      endCommand();
    } else if (ch === " " || ch === "\t") {
      endWord();
      if (words.length > 0 && (words[0] === "{" || words[0] === "}")) words.shift();
    } else {
      word = (word ?? "") + ch;
    }
  }
  endCommand();
  return commands;
}
