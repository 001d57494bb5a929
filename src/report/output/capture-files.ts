// Group mode: jobs write stdout and stderr straight into private files, reused from job to job.

import { closeSync, fstatSync, ftruncateSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { PrivateDir } from './private-dir.js';
import { readAt } from './spill-file.js';

/** The stdout and stderr files one job writes into. */
export interface CapturePair {
  readonly fds: readonly [number, number];
}

/** Size of the pieces a captured file is read back in. */
const readPiece = 1024 * 1024;

/**
 * A pool of file pairs. A job's shell inherits a pair as its stdout and stderr, so its output
 * never passes through qrun while it runs (no pipes, no memory); qrun copies it out when the
 * job's turn comes, then empties the pair for the next job. The files are opened O_APPEND, so
 * after emptying, writes start again at the beginning.
 */
export class CaptureFiles {
  private readonly free: CapturePair[] = [];
  private readonly all: CapturePair[] = [];

  constructor(private readonly dir: PrivateDir) {}

  /** A pair to run a job with; throws if the private directory or files cannot be made. */
  take(): CapturePair {
    const pair = this.free.pop();
    if (pair) return pair;
    const base = join(this.dir.path(), `job-${this.all.length}`);
    let out: number | undefined;
    try {
      out = openSync(`${base}.out`, 'a+', 0o600);
      const created = { fds: [out, openSync(`${base}.err`, 'a+', 0o600)] as const };
      this.all.push(created);
      return created;
    } catch (error) {
      if (out !== undefined) closeSync(out);
      throw this.dir.writeError('files for job output', error);
    }
  }

  /** Bytes written so far into one file of the pair. */
  size(pair: CapturePair, index: 0 | 1): number {
    return fstatSync(pair.fds[index]).size;
  }

  /** Hands a file's content, in order and in pieces, to `write` (awaited, for back-pressure). */
  async copy(pair: CapturePair, index: 0 | 1, write: (chunk: Buffer) => Promise<void> | void): Promise<void> {
    const size = this.size(pair, index);
    for (let offset = 0; offset < size; offset += readPiece) {
      await write(readAt(pair.fds[index], offset, Math.min(readPiece, size - offset)));
    }
  }

  /** The same as `copy`, all at once, for a destination that takes chunks synchronously. */
  copySync(pair: CapturePair, index: 0 | 1, write: (chunk: Buffer) => void): void {
    const size = this.size(pair, index);
    for (let offset = 0; offset < size; offset += readPiece) write(readAt(pair.fds[index], offset, Math.min(readPiece, size - offset)));
  }

  /** Empties a pair and puts it back in the pool. */
  release(pair: CapturePair): void {
    for (const fd of pair.fds) ftruncateSync(fd, 0);
    this.free.push(pair);
  }

  /** Closes every file (the directory goes with PrivateDir.dispose). */
  close(): void {
    for (const pair of this.all) for (const fd of pair.fds) closeSync(fd);
    this.all.length = 0;
    this.free.length = 0;
  }
}
