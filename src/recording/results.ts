// --results <dir>: each job's stdout, stderr and result.json in <dir>/<seq>/, readable only by the user.

import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, messageOf } from '../errors.js';
import type { Job, JobResult } from '../jobs/job.js';

/** Receives one attempt's output of one job. */
export interface ResultFiles {
  readonly onStdout: (chunk: Buffer) => void;
  readonly onStderr: (chunk: Buffer) => void;
}

/** A job's two output files: their descriptors, and the first error met opening or writing them. */
export interface OutputFiles {
  fds: [number, number];
  error: unknown;
}

/**
 * Opens a job's stdout and stderr files (`open` returns their descriptors) and writes each chunk
 * to them synchronously; a failure is kept in `entry.error` (raised when the job finishes), not thrown.
 */
export function outputFiles(open: () => [number, number]): { readonly entry: OutputFiles; readonly files: ResultFiles } {
  const entry: OutputFiles = { fds: [-1, -1], error: undefined };
  try {
    entry.fds = open();
  } catch (error) {
    entry.error = error;
  }
  const write = (index: 0 | 1) => (chunk: Buffer) => {
    if (entry.error !== undefined) return;
    try {
      let written = 0;
      while (written < chunk.length) written += writeSync(entry.fds[index], chunk, written);
    } catch (error) {
      entry.error = error;
    }
  };
  return { entry, files: { onStdout: write(0), onStderr: write(1) } };
}

/** Where --results go: a directory tree, or one table file (GNU parallel's .json/.csv/.tsv). */
export interface Results {
  /** The jobs' output goes only into the results, not to stdout (a table, as GNU parallel does). */
  readonly replacesOutput: boolean;
  /** Starts (or, for a retry, restarts) a job's output. */
  start(job: Job): ResultFiles;
  /** Writes the job's results; throws (or rejects) if any of it could not be written. */
  finish(result: JobResult): void | Promise<void>;
  /** Lets go of a job's output without writing its results (its output was lost). */
  discard(job: Job): void;
}

/** Writes the results tree; a failure to write is raised when the job finishes. */
export class ResultsWriter implements Results {
  readonly replacesOutput = false;

  private readonly open = new Map<number, OutputFiles>();

  constructor(private readonly dir: string) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new UsageError(`--results '${dir}' cannot be created: ${messageOf(error)}`);
    }
  }

  /** Starts (or, for a retry, restarts) a job's stdout and stderr files. */
  start(job: Job): ResultFiles {
    this.closeFiles(job.seq);
    const { entry, files } = outputFiles(() => {
      const jobDir = join(this.dir, String(job.seq));
      mkdirSync(jobDir, { recursive: true, mode: 0o700 });
      return [openSync(join(jobDir, 'stdout'), 'w', 0o600), openSync(join(jobDir, 'stderr'), 'w', 0o600)];
    });
    this.open.set(job.seq, entry);
    return files;
  }

  /** Writes result.json and closes the files; throws if any of the job's results could not be written. */
  finish(result: JobResult): void {
    const entry = this.open.get(result.job.seq);
    this.closeFiles(result.job.seq);
    const failure = entry?.error;
    if (failure === undefined) {
      const { job } = result;
      const summary = {
        seq: job.seq,
        id: job.id ?? null,
        cmd: result.command,
        exitCode: result.exitCode,
        signal: result.signal,
        timedOut: result.timedOut,
        startedAt: new Date(result.startedAt).toISOString(),
        durationMs: Math.round(result.durationMs),
        attempts: result.attempts,
      };
      try {
        writeFileSync(join(this.dir, String(job.seq), 'result.json'), `${JSON.stringify(summary, null, 2)}\n`, { mode: 0o600 });
        return;
      } catch (error) {
        throw resultsError(this.dir, error);
      }
    }
    throw resultsError(this.dir, failure);
  }

  /** Closes a job's files without writing result.json (its output was lost). */
  discard(job: Job): void {
    this.closeFiles(job.seq);
  }

  private closeFiles(seq: number): void {
    const entry = this.open.get(seq);
    if (!entry) return;
    for (const fd of entry.fds) if (fd >= 0) closeSync(fd);
    this.open.delete(seq);
  }
}

function resultsError(dir: string, error: unknown): Error {
  return new Error(`cannot write results in '${dir}': ${(error as NodeJS.ErrnoException).code ?? messageOf(error)}`, { cause: error });
}
