import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCompleteWords, runCompletion } from "../../../src/commands/completion.js";
import { buildProgram } from "../../../src/commands/program.js";
import { TOOLS } from "../../../src/config/types.js";
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
      /--target\[limit to this tool[^\]]*\]:value:\(claude-code codex opencode gemini-cli qwen-code\)/,
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

describe("completion of words from the config and the program", () => {
  const CLI = join(process.cwd(), "dist", "cli.js");

  /** Runs the bash completion function for a command line; returns the candidates. */
  async function complete(words: string[], cwd: string, bin: string): Promise<string[]> {
    const text = await script("bash");
    const line = `COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _neuradock; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = spawnSync("bash", ["-c", `${text}\n${line}`], {
      cwd,
      encoding: "utf8",
      env: { PATH: `${bin}:${process.env.PATH}`, HOME: cwd },
    });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.split("\n").filter(Boolean);
  }

  it("bash: account ids for tokens, tool ids for --target, commands for help", async () => {
    const dir = await mkdtemp(join(tmpdir(), "neuradock-complete-"));
    const bin = join(dir, "bin");
    await mkdir(bin);
    await writeFile(
      join(bin, "neuradock"),
      `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`,
      {
        mode: 0o755,
      },
    );
    // Variables unset: completion still lists the ids, and never a value.
    await writeFile(
      join(dir, "neuradock.yaml"),
      "version: 1\naccounts:\n  work:\n    provider: anyrouter\n    user_id: 1\n    session: ${S}\n  home-2:\n    provider: agentrouter\n    user_id: 2\n    access_token: ${T}\n",
    );
    expect(await complete(["neuradock", "tokens", ""], dir, bin)).toEqual(
      expect.arrayContaining(["work", "home-2"]),
    );
    expect(await complete(["neuradock", "tokens", "w"], dir, bin)).toEqual(["work"]);
    expect(await complete(["neuradock", "plan", "--target", ""], dir, bin)).toEqual([...TOOLS]);
    expect(await complete(["neuradock", "help", "v"], dir, bin)).toEqual(["validate"]);
    // No config: no accounts, no error output.
    const empty = await mkdtemp(join(tmpdir(), "neuradock-complete-none-"));
    expect(await complete(["neuradock", "tokens", "x"], empty, bin)).toEqual([]);
  });

  it("__complete accounts prints ids only, and nothing for a broken config", async () => {
    const dir = await mkdtemp(join(tmpdir(), "neuradock-complete-"));
    await writeFile(
      join(dir, "neuradock.yaml"),
      "version: 1\naccounts:\n  a:\n    provider: nope\n",
    );
    const io = captureIo({ cwd: dir, env: { HOME: dir } });
    expect(await runCompleteWords({ what: "accounts" }, io)).toBe(0);
    expect(io.out()).toBe("");
    expect(io.err()).toBe("");
  });
});
