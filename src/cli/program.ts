// The commander program: argv (and QRUN_* environment variables) -> raw option values, with help and version.

import { Command, CommanderError, Option } from 'commander';
import type { Writable } from 'node:stream';
import { UsageError } from '../errors.js';
import { splitSources } from '../input/arg-sources.js';
import { version } from '../version.js';
import { fleetOptions, inputOptions, jobControlOptions, outputOptions, reportingOptions, runningOptions } from './option-groups.js';

/** What commander produced: raw values to validate (and where each came from), or a request already answered. */
export type ParsedArgs =
  | { kind: 'run'; raw: Record<string, unknown>; names: Record<string, string> }
  | { kind: 'answered' };

/** --help's and the man page's examples: a command line and what it does. */
export const helpExamples: readonly (readonly [string, string])[] = [
  ['qrun -c 8 < jobs.txt', 'run each line of jobs.txt, 8 at a time'],
  ['qrun -a jobs.txt -t 30s', 'from a file; kill a job still running at 30 s'],
  ['ls *.log | qrun gzip -9', 'a template: gzip -9 <name> per name (quoted)'],
  ["find . -name '*.jpg' -print0 | qrun -0 'convert {} {.}.png'", 'NUL-separated names into a template'],
  ['qrun echo {1}-{2} ::: a b ::: 1 2', 'every combination: a-1 a-2 b-1 b-2'],
  ['qrun --joblog run.log --resume -a jobs.txt', 'skip what run.log shows done, run the rest'],
  ['qrun --halt now,fail=1 --retries 2 < jobs.txt', 'retry failures twice; stop at the first final failure'],
  ['qrun -q --lock /tmp/nightly.lock -a nightly.txt', 'cron: silent on success, one run at a time'],
];

/** --help's and the man page's sections after the examples: a heading and one paragraph. */
export const helpSections: readonly (readonly [string, string])[] = [
  ['Replacement strings', '{} record, {.} without extension, {/} basename, {//} dirname, {/.} basename without extension, {#} job number, {%} slot; {1} {2}... the arguments from input sources (also {1.} {1/} {1//} {1/.}).'],
  ['Input sources', '::: args, :::: files; :::+ and ::::+ pair with the source before; --link pairs them all. A source that cannot be read twice (a pipe, <(cmd), -) is copied once to a private file.'],
  [
    'Exit status',
    "0 all jobs succeeded; 1-100 that many jobs failed; 101 more than 100 failed; 130/143/129 interrupted by SIGINT/SIGTERM/SIGHUP; 141 the reader of stdout went away; 254 --lock is held by another process; 255 qrun's own error (bad option or input, a file it writes failed). With --halt: the halting job's status (fail=1), 0 (success=N), as GNU parallel.",
  ],
];

/** The other commands of qrun. */
export const helpCommands: readonly (readonly [string, string])[] = [
  ['qrun worker --redis <url>', 'a fleet worker (qrun worker --help)'],
  ['qrun status --redis <url>', 'the fleet: workers, runs in progress, the queue'],
  ['qrun report <joblog…> -o f.html', "an HTML report of a finished run's joblog"],
  ['qrun completion bash|zsh|fish', 'print a shell completion script'],
];

/** Lines of `[command, what]` pairs: the text in a column of its own, below a long command. */
function pairs(items: readonly (readonly [string, string])[]): string {
  const column = 35;
  return items
    .map(([command, what]) => {
      const text = wrap(what.split(' '), helpWidth, ' '.repeat(column)).trimStart();
      return command.length + 2 < column - 2 ? `  ${command.padEnd(column - 2)}${text}` : `  ${command}\n${wrap(what.split(' '), helpWidth, ' '.repeat(column))}`;
    })
    .join('\n');
}

/** What --help prints after the options. */
function helpTail(program: Command): string {
  const sections = helpSections.map(([heading, text]) => wrap(`${heading}: ${text}`.split(' '), helpWidth, '')).join('\n\n');
  return [
    '',
    `Examples:\n${pairs(helpExamples)}`,
    sections,
    `Commands:\n${pairs(helpCommands)}`,
    `${wrap('Environment: every option with a long name can be set as QRUN_<OPTION>; the command line wins.'.split(' '), helpWidth, '')}\n${wrap(envNames(program), helpWidth, '  ')}\nSwitches take 1/true/yes/on or 0/false/no/off, e.g. QRUN_KEEP_ORDER=1.`,
    '',
  ].join('\n\n').replace(/^\n/, '');
}


/** GNU parallel's other spellings, hidden from help: each is read as the option it names. */
const gnuAliases: readonly (readonly [flags: string, target: string])[] = [
  ['--jl <file>', 'joblog'],
  ['--result <dir>', 'results'],
  ['--dr', 'dryRun'],
  ['-P, --max-procs <n>', 'jobs'],
  ['--argsep <sep>', 'argSep'],
  ['--argfilesep <sep>', 'argFileSep'],
  ['--er <text>', 'extensionreplace'],
  ['--bnr <text>', 'basenamereplace'],
  ['--dnr <text>', 'dirnamereplace'],
  ['--bner <text>', 'basenameextensionreplace'],
];

/** Options that take no value: their environment variable is read as true or false. */
const switches = new Set(['plus', 'ungroup', 'lineBuffer', 'lb', 'group', 'bar', 'eta', 'pipepart', 'xapply', 'dryrun', 'm', 'X', 'xargs', 'shuf', 'pipe', 'pipePart', 'link', 'null', 'keepOrder', 'tag', 'progress', 'quiet', 'silent', 'ndjson', 'resume', 'resumeFailed', 'dryRun', 'quote', 'v', 'verbose']);

/** Builds the program; help and version are written to `stdout`. */
function buildProgram(stdout: Writable): Command {
  const program = new Command('qrun')
    .description('Run shell command lines from stdin or files, N at a time.')
    .usage('[options] [--] [command template...] [::: args... | :::: files...]')
    .argument('[command...]', 'a command template: each record is substituted into it (default: run each record as a shell line)')
    .version(version, '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'show this help and exit');
  for (const group of [inputOptions, runningOptions, outputOptions, jobControlOptions, reportingOptions, fleetOptions]) group(program);
  for (const [flags] of gnuAliases) program.addOption(new Option(flags).hideHelp());
  program
    .optionsGroup('Other:')
    // Everything after the first template word belongs to the template: qrun gzip -9.
    .passThroughOptions();
  program
    .addHelpText('after', helpTail(program))
    .exitOverride()
    .configureOutput({
      writeOut: (text) => stdout.write(text),
      // Help fits an 80-column terminal, whatever the terminal or pipe it goes to.
      getOutHelpWidth: () => helpWidth,
      // Errors become a UsageError below, printed once in qrun's own format.
      writeErr: () => undefined,
      outputError: () => undefined,
    });
  return program;
}

/** One option as help, the man page and shell completions describe it. */
export interface OptionInfo {
  readonly short: string | undefined;
  readonly long: string;
  /** The value's name (<n>, <file>…), if the option takes one. */
  readonly value: string | undefined;
  readonly description: string;
  /** Its --help heading ("Input:", "Running:"…). */
  readonly group: string;
}

/** Every option of `qrun`, in --help order, with its group: the one source of help, man page and completions. */
export function describeOptions(): OptionInfo[] {
  const program = buildProgram(process.stdout);
  return program.options.filter((option) => !option.hidden).map((option) => ({
    short: option.short,
    long: option.long ?? '',
    value: /<[^>]+>/.exec(option.flags)?.[0],
    description: option.description,
    group: option.helpGroupHeading ?? 'Other:',
  }));
}

/** The QRUN_* variable of each option that has one, in --help order. */
export function environmentNames(): string[] {
  return envNames(buildProgram(process.stdout));
}

/** The width --help fits in. */
export const helpWidth = 80;

/** Words joined by spaces into lines of at most `width` columns, each line indented. */
function wrap(words: readonly string[], width: number, indent: string): string {
  const lines: string[] = [];
  let line = indent;
  for (const word of words) {
    if (line.length > indent.length && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent;
    }
    line += line.length > indent.length ? ` ${word}` : word;
  }
  lines.push(line);
  return lines.join('\n');
}

/** The option's environment variable: --keep-order -> QRUN_KEEP_ORDER. */
function envName(option: Option): string {
  return `QRUN_${(option.long ?? '').replace(/^--(no-)?/, '').replaceAll('-', '_').toUpperCase()}`;
}

/** Options a QRUN_* variable can set: those with a long name, but help and version. */
function settable(program: Command): Option[] {
  return program.options.filter((option) => option.long !== undefined && !['help', 'version'].includes(option.attributeName()) && !option.negate && !option.hidden);
}

function envNames(program: Command): string[] {
  return settable(program).map(envName);
}

function parseSwitch(name: string, value: string): boolean {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off|)$/i.test(value)) return false;
  throw new UsageError(`${name} must be 1/true/yes/on or 0/false/no/off, got '${value}'`);
}

/** Values from QRUN_* variables for options the command line did not set. */
function fromEnv(program: Command, env: NodeJS.ProcessEnv): { raw: Record<string, unknown>; names: Record<string, string> } {
  const raw: Record<string, unknown> = {};
  const names: Record<string, string> = {};
  for (const option of settable(program)) {
    const key = option.attributeName();
    const name = envName(option);
    const value = env[name];
    if (value === undefined || program.getOptionValueSource(key) === 'cli') continue;
    raw[key] = switches.has(key) ? parseSwitch(name, value) : key === 'argFile' ? [value] : value;
    names[key] = name;
  }
  return { raw, names };
}

/** Parses user arguments (without node and script path). Throws UsageError on a bad call. */
export function parseArgs(argv: readonly string[], stdout: Writable, env: NodeJS.ProcessEnv = {}): ParsedArgs {
  const program = buildProgram(stdout);
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return { kind: 'answered' };
      // One line, keeping commander's suggestion: "unknown option '--concurency' (Did you mean --concurrency?)".
      throw new UsageError(error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' '));
    }
    throw error;
  }
  const fromVariables = fromEnv(program, env);
  const cli: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(program.opts())) {
    if (program.getOptionValueSource(key) === 'cli') cli[key] = value;
  }
  for (const [flags, target] of gnuAliases) {
    const key = new Option(flags).attributeName();
    if (!(key in cli)) continue;
    if (target in cli) throw new UsageError(`${flags.replace(/ <.*/, '').replace(/^-., /, '')} is another name for --${target.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}; give one`);
    cli[target] = cli[key];
    delete cli[key];
  }
  if (program.args.length > 0) {
    // GNU parallel's input sources: qrun echo {1}-{2} ::: a b ::: 1 2 (or --arg-sep's words).
    const separators = { args: String(cli.argSep ?? fromVariables.raw.argSep ?? ':::'), files: String(cli.argFileSep ?? fromVariables.raw.argFileSep ?? '::::') };
    if (separators.args === separators.files) throw new UsageError(`--arg-sep and --arg-file-sep must be different words, both are '${separators.args}'`);
    const { template, sources } = splitSources(program.args, separators);
    cli.command = template;
    if (sources.length > 0) cli.sources = sources;
  }
  return { kind: 'run', raw: { ...fromVariables.raw, ...cli }, names: fromVariables.names };
}
