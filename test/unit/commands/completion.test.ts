import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { runCompletion } from "../../../src/commands/completion.js";
import { buildProgram } from "../../../src/commands/program.js";
import { UsageError } from "../../../src/errors.js";
import { captureIo } from "../../support/capture-io.js";

const COMMANDS = ["plan", "apply", "tokens", "nodes", "validate", "init", "completion"];

async function script(shell: string): Promise<string> {
  const io = captureIo();
  expect(
    await runCompletion(
      { shell },
      io,
      buildProgram(io, "0", () => {}),
    ),
  ).toBe(0);
  return io.out();
}

describe("neuradock completion", () => {
  it("bash: valid syntax, every command and its flags", async () => {
    const text = await script("bash");
    const check = spawnSync("bash", ["-n"], { input: text });
    expect(check.status, check.stderr.toString()).toBe(0);
    for (const c of COMMANDS) expect(text).toContain(c);
    expect(text).toMatch(/plan\) opts="[^"]*--detailed-exitcode/);
    expect(text).toMatch(/apply\) opts="[^"]*--auto-approve/);
    expect(text).toContain("complete -o default -F _neuradock neuradock");
  });

  it("zsh: a compdef function naming every command", async () => {
    const text = await script("zsh");
    expect(text.startsWith("#compdef neuradock")).toBe(true);
    for (const c of COMMANDS) expect(text).toContain(`'${c}:`);
    expect(text).toMatch(
      /--target\[limit to this tool[^\]]*\]:value:\(claude-code codex gemini-cli\)/,
    );
  });

  it("fish: one line per command and option", async () => {
    const text = await script("fish");
    for (const c of COMMANDS) expect(text).toContain(`-a ${c} -d`);
    expect(text).toContain('__fish_seen_subcommand_from apply" -s y -l auto-approve');
  });

  it("rejects an unknown shell", async () => {
    const io = captureIo();
    await expect(
      runCompletion(
        { shell: "tcsh" },
        io,
        buildProgram(io, "0", () => {}),
      ),
    ).rejects.toBeInstanceOf(UsageError);
  });
});
