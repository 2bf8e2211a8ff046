import { Command, InvalidArgumentError, Option } from "commander";
import { TOOLS } from "../config/types.js";
import type {
  ApplyCliOptions,
  CheckinCliOptions,
  InitCliOptions,
  NodesCliOptions,
  PlanCliOptions,
  TokensCliOptions,
} from "./cli-options.js";
import type { GlobalOptions, Io } from "./io.js";
import { oneLine } from "./report-error.js";

type SetExit = (code: number) => void;

function collectTools(value: string, previous: string[] | undefined): string[] {
  const tools = value.split(",").map((t) => t.trim());
  for (const tool of tools) {
    if (!TOOL_CHOICES.includes(tool)) {
      throw new InvalidArgumentError(`Allowed choices are ${TOOL_CHOICES.join(", ")}.`);
    }
  }
  return [...new Set([...(previous ?? []), ...tools])];
}

const TOOL_CHOICES: readonly string[] = TOOLS;

function positiveSeconds(value: string): string {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError("Give a positive number of seconds.");
  }
  return value;
}

/**
 * The command-line surface. Each action imports its command module only when it runs.
 * Commands return their exit code; errors propagate to the boundary in src/main.ts.
 */
export function buildProgram(
  io: Io,
  version: string,
  setExit: SetExit,
  mode: { json?: boolean } = {},
): Command {
  const program = new Command("neuradock")
    .description(
      "Keep the API credentials of Claude Code and Codex in sync with neuradock.yaml, GitOps-style.",
    )
    .version(version, "-V, --version")
    .addHelpText(
      "after",
      "\nExit codes: 0 success, 1 error (nothing was written), 2 changes pending (plan --detailed-exitcode).\nDocs: the README, and `neuradock <command> --help`.",
    )
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // One line, in the style of every other error, with commander's suggestion and a
      // pointer to help; with --json the boundary prints a JSON diagnostic instead.
      outputError: (s, write) => {
        if (mode.json) return;
        write(`${oneLine(s)} (see \`neuradock --help\`)\n`);
      },
    });

  const CONFIG_FLAGS = "-c, --config <file>";
  const CONFIG_HELP = "use this neuradock.yaml instead of searching for one";
  // Accepted before the command (`neuradock -c f plan`) and after it (`neuradock plan -c f`).
  program.option(CONFIG_FLAGS, CONFIG_HELP);
  const withConfig = (cmd: Command) => cmd.option(CONFIG_FLAGS, CONFIG_HELP);
  const g = <T extends GlobalOptions>(opts: T): T => {
    const global = (program.opts() as GlobalOptions).config;
    return opts.config === undefined && global !== undefined ? { ...opts, config: global } : opts;
  };
  // Repeatable (`--target codex --target claude-code`) or comma-separated; not variadic, so
  // `apply --target codex plan.out` still reads plan.out as the plan file.
  const timeoutOption = () =>
    new Option(
      "--timeout <seconds>",
      "give up on a relay request after this many seconds (default 15, or NEURADOCK_HTTP_TIMEOUT_MS)",
    ).argParser(positiveSeconds);
  const targetOption = () =>
    new Option("--target <tool>", `limit to this tool (${TOOL_CHOICES.join(", ")}); repeatable`)
      .argParser(collectTools)
      .default(undefined);

  withConfig(program.command("plan"))
    .description("fetch live tokens and show what would change in the tools' files")
    .addOption(targetOption())
    .option("--json", "print the plan as JSON")
    .option("--out <file>", "save the plan (0600) for `neuradock apply FILE`")
    .option("--detailed-exitcode", "exit 2 when there are changes, 0 when none")
    .option("--show-secrets", "print secret values in clear")
    .addOption(timeoutOption())
    .action(async (opts: PlanCliOptions) => {
      const { runPlan } = await import("./plan.js");
      setExit(await runPlan(g(opts), io));
    });

  withConfig(program.command("apply"))
    .description("plan (or load a saved plan), confirm, and write the changes")
    .argument("[planfile]", "a plan saved with `neuradock plan --out`")
    .addOption(targetOption())
    .option("-y, --auto-approve", "apply without asking")
    .option(
      "--replace <account/name>",
      "give a declared relay token a new key (rotation); repeatable",
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option("--json", "print the applied plan as JSON")
    .option("--show-secrets", "print secret values in clear")
    .addOption(timeoutOption())
    .action(async (planfile: string | undefined, opts: ApplyCliOptions) => {
      const { runApply } = await import("./apply.js");
      setExit(await runApply(g({ ...opts, planfile }), io));
    });

  withConfig(program.command("tokens"))
    .description("show the token table of one or all accounts")
    .argument("[account]", "only this account")
    .option("--json", "print JSON")
    .option("--refresh", "ignore the cached listing")
    .addOption(timeoutOption())
    .action(async (account: string | undefined, opts: TokensCliOptions) => {
      const { runTokens } = await import("./tokens.js");
      setExit(await runTokens(g({ ...opts, account }), io));
    });

  withConfig(program.command("checkin"))
    .description("do the daily check-in of every account (or the named ones) that supports it")
    .argument("[accounts...]", "only these accounts")
    .option("--json", "print JSON")
    .addOption(timeoutOption())
    .action(async (accounts: string[], opts: CheckinCliOptions) => {
      const { runCheckin } = await import("./checkin.js");
      setExit(await runCheckin({ ...opts, accounts }, io));
    });

  withConfig(program.command("nodes"))
    .description("list built-in and custom nodes")
    .argument("[provider]", "only this provider (anyrouter, agentrouter, newapi)")
    .option("--json", "print JSON")
    .action(async (provider: string | undefined, opts: NodesCliOptions) => {
      const { runNodes } = await import("./nodes.js");
      setExit(await runNodes(g({ ...opts, provider }), io));
    });

  withConfig(program.command("validate"))
    .description("check neuradock.yaml (no network)")
    .action(async (opts: GlobalOptions) => {
      const { runValidate } = await import("./validate.js");
      setExit(await runValidate(g(opts), io));
    });

  withConfig(program.command("init"))
    .description(
      "write neuradock.yaml from the tools' current setup (run again to add what it can)",
    )
    .option(
      "--provider <provider>",
      "only adopt (or start with) this provider: anyrouter, agentrouter or newapi",
    )
    .option("--force", "start over: replace an existing file instead of adding to it")
    .option(
      "--local-schema",
      "point the schema modeline at this installation's copy (offline editors)",
    )
    .addOption(timeoutOption())
    .action(async (opts: InitCliOptions) => {
      const { runInit } = await import("./init.js");
      setExit(await runInit(g(opts), io));
    });

  program
    .command("completion")
    .description("print a shell completion script")
    .argument("<shell>", "bash, zsh or fish")
    .action(async (shell: string) => {
      const { runCompletion } = await import("./completion.js");
      setExit(await runCompletion({ shell }, io, program));
    });

  // For the completion scripts: `neuradock __complete accounts` lists the config's account ids.
  withConfig(program.command("__complete", { hidden: true }))
    .argument("<what>")
    .action(async (what: string, opts: GlobalOptions) => {
      const { runCompleteWords } = await import("./completion.js");
      setExit(await runCompleteWords({ ...opts, what }, io));
    });

  return program;
}
