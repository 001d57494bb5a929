// The commander program: argv (and QRUN_* environment variables) -> raw option values, with help and version.

import { Command, CommanderError, Option } from 'commander';
import type { Writable } from 'node:stream';
import { UsageError } from '../errors.js';
import { splitSources } from '../input/arg-sources.js';
import { version } from '../version.js';

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

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Options that take no value: their environment variable is read as true or false. */
const switches = new Set(['pipepart', 'xapply', 'dryrun', 'm', 'X', 'xargs', 'shuf', 'pipe', 'pipePart', 'link', 'null', 'keepOrder', 'tag', 'progress', 'quiet', 'silent', 'ndjson', 'resume', 'resumeFailed', 'dryRun']);

/** Builds the program; help and version are written to `stdout`. */
function buildProgram(stdout: Writable): Command {
  const program = new Command('qrun')
    .description('Run shell command lines from stdin or files, N at a time.')
    .usage('[options] [--] [command template...] [::: args... | :::: files...]')
    .argument('[command...]', 'a command template: each record is substituted into it (default: run each record as a shell line)')
    .version(version, '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'show this help and exit');
  for (const group of [inputOptions, runningOptions, outputOptions, jobControlOptions, reportingOptions, fleetOptions]) group(program);
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

/** The options of help's 'Input' group. */
function inputOptions(program: Command): Command {
  return program
    .optionsGroup('Input:')
    .option('-a, --arg-file <file>', 'read job records from <file> ("-" is stdin); several -a are input sources combined as ::::', collect)
    .option('-0, --null', 'records are separated by NUL bytes instead of newlines')
    .option('--shuf', 'read every record first, then run the jobs in random order (spilled to disk: flat memory)')
    .option('--link', 'pair the ::: and :::: input sources by position (shorter ones start over) instead of every combination')
    .option('--xapply', 'another name for --link')
    .option('--ndjson', 'each record is a JSON object: {"cmd", "id"?, "timeout"?, "retries"?, "env"?, "cwd"?}; with a template, its fields fill {name}')
    .option('--pipe', 'give each job a block of the input on stdin instead of arguments (GNU parallel --pipe)')
    .option('--pipe-part', 'with -a <file>: each job reads its part of the file on stdin, straight from the file')
    .option('--pipepart', 'another name for --pipe-part')
    .option('--block <size>', 'with --pipe: bytes per block, e.g. 1M (default), 500k; with --pipe-part, -N means N parts per job slot (default: -10)')
    .option('--block-size <size>', 'another name for --block')
    .option('--recend <text>', 'with --pipe: a record ends with <text> (default: \\n; escapes \\n \\t \\0 work)')
    .option('--recstart <text>', 'with --pipe: a record starts with <text>; blocks are cut only between records')
    .option('--queue-size <n>', 'jobs read ahead into the bounded queue (default: 2 x concurrency)');
}

/** The options of help's 'Running' group. */
function runningOptions(program: Command): Command {
  return program
    .optionsGroup('Running:')
    .option('-c, --concurrency <n>', 'how many jobs run at once (default: number of CPUs)')
    .option('-j, --jobs <n>', 'another name for --concurrency')
    .option('-t, --timeout <duration>', 'per-job time limit: 500ms, 30s, 5m, 1h; a bare number is seconds; N% of the median runtime of the jobs that succeeded so far')
    .option('--kill-after <duration>', 'after SIGTERM to a job, SIGKILL it this much later (default: 2s; short for --term-seq TERM,<ms>,KILL)')
    .option('--term-seq <sequence>', 'how a job is killed (timeout, halt, Ctrl-C twice): signals and waits in ms, e.g. TERM,200,TERM,100,TERM,50,KILL,25')
    .option('--grace <duration>', 'after the first Ctrl-C or SIGTERM, running jobs get this long to finish, then are terminated; unlimited: no limit (default: 5s)')
    .option('--load <max>', 'start a job only while the 1-minute load average is below <max> (or N% of the CPUs)')
    .option('--memfree <size>', 'start a job only while <size> of memory is free (e.g. 2G); under half of it, kill the youngest job (retried if --retries allows)')
    .option('--delay <duration>', 'at least this long between job starts (default: 0)')
    .option('--shell <path>', 'shell that runs each job as <shell> -c <command> (default: /bin/sh)')
    .option('--dry-run', "print each job's command line instead of running it")
    .option('--dryrun', 'another name for --dry-run')
    .option('--executor <kind>', 'how jobs start: helper (a small spawn helper, fastest), execa, or auto: the helper where it can run (default: auto)')
    .option('--lock <file>', 'refuse to start (exit 254) while another qrun holds this lock file (cron)')
    .option('--lock-wait <duration>', 'with --lock: wait this long for the lock before refusing (default: 0)');
}

/** The options of help's 'Output' group. */
function outputOptions(program: Command): Command {
  return program
    .optionsGroup('Output:')
    .addOption(new Option('--output <mode>', 'group: whole job output at once; line: whole lines; ungroup: as is (default: group)'))
    .option('-k, --keep-order', 'write job output in input order (group and line modes)')
    .option('--tag', "prefix each output line with the job's arguments and a tab (as GNU parallel)")
    .option('--tagstring <text>', 'prefix each output line with <text> and a tab: replacement strings work ({#} is the job number)')
    .option('--header <:>', "the input's first line names the columns ({name}); with ::: sources, each one's first value is its name; with --pipe, : or N lines go in front of every block")
    .option('-C, --colsep <regex>', 'cut each record into columns at <regex>: the arguments {1} {2}...')
    .option('-n, --max-args <n>', 'give each job the next n records as its arguments ({} all, {1} {2}... each)')
    .option('-N, --max-replace-args <n>', 'as -n; -N0 reads one record per job and passes none of it')
    .option('-m', 'as many arguments per job as the command line holds; at the end, the last ones spread over the job slots')
    .option('-X', 'as -m, repeating each word that holds {} once per argument (pre-{}-post)')
    .option('--xargs', 'as -m, without spreading the last arguments')
    .option('-s, --max-chars <n>', 'with -m, -X, --xargs: command lines stay shorter than <n> bytes (default: 63664, as GNU parallel on Linux)')
    .option('--trim <lr>', 'with --colsep: trim spaces and tabs around columns: n (none), l, r, lr (default: lr, as GNU parallel)')
    .option('--results <dir>', "save each job's output in <dir>/1/<value>/…/{seq,stdout,stderr} (GNU's layout; replacement strings make the path), or as rows of <dir>.json/.csv/.tsv; not printed")
    .option('--results-seq <dir>', "save each job's stdout, stderr and result.json in <dir>/<seq>/, and print its output too")
    .option('--res <dir>', 'another name for --results')
    .option('--annotate <kind>', 'github: a ::error:: line per failed job; github-group: also ::group:: around job output; none (default: github when GITHUB_ACTIONS=true)');
}

/** The options of help's 'Job control' group. */
function jobControlOptions(program: Command): Command {
  return program
    .optionsGroup('Job control:')
    .option('--joblog <file>', "write GNU parallel's job log to <file> (\"-\": stdout)")
    .option('--resume', 'skip jobs the --joblog shows as run; append to it')
    .option('--resume-failed', 'skip jobs the --joblog shows as succeeded; rerun failed ones')
    .option('--retries <n>', 'run a failed job up to n more times (default: 0)')
    .option('--retry-delay <duration>', 'wait this long before the first retry, doubling each time (default: 0)')
    .option('--halt <spec>', 'stop early: never, now|soon,fail|success|done=N or =N% (default: never)')
    .option('--halt-on-error <spec>', 'another name for --halt');
}

/** The options of help's 'Progress, summary and logging' group. */
function reportingOptions(program: Command): Command {
  return program
    .optionsGroup('Progress, summary and logging:')
    .option('--progress', 'show a live status line on stderr (default: when stderr is a terminal and CI is unset)')
    .option('--no-progress', 'never show the status line')
    .option('-q, --quiet', 'no summary when every job succeeded (a failed run still gets one: for cron)')
    .option('--silent', 'no summary and no notices at all, even on failure')
    .option('--summary-json <file>', 'write the summary as one JSON object to <file> ("-": stdout, after all output)')
    .option('--metrics-file <path>', 'write queue metrics to <path> as OpenMetrics text (node_exporter textfile)')
    .option('--report <file.html>', 'write an HTML report of the run (timeline, failures, run times) when it ends, however it ends')
    .option('--log-file <path>', 'append a structured NDJSON log of the run to <path>')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (nothing logged) (default: info)');
}

/** The options of help's 'Fleet (jobs run on `qrun worker`s through Redis)' group. */
function fleetOptions(program: Command): Command {
  return program
    .optionsGroup('Fleet (jobs run on `qrun worker`s through Redis):')
    .option('--redis <url>', 'send jobs to `qrun worker`s through this Redis (redis://, rediss://)')
    .option('--queue <name>', 'the queue the workers take jobs from (default: qrun)')
    .option('--wait-workers <duration>', 'exit 255 if no worker takes a job for this long (default: wait)')
    .option('--run-ttl <duration>', "workers stop this run's jobs when qrun has been gone this long (default: 10s)")
    .option('--reconnect-timeout <duration>', 'a lost Redis connection that is not back after this long fails the run (default: 15s)')
    .option('--redis-password-file <file>', "the Redis password, read from the file's first line (or REDISCLI_AUTH): kept out of ps, unlike one in the URL");
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
  return program.options.map((option) => ({
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
  return program.options.filter((option) => option.long !== undefined && !['help', 'version'].includes(option.attributeName()) && !option.negate);
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
  if (program.args.length > 0) {
    // GNU parallel's input sources: qrun echo {1}-{2} ::: a b ::: 1 2
    const { template, sources } = splitSources(program.args);
    cli.command = template;
    if (sources.length > 0) cli.sources = sources;
  }
  return { kind: 'run', raw: { ...fromVariables.raw, ...cli }, names: fromVariables.names };
}
