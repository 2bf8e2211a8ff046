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
  return program.commands.map((cmd) => ({
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
    COMPREPLY=( $(compgen -W "${specs.map((s) => s.name).join(" ")} --help --version" -- "$cur") )
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
      return `      ${s.name})\n        _arguments \\\n${args} \\\n        '*:file:_files' ;;`;
    })
    .join("\n");
  return `#compdef neuradock
# zsh completion for neuradock — add to ~/.zshrc:  eval "$(neuradock completion zsh)"
_neuradock() {
  local -a commands
  commands=(
${commands}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  case "$words[2]" in
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
  return `${lines.join("\n")}\n`;
}
