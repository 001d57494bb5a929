// The command line: argv -> options -> run -> exit status. A thin layer over runJobs.

import type { Readable } from 'node:stream';
import { ExitCode, UsageError, messageOf, signalNumbers, type InterruptSignal } from '../errors.js';
import { countRecords } from '../input/count.js';
import { closeSources, openSources, readSources } from '../input/sources.js';
import { splitRecords } from '../input/split-records.js';
import { runJobs, type RunIO } from '../main.js';
import { listenForInterrupt } from '../shutdown/interrupt.js';
import { checkShell } from './check-shell.js';
import { fitConcurrency, openFileLimit } from './fd-budget.js';
import { parseOptions } from './options.js';
import { parseArgs } from './program.js';

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
    const parsed = parseArgs(argv, io.stdout, io.env);
    if (parsed.kind === 'answered') return { exitCode: ExitCode.ok, reraise: undefined };
    const asked = parseOptions(parsed.raw, undefined, parsed.names);
    checkShell(asked.shell, io.env.PATH);
    const fitted = fitConcurrency(asked.concurrency, openFileLimit());
    if (fitted.note !== undefined) io.stderr.write(`qrun: ${fitted.note}\n`);
    const options = { ...asked, concurrency: fitted.concurrency };
    let sources = await openSources(options.argFiles);
    let summary;
    let dispose = (): void => undefined;
    try {
      let total: number | undefined;
      if (options.halt.when !== 'never' && options.halt.percent) {
        // GNU parallel reads all input first to know what N% of the jobs is; so does qrun (to disk).
        const interrupt = listenForInterrupt(io.signals);
        try {
          const counted = await countRecords(sources, io.stdin, options.separator, interrupt.signal, io.tmpDir);
          ({ sources, dispose } = counted);
          total = counted.count;
        } catch (error) {
          const signal = interrupt.received();
          if (signal === undefined) throw error;
          io.stderr.write(`qrun: interrupted by ${signal} while counting the input for --halt: no job started\n`);
          return { exitCode: 128 + signalNumbers[signal], reraise: signal };
        } finally {
          interrupt.dispose();
        }
      }
      summary = await runJobs(options, splitRecords(readSources(sources, io.stdin), options.separator), io, total);
    } finally {
      await closeSources(sources).catch(() => undefined);
      dispose();
    }
    if (summary.error !== undefined) io.stderr.write(`qrun: ${summary.error}\n`);
    return { exitCode: summary.exitCode, reraise: summary.error === undefined ? summary.interruptedBy : undefined };
  } catch (error) {
    const message = error instanceof UsageError ? messageOf(error) : `internal error: ${messageOf(error)}`;
    io.stderr.write(`qrun: ${message}\n`);
    return { exitCode: ExitCode.error, reraise: undefined };
  }
}
