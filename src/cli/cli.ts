// The command line: argv -> options -> the one run root -> exit status.

import type { Readable } from 'node:stream';
import { ExitCode, UsageError, messageOf, type InterruptSignal } from '../errors.js';
import { runQrun, type RunIO } from '../main.js';
import { parseOptions } from './options.js';
import { parseArgs } from './program.js';
import { parseWorkerArgs } from './worker-cli.js';

/** The process-level things the CLI uses, passed in by bin/qrun.js. */
export interface CliIO extends RunIO {
  readonly stdin: Readable;
}

/** How the process should end: an exit code, or a signal to re-raise so the caller sees it. */
export interface Outcome {
  readonly exitCode: number;
  readonly reraise: InterruptSignal | undefined;
}

/** Runs qrun with user arguments; never throws: errors become a one-line message and 255. */
export async function main(argv: readonly string[], io: CliIO): Promise<Outcome> {
  try {
    // `qrun worker …` is the fleet's worker; a template whose first word is worker is written `qrun -- worker …`.
    if (argv[0] === 'worker') return await workerMain(argv.slice(1), io);
    const parsed = parseArgs(argv, io.stdout, io.env);
    if (parsed.kind === 'answered') return { exitCode: ExitCode.ok, reraise: undefined };
    const options = parseOptions(parsed.raw, undefined, parsed.names);
    const summary = await runQrun(options, { kind: 'files', paths: options.argFiles, stdin: io.stdin }, io);
    if (summary.error !== undefined) io.stderr.write(`qrun: ${summary.error}\n`);
    return { exitCode: summary.exitCode, reraise: summary.error === undefined ? summary.interruptedBy : undefined };
  } catch (error) {
    const message = error instanceof UsageError ? messageOf(error) : `internal error: ${messageOf(error)}`;
    io.stderr.write(`qrun: ${message}\n`);
    return { exitCode: ExitCode.error, reraise: undefined };
  }
}

/** Runs `qrun worker`: until a signal stops it, or Redis is lost for good. */
async function workerMain(argv: readonly string[], io: CliIO): Promise<Outcome> {
  const settings = parseWorkerArgs(argv, io.stdout, io.env);
  if (settings === undefined) return { exitCode: ExitCode.ok, reraise: undefined };
  const { runWorker } = await import('../redis/worker.js');
  return runWorker(settings, io);
}
