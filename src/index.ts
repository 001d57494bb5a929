// The programmatic API: `import { run } from 'qrun'`.

import type { Writable } from 'node:stream';
import { parseOptions, type RawOptions, type RunOptions } from './cli/options.js';
import { UsageError } from './errors.js';
import { runQrun, type RunSummary } from './main.js';

export { UsageError };

export type { RunOptions, RawOptions } from './cli/options.js';
export type { RunSummary } from './main.js';
export type { Job, JobResult } from './jobs/job.js';
export type { OutputMode } from './report/output/output-sink.js';

/** Options of {@link run}: the CLI's options (camelCase, typed values allowed) plus where things go. */
export interface RunParams extends Omit<RawOptions, 'argFile' | 'null'> {
  /** The job command lines, one per element; empty ones are skipped. */
  records: Iterable<string> | AsyncIterable<string>;
  /** Where job stdout goes (default: process.stdout). */
  stdout?: Writable;
  /** Where job stderr, progress and the summary go (default: process.stderr). */
  stderr?: Writable;
  /** The jobs' environment (default: process.env); QRUN_SEQ and QRUN_SLOT are added per job. */
  env?: NodeJS.ProcessEnv;
  /** The jobs' working directory (default: process.cwd()). */
  cwd?: string;
  /** Aborting it stops the run like a first Ctrl-C: no new jobs, running ones finish. */
  signal?: AbortSignal;
}

/**
 * Runs each record as `<shell> -c <record>`, `concurrency` at a time, and resolves with the
 * summary (failed jobs are counted, never thrown). Unlike the CLI, it prints no summary and
 * shows no progress unless asked (`quiet: false`, `progress: true`), and does not listen to
 * process signals: use `signal`. Throws a UsageError for invalid options.
 */
export async function run(params: RunParams): Promise<RunSummary> {
  const { records, stdout = process.stdout, stderr = process.stderr, env = process.env, cwd = process.cwd(), signal, ...raw } = params;
  const options: RunOptions = parseOptions({ quiet: true, progress: false, ...raw });
  return runQrun(options, { kind: 'records', records }, {
    stdout,
    stderr,
    env,
    cwd,
    abort: signal,
    inheritable: stdout === process.stdout && stderr === process.stderr,
  });
}
