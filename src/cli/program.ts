// The commander program: argv -> raw option values (strings), with help and version.

import { Command, CommanderError, Option } from 'commander';
import type { Writable } from 'node:stream';
import { UsageError } from '../errors.js';
import { version } from '../version.js';

/** What commander produced: raw values to validate, or a request that was already answered. */
export type ParsedArgs = { kind: 'run'; raw: Record<string, unknown> } | { kind: 'answered' };

const examples = `
Examples:
  qrun -c 8 < jobs.txt                 run each line of jobs.txt, 8 at a time
  qrun -a jobs.txt -t 30s              from a file; kill any job still running after 30 s
  find . -name '*.gz' -print0 | sed 's/^/gzip -t /' | tr '\\n' '\\0' | qrun -0
  qrun -k --tag -c 4 < jobs.txt        output in input order, each line prefixed by the job number

Exit status: 0 all jobs succeeded; 1-100 that many jobs failed; 101 more than 100 failed;
130/143/129 interrupted by SIGINT/SIGTERM/SIGHUP; 255 qrun's own error (bad option or input).
`;

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Builds the program; help and version are written to `stdout`. */
function buildProgram(stdout: Writable): Command {
  return new Command('qrun')
    .description('Run shell command lines from stdin or files, N at a time.')
    .version(version, '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'show this help and exit')
    .option('-c, --concurrency <n>', 'how many jobs run at once (default: number of CPUs)')
    .option('-j, --jobs <n>', 'another name for --concurrency')
    .option('-a, --arg-file <file>', 'read job records from <file> (repeatable, in order; "-" is stdin)', collect)
    .option('-0, --null', 'records are separated by NUL bytes instead of newlines')
    .option('--queue-size <n>', 'jobs read ahead into the bounded queue (default: 2 x concurrency)')
    .option('-t, --timeout <duration>', 'per-job time limit: 500ms, 30s, 5m, 1h; a bare number is seconds')
    .option('--kill-after <duration>', 'after SIGTERM to a job, SIGKILL it this much later', '2s')
    .option('--shell <path>', 'shell that runs each record as <shell> -c <record>', '/bin/sh')
    .addOption(new Option('--output <mode>', 'group: whole job output at once; line: whole lines; ungroup: as is').default('group'))
    .option('-k, --keep-order', 'write job output in input order (group and line modes)')
    .option('--tag', 'prefix each output line with the job number and a tab')
    .option('--progress', 'show a live status line on stderr (default: when stderr is a terminal and CI is unset)')
    .option('--no-progress', 'never show the status line')
    .option('--log-file <path>', 'append a structured NDJSON log of the run to <path>')
    .option('--log-level <level>', 'fatal, error, warn, info, debug or trace', 'info')
    .option('-q, --quiet', 'no summary at the end')
    .addHelpText('after', examples)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => stdout.write(text),
      // Errors become a UsageError below, printed once in qrun's own format.
      writeErr: () => undefined,
      outputError: () => undefined,
    });
}

/** Parses user arguments (without node and script path). Throws UsageError on a bad call. */
export function parseArgs(argv: readonly string[], stdout: Writable): ParsedArgs {
  const program = buildProgram(stdout);
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return { kind: 'answered' };
      throw new UsageError(error.message.replace(/^error: /, ''));
    }
    throw error;
  }
  return { kind: 'run', raw: program.opts() };
}
