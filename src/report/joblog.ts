// --joblog: GNU parallel's job log, one row per finished job, written as each job ends.

import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import type { Writable } from 'node:stream';
import { UsageError, messageOf } from '../errors.js';
import type { JobResult } from '../jobs/job.js';
import { joblogHeader } from '../jobs/joblog-header.js';
import { sentBytes } from '../input/job-stdin.js';
import { writeChunk } from './output/serial-writer.js';

export { joblogHeader };

/** A job's Exitval and Signal columns, as GNU parallel 20221122 reports them (joblog and --results files). */
export function exitColumns(result: JobResult): { readonly exitval: number; readonly signo: number } {
  // As GNU parallel: killed by a signal: Exitval 0 and the signal; could not start: -1. A job that
  // timed out and died by the signal: -1 and the signal; one that exited by itself after the
  // SIGTERM keeps its exit code with Signal 0, except that exit 0 becomes -1 (it did not succeed).
  const exitval = result.error !== null || (result.timedOut && (result.signal !== null || result.exitCode === 0)) ? -1 : result.signal !== null ? 0 : (result.exitCode ?? -1);
  const signal = result.signal;
  return { exitval, signo: signal === null ? 0 : (constants.signals[signal] ?? 0) };
}

/** One row, as GNU parallel 20221122 formats it. */
export function formatJoblogRow(result: JobResult): string {
  const { exitval, signo } = exitColumns(result);
  const start = (result.startedAt / 1000).toFixed(3);
  const runtime = (result.durationMs / 1000).toFixed(3).padStart(10);
  // A newline inside a command would break the row: GNU parallel writes it as a NUL byte.
  const command = result.command.replaceAll('\n', '\0');
  return `${result.job.seq}\t${result.host ?? ':'}\t${start}\t${runtime}\t${sentBytes(result.job.stdin)}\t${result.stdoutBytes}\t${exitval}\t${signo}\t${command}\n`;
}

/** An open joblog. File rows are written synchronously, so each is on disk as its job is reported. */
export class Joblog {
  private constructor(
    private fd: number | undefined,
    private readonly path: string,
    private readonly stream: Writable | undefined,
    private readonly giveUp?: AbortSignal,
  ) {}

  /**
   * Opens `path`: truncated with a fresh header, or (resuming) appended to, with a header only if
   * empty; `header` false (`--joblog +file`): appended to, never a header, as GNU parallel.
   */
  static open(path: string, append: boolean, header = true): Joblog {
    let fd: number;
    try {
      fd = openSync(path, append ? 'a' : 'w', 0o600);
    } catch (error) {
      throw new UsageError(`--joblog '${path}' cannot be written: ${messageOf(error)}`);
    }
    const joblog = new Joblog(fd, path, undefined);
    try {
      if (header && fstatSync(fd).size === 0) joblog.appendToFile(`${joblogHeader}\n`);
    } catch (error) {
      joblog.close();
      const code = ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code ?? messageOf(error);
      throw new UsageError(`--joblog '${path}' cannot be written: ${code}`);
    }
    return joblog;
  }

  /** `--joblog -`: rows go to qrun's stdout (as GNU parallel does), each after its job's output. */
  static async toStdout(stdout: Writable, giveUp: AbortSignal): Promise<Joblog> {
    const joblog = new Joblog(undefined, '-', stdout, giveUp);
    await writeChunk(stdout, Buffer.from(`${joblogHeader}\n`), 'stdout', giveUp);
    return joblog;
  }

  /** Writes the row of a finished job; rejects (e.g. ENOSPC) if it cannot. */
  write(result: JobResult): Promise<void> | void {
    const row = formatJoblogRow(result);
    if (this.stream !== undefined) return writeChunk(this.stream, Buffer.from(row), 'stdout', this.giveUp);
    this.appendToFile(row);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private appendToFile(text: string): void {
    if (this.fd === undefined) return;
    const bytes = Buffer.from(text);
    try {
      let written = 0;
      while (written < bytes.length) written += writeSync(this.fd, bytes, written);
    } catch (error) {
      throw new Error(`cannot write the joblog '${this.path}': ${(error as NodeJS.ErrnoException).code ?? messageOf(error)}`, { cause: error });
    }
  }
}
