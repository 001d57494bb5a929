// One private temp file that holds job output which does not fit in memory.

import { closeSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { PrivateDir } from '../private-dir.js';

/** A stretch of the spill file that holds part of one job's output. */
export interface Segment {
  offset: number;
  length: number;
}

/**
 * Output of all jobs that is over the memory budget, appended to one file in qrun's private
 * directory (created on first use). The file is emptied whenever no job still needs any of it,
 * so an endless run does not grow it without end.
 */
export class SpillFile {
  private fd: number | undefined;
  private position = 0;
  private liveBytes = 0;

  constructor(private readonly dir: PrivateDir) {}

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
      throw this.dir.writeError('job output to the spill file', error);
    }
    this.position += chunk.length;
    this.liveBytes += chunk.length;
    return segment;
  }

  /** Reads up to `length` bytes at `offset` into a new buffer. */
  read(offset: number, length: number): Buffer {
    return readAt(this.open(), offset, length);
  }

  /** Gives back bytes no job needs any more. */
  release(bytes: number): void {
    this.liveBytes -= bytes;
    if (this.liveBytes === 0 && this.position > 0 && this.fd !== undefined) {
      ftruncateSync(this.fd, 0);
      this.position = 0;
    }
  }

  /** Closes the file (the directory goes with PrivateDir.dispose). */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private open(): number {
    this.fd ??= openSync(join(this.dir.path(), 'spill'), 'w+', 0o600);
    return this.fd;
  }
}

/** Reads exactly `length` bytes at `offset` of a file into a new buffer. */
export function readAt(fd: number, offset: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  let read = 0;
  while (read < length) {
    const n = readSync(fd, buffer, read, length - read, offset + read);
    if (n === 0) throw new Error('a temp file of job output ended early');
    read += n;
  }
  return buffer;
}
