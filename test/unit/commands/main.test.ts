import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, ProviderError } from "../../../src/errors.js";
import { main } from "../../../src/main.js";
import { captureIo } from "../../support/capture-io.js";

describe("the CLI error boundary", () => {
  it("prints the version on the fast path", async () => {
    const io = captureIo();
    expect(await main(["--version"], io)).toBe(0);
    expect(io.out()).toMatch(/^\d+\.\d+\.\d+\S*\n$/);
  });

  it("prints help for the program and exits 0", async () => {
    const io = captureIo();
    expect(await main(["--help"], io)).toBe(0);
    expect(io.out()).toContain("Usage: neuradock");
    for (const c of ["plan", "apply", "tokens", "nodes", "validate", "init", "completion"]) {
      expect(io.out()).toContain(c);
    }
  });

  it("prints help for each command and exits 0", async () => {
    for (const c of ["plan", "apply", "tokens", "nodes", "validate", "init", "completion"]) {
      const io = captureIo();
      expect(await main([c, "--help"], io)).toBe(0);
      expect(io.out()).toContain(`Usage: neuradock ${c}`);
    }
  });

  it("an unknown command or option is one `error:` line with a suggestion, not the help", async () => {
    const unknownCommand = captureIo();
    expect(await main(["plna"], unknownCommand)).toBe(1);
    expect(unknownCommand.err()).toBe(
      "error: unknown command 'plna' — did you mean 'plan'? (see `neuradock --help`)\n",
    );
    const unknownOption = captureIo();
    expect(await main(["plan", "--jsno"], unknownOption)).toBe(1);
    expect(unknownOption.err()).toBe(
      "error: unknown option '--jsno' — did you mean '--json'? (see `neuradock --help`)\n",
    );
    expect(unknownOption.out()).toBe("");
  });

  it("every error, usage or not, starts with `error:`", async () => {
    for (const argv of [
      ["plan", "a", "b"],
      ["validate", "-c", "/nonexistent/x.yaml"],
      ["completion", "tcsh"],
    ]) {
      const io = captureIo({ env: { HOME: "/nonexistent" } });
      expect(await main(argv, io)).toBe(1);
      expect(io.err()).toMatch(/^error: \S/);
      expect(io.err()).not.toContain("Usage:");
    }
  });

  it("with --json, a failure is a JSON diagnostic on stdout, for every command that has --json", async () => {
    const dir = await mkdtemp(join(tmpdir(), "neuradock-json-"));
    await writeFile(
      join(dir, "neuradock.yaml"),
      "version: 1\naccounts:\n  x:\n    provider: nope\n",
    );
    for (const command of ["plan", "apply", "tokens", "nodes", "checkin"]) {
      const io = captureIo({ cwd: dir, env: { HOME: dir } });
      expect(await main([command, "--json"], io)).toBe(1);
      expect(io.err()).toBe("");
      const diag = JSON.parse(io.out());
      expect(diag.error).toMatchObject({ code: "config", file: "neuradock.yaml", line: 3, col: 3 });
      expect(diag.error.message).toContain("problems in neuradock.yaml");
      expect(diag.error.details).toHaveLength(2);
    }
    const usage = captureIo();
    expect(await main(["plan", "--json", "--target", "vim"], usage)).toBe(1);
    expect(JSON.parse(usage.out()).error).toMatchObject({ code: "usage", file: null, line: null });
    // Where the problem is in a tool's file, the diagnostic says where.
    await writeFile(
      join(dir, "neuradock.yaml"),
      "version: 1\naccounts:\n  r:\n    provider: newapi\n    url: http://127.0.0.1:9\n    user_id: 1\n    access_token: t\nbindings:\n  claude-code: { account: r, token: t }\n",
    );
    await mkdir(join(dir, ".claude"));
    await writeFile(join(dir, ".claude", "settings.json"), "{\n  // mine\n}\n");
    const target = captureIo({ cwd: dir, env: { HOME: dir } });
    expect(await main(["plan", "--json"], target)).toBe(1);
    expect(JSON.parse(target.out()).error).toMatchObject({
      code: "target",
      file: join(dir, ".claude", "settings.json"),
      line: 2,
      col: 3,
    });
    // `--json` as the value of another option is not a request for JSON.
    const value = captureIo({ cwd: dir, env: { HOME: dir } });
    expect(await main(["validate", "-c", "--json"], value)).toBe(1);
    expect(value.out()).toBe("");
    expect(value.err()).toMatch(/^error: /);
  });

  it("--target is repeatable and comma-separated, and never swallows the plan file", async () => {
    const seen: unknown[] = [];
    const { buildProgram } = await import("../../../src/commands/program.js");
    const program = buildProgram(captureIo(), "0", () => {});
    const apply = program.commands.find((c) => c.name() === "apply")!;
    apply.action((planfile: unknown, opts: { target?: string[] }) => {
      seen.push(planfile, opts.target);
    });
    await program.parseAsync(["apply", "--target", "codex", "p.plan"], { from: "user" });
    await program.parseAsync(["apply", "--target", "codex,claude-code", "--target", "codex"], {
      from: "user",
    });
    expect(seen).toEqual(["p.plan", ["codex"], undefined, ["codex", "claude-code"]]);
  });

  it("rejects a --target that is not a tool", async () => {
    const io = captureIo();
    expect(await main(["plan", "--target", "vim"], io)).toBe(1);
    expect(io.err()).toContain("claude-code");
  });

  it("typed errors carry their message and details, one per line", () => {
    const err = new ConfigError([
      { file: "neuradock.yaml", line: 3, col: 5, message: "first" },
      { file: "neuradock.yaml", line: 9, col: 1, message: "second" },
    ]);
    expect(err.message).toBe("2 problems in neuradock.yaml:");
    expect(err.details).toEqual(["neuradock.yaml:3:5: first", "neuradock.yaml:9:1: second"]);
    expect(new ProviderError("work", "401").message).toBe("account 'work': 401");
  });
});
