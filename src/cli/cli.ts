// The command line: argv -> options -> the one run root -> exit status.

import type { Readable } from 'node:stream';
import { ExitCode, UsageError, messageOf, type InterruptSignal } from '../errors.js';
import { importFleet } from '../fleet-import.js';
import { LockedError } from '../lock/run-lock.js';
import type { RunInput } from '../input/prepare.js';
import { runQrun, type RunIO } from '../main.js';
import { parseOptions } from './options.js';
import { holdsPassword, passwordWarning } from '../redis/url.js';
import { fitToTerminal } from '../report/terminal/fit.js';
import { completionScript } from './completion.js';
import { describeOptions, parseArgs } from './program.js';
import { parseWorkerArgs } from './worker-cli.js';
import { parseSemArgs, semaphoreRoot } from './sem-cli.js';
import { reportMain } from './report-cli.js';
import { statusMain } from './status-cli.js';

// bin/qrun.js gives main() its arguments with their original bytes.
export { originalArguments } from './raw-argv.js';

/** The process-level things the CLI uses, passed in by bin/qrun.js. */
export interface CliIO extends RunIO {
  readonly stdin: Readable;
  /** A path that reads stdin again from its start, when it is a regular file. */
  readonly stdinFile?: string | undefined;
  /** stdin is a terminal. */
  readonly stdinTerminal?: boolean | undefined;
}

/** How the process should end: an exit code, or a signal to re-raise so the caller sees it. */
export interface Outcome {
  readonly exitCode: number;
  readonly reraise: InterruptSignal | undefined;
}

/** Runs qrun with user arguments; never throws: errors become a one-line message and 255. */
export async function main(argv: readonly string[], io: CliIO): Promise<Outcome> {
  // Options set by QRUN_* variables: their errors name the variable, not the option.
  let givenAs: Record<string, string> = {};
  try {
    // `qrun worker …` is the fleet's worker; a template whose first word is worker is written `qrun -- worker …`.
    if (argv[0] === 'worker') return await workerMain(argv.slice(1), io);
    // `qrun report <file…>`: a finished run's report (a template starting with report: `qrun -- report`).
    // `qrun status --redis URL`: the fleet at a glance (a template starting with status: `qrun -- status`).
    if (argv[0] === 'status') return { exitCode: await statusMain(argv.slice(1), io), reraise: undefined };
    if (argv[0] === 'report') return { exitCode: await reportMain(argv.slice(1), { ...io, stdinTerminal: io.stdinTerminal === true }), reraise: undefined };
    // `qrun sem …` or `qrun --semaphore …` (GNU parallel's sem; a template starting with sem: `qrun -- sem`).
    const semaphore = semaphoreArgs(argv);
    if (semaphore !== undefined) return { exitCode: await semMain(semaphore, io), reraise: undefined };
    // `qrun completion bash|zsh|fish` prints a completion script (a template starting with completion: `qrun -- completion`).
    if (argv[0] === 'completion') {
      io.stdout.write(completionScript(argv[1], describeOptions()));
      return { exitCode: ExitCode.ok, reraise: undefined };
    }
    const parsed = withHelpHint(() => parseArgs(argv, io.stdout, io.env));
    if (parsed.kind === 'answered') return { exitCode: ExitCode.ok, reraise: undefined };
    givenAs = parsed.names;
    const options = withHelpHint(() => parseOptions(parsed.raw, undefined, parsed.names, io.env));
    if (typeof parsed.raw.redis === 'string' && parsed.names.redis === undefined && holdsPassword(parsed.raw.redis)) io.stderr.write(`qrun: ${passwordWarning}\n`);
    // Several -a files are several input sources, combined like :::: (GNU parallel's meaning);
    // --pipe and --pipe-part read them one after another, as GNU parallel does.
    const withSources = options.sources.length > 0 || (options.argFiles.length > 1 && options.pipe === undefined && !options.ndjson);
    // With ::: or :::: sources, stdin is read only when named ("-"), as in GNU parallel.
    const readsStdin = withSources ? options.argFiles.includes('-') || options.sources.some((source) => source.kind === 'file' && source.path === '-') : options.argFiles.length === 0 || options.argFiles.includes('-');
    const fromTerminal = io.stdinTerminal === true && readsStdin;
    if (fromTerminal && !options.silent) {
      // GNU parallel says the same: otherwise a forgotten `< jobs.txt` looks like a hang.
      io.stderr.write(fitToTerminal('qrun: reading job records from the terminal, one per line; end with Ctrl-D (or give a file: -a jobs.txt, < jobs.txt)\n', io.stderr));
    }
    const input: RunInput = withSources
      ? { kind: 'sources', sources: [...options.argFiles.map((path) => ({ kind: 'file', path, linked: false }) as const), ...options.sources], link: options.link, stdin: io.stdin }
      : { kind: 'files', paths: options.argFiles, stdin: io.stdin, stdinFile: io.stdinFile, stdinTerminal: fromTerminal };
    const summary = await runQrun(options, input, io);
    if (summary.error !== undefined) io.stderr.write(`qrun: ${namedAsGiven(summary.error, givenAs)}\n`);
    return { exitCode: summary.exitCode, reraise: summary.error === undefined ? summary.interruptedBy : undefined };
  } catch (error) {
    const message = error instanceof UsageError ? namedAsGiven(messageOf(error), givenAs) : `internal error: ${messageOf(error)}`;
    io.stderr.write(`qrun: ${message}\n`);
    return { exitCode: error instanceof LockedError ? error.exitCode : ExitCode.error, reraise: undefined };
  }
}

/**
 * A message about an option set by a QRUN_* variable names the variable: the first `--option`
 * in it (its subject) becomes `QRUN_OPTION` when that is where the value came from.
 */
function namedAsGiven(message: string, givenAs: Record<string, string>): string {
  return message.replace(/--([a-z][a-z-]*)/, (flag, long: string) => givenAs[long.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase())] ?? flag);
}

/** A mistake in the command line ends with where to look: "…; see qrun --help". */
function withHelpHint<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`${error.message}; see qrun --help`);
    throw error;
  }
}

/** sem's options that take a value (the next word, unless given as --name=value). */
const semValued = new Set(['-j', '--jobs', '-P', '--max-procs', '--id', '--semaphorename', '--semaphore-name', '--st', '--semaphoretimeout', '--semaphore-timeout']);

/**
 * The arguments of a `sem` call: after a first word sem, or the options and command of a call
 * whose options (before the command) hold --semaphore, or --fg, which implies it (GNU parallel's
 * spellings: `parallel -j 4 --semaphore cmd`, `parallel --fg --id x cmd`).
 */
function semaphoreArgs(argv: readonly string[]): readonly string[] | undefined {
  if (argv[0] === 'sem') return argv.slice(1);
  let marked = false;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (word === '--' || !word.startsWith('-') || word === '-') break;
    if (word === '--semaphore' || word === '--fg') marked = true;
    else if (semValued.has(word)) i++;
  }
  if (!marked) return undefined;
  const at = argv.indexOf('--semaphore');
  return at === -1 ? argv : [...argv.slice(0, at), ...argv.slice(at + 1)];
}

/** Runs one `sem` call: the semaphore module loads only then. */
async function semMain(argv: readonly string[], io: CliIO): Promise<number> {
  const settings = parseSemArgs(argv, io.stdout, { env: io.env, stdinTerminal: io.stdinTerminal === true });
  if (settings === undefined) return ExitCode.ok;
  const { runSem } = await import('../semaphore/sem.js');
  return runSem(settings, { stderr: io.stderr, env: io.env, root: semaphoreRoot(io.env) });
}

/** Runs `qrun worker`: until a signal stops it, or Redis is lost for good. */
async function workerMain(argv: readonly string[], io: CliIO): Promise<Outcome> {
  const settings = parseWorkerArgs(argv, io.stdout, io.env);
  if (settings === undefined) return { exitCode: ExitCode.ok, reraise: undefined };
  const { runWorker } = await importFleet(() => import('../redis/worker.js'));
  return runWorker(settings, io);
}
