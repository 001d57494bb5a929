// One private temp file that holds job output which does not fit in memory.

import { closeSync, ftruncateSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A stretch of the spill file that holds part of one job's output. */
export interface Segment {
  offset: number;
  length: number;
}

/**
 * Output of all jobs that is over the memory budget, appended to one file in a directory only
 * the user can read (created on first use). The file is emptied whenever no job still needs
 * any of it, so an endless run does not grow it without end; `dispose` removes the directory.
 */
export class SpillFile {
  private fd: number | undefined;
  private dir: string | undefined;
  private position = 0;
  private liveBytes = 0;

  constructor(private readonly parentDir: string = tmpdir()) {}

  /** Appends a chunk and returns where it went. Throws (e.g. ENOSPC) if it cannot be written. */
  append(chunk: Buffer): Segment {
    const fd = this.open();
    const segment = { offset: this.position, length: chunk.length };
    let written = 0;
    try {
      while (written < chunk.length) {
        written += writeSync(fd, chunk, written, chunk.length - written, this.position + written);
      }
    } catch (error) {
      throw new Error(`cannot write job output to the spill file in ${this.parentDir}: ${errorCode(error)}`, { cause: error });
    }
    this.position += chunk.length;
    this.liveBytes += chunk.length;
    return segment;
  }

  /** Reads up to `length` bytes at `offset` into a new buffer. */
  read(offset: number, length: number): Buffer {
    const buffer = Buffer.allocUnsafe(length);
    let read = 0;
    while (read < length) {
      const n = readSync(this.open(), buffer, read, length - read, offset + read);
      if (n === 0) throw new Error('spill file ended early');
      read += n;
    }
    return buffer;
  }

  /** Gives back bytes no job needs any more. */
  release(bytes: number): void {
    this.liveBytes -= bytes;
    if (this.liveBytes === 0 && this.position > 0 && this.fd !== undefined) {
      ftruncateSync(this.fd, 0);
      this.position = 0;
    }
  }

  /** Where the spill directory is, if it was created (for tests and the log). */
  get directory(): string | undefined {
    return this.dir;
  }

  /** Closes and removes the file and its directory; safe to call more than once. */
  dispose(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
    this.fd = undefined;
    this.dir = undefined;
  }

  private open(): number {
    if (this.fd === undefined) {
      try {
        // mkdtemp makes the directory with mode 0700; the file itself is 0600.
        this.dir = mkdtempSync(join(this.parentDir, 'qrun-'));
        this.fd = openSync(join(this.dir, 'spill'), 'w+', 0o600);
      } catch (error) {
        throw new Error(`cannot create a spill file for job output in ${this.parentDir}: ${errorCode(error)}`, { cause: error });
      }
    }
    return this.fd;
  }
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}
