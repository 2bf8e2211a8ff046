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

  it("maps an unknown command and an unknown option to exit 1", async () => {
    const unknownCommand = captureIo();
    expect(await main(["plna"], unknownCommand)).toBe(1);
    expect(unknownCommand.err()).toContain("unknown command 'plna'");
    const unknownOption = captureIo();
    expect(await main(["plan", "--jsno"], unknownOption)).toBe(1);
    expect(unknownOption.err()).toContain("unknown option '--jsno'");
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
