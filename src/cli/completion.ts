// `qrun completion bash|zsh|fish`: shell completion scripts generated from the option list.

import { UsageError } from '../errors.js';
import { annotations, executors, logLevels, outputModes, trims } from './options.js';
import type { OptionInfo } from './program.js';

/** Values an option takes from a fixed list (the same lists the options are validated with). */
const choices: Record<string, readonly string[]> = {
  '--output': outputModes,
  '--log-level': logLevels,
  '--annotate': annotations,
  '--executor': executors,
  '--trim': trims,
  '--grace': ['0', '5s', '30s', 'unlimited'],
};

/** Options whose value is a path. */
function takesPath(option: OptionInfo): boolean {
  return option.value !== undefined && /file|dir|path/.test(option.value);
}

/** The completion script for `shell`; a UsageError names the shells there are. */
export function completionScript(shell: string | undefined, options: readonly OptionInfo[]): string {
  if (shell === 'bash') return bash(options);
  if (shell === 'zsh') return zsh(options);
  if (shell === 'fish') return fish(options);
  throw new UsageError(`qrun completion needs a shell: bash, zsh or fish, got ${shell === undefined ? 'none' : `'${shell}'`}`);
}

function flagsOf(option: OptionInfo): string[] {
  return option.short === undefined ? [option.long] : [option.short, option.long];
}

function bash(options: readonly OptionInfo[]): string {
  const all = options.flatMap(flagsOf).concat(['-h', '--help']);
  const paths = options.filter(takesPath).flatMap(flagsOf);
  const cases = Object.entries(choices).map(([flag, values]) => `    ${flag}) COMPREPLY=($(compgen -W "${values.join(' ')}" -- "$cur")); return ;;`);
  const valued = options.filter((option) => option.value !== undefined && !takesPath(option) && choices[option.long] === undefined).flatMap(flagsOf);
  return `# qrun completion for bash: add to ~/.bashrc:  source <(qrun completion bash)
_qrun() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  case "$prev" in
    ${paths.join('|')}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
${cases.join('\n')}
    ${valued.join('|')}) COMPREPLY=(); return ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "${all.join(' ')}" -- "$cur"))
  else
    COMPREPLY=($(compgen -c -- "$cur"))
  fi
}
complete -o default -F _qrun qrun
`;
}

/** zsh: brackets, colons and quotes in a description would end the spec early. */
function zshText(text: string): string {
  return text.replace(/[[\]:]/g, (c) => `\\${c}`).replaceAll("'", "'\\''");
}

function zsh(options: readonly OptionInfo[]): string {
  const specs = options.map((option) => {
    const flags = flagsOf(option);
    const exclusive = flags.length > 1 ? `(${flags.join(' ')})` : '';
    const names = flags.length > 1 ? `{${flags.join(',')}}` : flags[0];
    const action = option.value === undefined ? '' : `:${zshText(option.value.slice(1, -1))}:${takesPath(option) ? '_files' : choices[option.long] ? `(${choices[option.long]?.join(' ')})` : ' '}`;
    return `  '${exclusive}'${names}'[${zshText(option.description)}]${action}'`;
  });
  return `#compdef qrun
# qrun completion for zsh: add to ~/.zshrc:  source <(qrun completion zsh)
_qrun() {
  _arguments -s \\
${specs.join(' \\\n')} \\
  '(- *)'{-h,--help}'[show help]' \\
  '*::command:_normal'
}
compdef _qrun qrun
`;
}

function fish(options: readonly OptionInfo[]): string {
  const lines = options.map((option) => {
    const short = option.short === undefined ? '' : ` -s ${option.short.slice(1)}`;
    const value = option.value === undefined ? '' : takesPath(option) ? ' -r -F' : choices[option.long] ? ` -x -a '${choices[option.long]?.join(' ')}'` : ' -x';
    return `complete -c qrun${short} -l ${option.long.slice(2)}${value} -d '${option.description.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  });
  return `# qrun completion for fish: qrun completion fish > ~/.config/fish/completions/qrun.fish
${lines.join('\n')}
complete -c qrun -s h -l help -d 'show help'
`;
}
