// --joblog: GNU parallel's job log, one row per finished job, written as each job ends.

import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { UsageError, messageOf } from '../errors.js';
import type { JobResult } from '../jobs/job.js';
import { formatJoblogRow, joblogHeader } from './joblog-format.js';
import { writeChunk } from '../output/serial-writer.js';
import { encodeText } from '../byte-text.js';

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
    if (this.stream !== undefined) return writeChunk(this.stream, encodeText(row), 'stdout', this.giveUp);
    this.appendToFile(row);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private appendToFile(text: string): void {
    if (this.fd === undefined) return;
    const bytes = encodeText(text);
    try {
      let written = 0;
      while (written < bytes.length) written += writeSync(this.fd, bytes, written);
    } catch (error) {
      throw new Error(`cannot write the joblog '${this.path}': ${(error as NodeJS.ErrnoException).code ?? messageOf(error)}`, { cause: error });
    }
  }
}
