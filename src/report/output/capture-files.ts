// Group mode: jobs write stdout and stderr straight into private files, reused from job to job.

import { closeSync, fstatSync, openSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { PrivateDir } from './private-dir.js';
import { readAt } from './spill-file.js';

/** The stdout and stderr files one job writes into. */
export interface CapturePair {
  readonly fds: readonly [number, number];
  readonly paths: readonly [string, string];
}

/** Size of the pieces a captured file is read back in. */
const readPiece = 1024 * 1024;

/**
 * Files for jobs' output. A job's shell gets a fresh pair as its stdout and stderr, so its output
 * never passes through qrun while it runs (no pipes, no memory); qrun copies it out when the
 * job's turn comes, then closes and deletes the pair. Fresh files per job (rather than reused
 * ones) mean a process that escaped the job's group (setsid) and still writes cannot leak into
 * another job's output.
 */
export class CaptureFiles {
  private readonly live = new Set<CapturePair>();
  private counter = 0;

  constructor(private readonly dir: PrivateDir) {}

  /** A pair to run a job with; throws if the private directory or files cannot be made. */
  take(): CapturePair {
    const base = join(this.dir.path(), `job-${++this.counter}`);
    const paths = [`${base}.out`, `${base}.err`] as const;
    let out: number | undefined;
    try {
      out = openSync(paths[0], 'w+', 0o600);
      const pair = { fds: [out, openSync(paths[1], 'w+', 0o600)] as const, paths };
      this.live.add(pair);
      return pair;
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

  /** Closes and deletes a pair once its content is no longer needed. */
  release(pair: CapturePair): void {
    if (!this.live.delete(pair)) return;
    for (const fd of pair.fds) closeSync(fd);
    for (const path of pair.paths) unlinkSync(path);
  }

  /** Closes every file still open (the directory goes with PrivateDir.dispose). */
  close(): void {
    for (const pair of this.live) for (const fd of pair.fds) closeSync(fd);
    this.live.clear();
  }
}
