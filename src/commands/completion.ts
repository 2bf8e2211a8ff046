import type { Command } from "commander";
import { TOOLS } from "../config/types.js";
import { UsageError } from "../errors.js";
import type { Io } from "./io.js";

interface CommandSpec {
  name: string;
  description: string;
  options: { flags: string[]; description: string; takesValue: boolean; choices?: string[] }[];
}

/**
 * The completion script is generated from the commander program (passed in by the program
 * itself), so it cannot drift from it.
 */
export async function runCompletion(
  opts: { shell: string },
  io: Io,
  program: Command,
): Promise<number> {
  const specs = describeCommands(program);
  const shell = opts.shell.toLowerCase();
  if (shell === "bash") io.stdout.write(renderBashCompletion(specs));
  else if (shell === "zsh") io.stdout.write(renderZshCompletion(specs));
  else if (shell === "fish") io.stdout.write(renderFishCompletion(specs));
  else throw new UsageError(`unknown shell '${opts.shell}': choose bash, zsh or fish`);
  return 0;
}

export function describeCommands(program: Command): CommandSpec[] {
  return program.commands
    .filter((cmd) => !cmd.name().startsWith("__"))
    .map((cmd) => ({
      name: cmd.name(),
      description: cmd.description(),
      options: [
        ...cmd.options.map((o) => ({
          flags: [o.short, o.long].filter((f): f is string => typeof f === "string"),
          description: o.description,
          takesValue: o.required || o.optional,
          choices: o.argChoices ?? (o.long === "--target" ? [...TOOLS] : undefined),
        })),
        { flags: ["-h", "--help"], description: "display help", takesValue: false },
      ],
    }));
}

const TOOLS_HINT = TOOLS.join(" ");
const PROVIDERS_HINT = "anyrouter agentrouter newapi";
/** Commands whose argument is an account id of the config in use. */
const ACCOUNT_COMMANDS = ["tokens", "checkin"];
/** Asks neuradock itself, so the names always come from the config it would use. */
const LIST_ACCOUNTS = "neuradock __complete accounts 2>/dev/null";

/**
 * `neuradock __complete accounts`: the account ids of the config that would be used (`-c`
 * honoured), one per line; nothing at all when there is no valid config. Never prints a value.
 */
export async function runCompleteWords(
  opts: { what: string; config?: string },
  io: Io,
): Promise<number> {
  if (opts.what !== "accounts") return 0;
  try {
    const { loadCommandConfig } = await import("./command-config.js");
    const config = await loadCommandConfig(opts, io, { usedAccounts: [] });
    for (const id of Object.keys(config.accounts)) io.stdout.write(`${id}\n`);
  } catch {
    // A shell completing a word has no use for an error message.
  }
  return 0;
}

function renderBashCompletion(specs: CommandSpec[]): string {
  const cases = specs
    .filter((s) => s.name !== "completion")
    .map((s) => {
      const flags = s.options.flatMap((o) => o.flags).join(" ");
      return `    ${s.name}) opts="${flags}" ;;`;
    })
    .join("\n");
  return `# bash completion for neuradock — add to ~/.bashrc:  eval "$(neuradock completion bash)"
_neuradock() {
  local cur prev cmd opts
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmd="\${COMP_WORDS[1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${specs.map((s) => s.name).join(" ")} help --help --version" -- "$cur") )
    return
  fi
  if [ "$cmd" = help ]; then
    COMPREPLY=( $(compgen -W "${specs.map((s) => s.name).join(" ")}" -- "$cur") )
    return
  fi
  case "$prev" in
    -c|--config|--out) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
    --target) COMPREPLY=( $(compgen -W "${TOOLS_HINT}" -- "$cur") ); return ;;
    --provider) COMPREPLY=( $(compgen -W "${PROVIDERS_HINT}" -- "$cur") ); return ;;
  esac
  case "$cmd" in
${cases}
    completion) opts="bash zsh fish -h --help" ;;
    *) opts="" ;;
  esac
  if [ "$cmd" = nodes ] && [[ "$cur" != -* ]]; then opts="$opts ${PROVIDERS_HINT}"; fi
  case "$cmd" in ${ACCOUNT_COMMANDS.join("|")})
    if [[ "$cur" != -* ]]; then opts="$opts $(${LIST_ACCOUNTS})"; fi ;;
  esac
  if [ "$cmd" = apply ] && [[ "$cur" != -* ]]; then COMPREPLY=( $(compgen -f -- "$cur") ); fi
  COMPREPLY+=( $(compgen -W "$opts" -- "$cur") )
}
complete -o default -F _neuradock neuradock
`;
}

function zshQuote(text: string): string {
  return text.replace(/'/g, "'\\''").replace(/[[\]:]/g, "\\$&");
}

function renderZshCompletion(specs: CommandSpec[]): string {
  const commands = specs.map((s) => `    '${s.name}:${zshQuote(s.description)}'`).join("\n");
  const cases = specs
    .map((s) => {
      const args = s.options
        .map((o) => {
          const names =
            o.flags.length > 1 ? `(${o.flags.join(" ")})'{${o.flags.join(",")}}'` : o.flags[0];
          const value = !o.takesValue
            ? ""
            : o.choices
              ? `:value:(${o.choices.join(" ")})`
              : o.flags.some((f) => f === "--config" || f === "--out")
                ? ":file:_files"
                : ":value:";
          return `        '${names}[${zshQuote(o.description)}]${value}'`;
        })
        .join(" \\\n");
      const rest = ACCOUNT_COMMANDS.includes(s.name)
        ? "'*:account:_neuradock_accounts'"
        : "'*:file:_files'";
      return `      ${s.name})\n        _arguments \\\n${args} \\\n        ${rest} ;;`;
    })
    .join("\n");
  return `#compdef neuradock
# zsh completion for neuradock — add to ~/.zshrc:  eval "$(neuradock completion zsh)"
_neuradock_accounts() {
  local -a accounts
  accounts=(\${(f)"$(${LIST_ACCOUNTS})"})
  _describe 'account' accounts
}
_neuradock() {
  local -a commands
  commands=(
${commands}
    'help:show the help of a command'
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  case "$words[2]" in
    help) _describe 'command' commands ;;
${cases}
  esac
}
compdef _neuradock neuradock
`;
}

function fishQuote(text: string): string {
  return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

function renderFishCompletion(specs: CommandSpec[]): string {
  const lines = [
    "# fish completion for neuradock — save as ~/.config/fish/completions/neuradock.fish",
    "complete -c neuradock -f",
  ];
  const names = specs.map((s) => s.name).join(" ");
  for (const s of specs) {
    lines.push(
      `complete -c neuradock -n "not __fish_seen_subcommand_from ${names}" -a ${s.name} -d ${fishQuote(s.description)}`,
    );
    for (const o of s.options) {
      const short = o.flags.find((f) => /^-[^-]$/.test(f));
      const long = o.flags.find((f) => f.startsWith("--"));
      let line = `complete -c neuradock -n "__fish_seen_subcommand_from ${s.name}"`;
      if (short) line += ` -s ${short.slice(1)}`;
      if (long) line += ` -l ${long.slice(2)}`;
      if (o.takesValue) line += o.choices ? ` -x -a ${fishQuote(o.choices.join(" "))}` : " -r -F";
      lines.push(`${line} -d ${fishQuote(o.description)}`);
    }
  }
  lines.push(
    `complete -c neuradock -n "not __fish_seen_subcommand_from ${names} help" -a help -d 'show the help of a command'`,
    `complete -c neuradock -n "__fish_seen_subcommand_from help" -a ${fishQuote(names)}`,
    `complete -c neuradock -n "__fish_seen_subcommand_from ${ACCOUNT_COMMANDS.join(" ")}" -a "(${LIST_ACCOUNTS})" -d account`,
  );
  return `${lines.join("\n")}\n`;
}
