// Group mode: jobs write stdout and stderr straight into private files, fresh ones for each job.

import { closeSync, constants, fstatSync, ftruncateSync, openSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { PrivateDir } from '../private-dir.js';
import { readAt } from './spill-file.js';

/** The stdout and stderr files one job writes into. */
export interface CapturePair {
  readonly fds: readonly [number, number];
  /** Their names, to delete; none for unnamed files (O_TMPFILE), which vanish when closed. */
  readonly paths: readonly [string, string] | undefined;
  /** How many times the disk had been seen full when the pair was made. */
  readonly fullSeen: number;
}

/**
 * Linux's O_TMPFILE: an unnamed file in a directory, gone when closed. Node has no constant for it;
 * its bit is the same on every Linux CPU, O_DIRECTORY's is not (x64 0o200000, arm64 0o40000).
 */
const unnamedFile = 0o20000000 | (constants.O_DIRECTORY ?? 0o200000);

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
  /** Counts the checks that found the disk full: a pair made before a change may hold cut output. */
  private fullSeen = 0;

  constructor(private readonly dir: PrivateDir) {}

  /** Whether unnamed files work in this directory (Linux, most file systems); tried once. */
  private unnamed = process.platform === 'linux';

  /** Pairs taken and not yet released. */
  get inUse(): number {
    return this.live.size;
  }

  /** A pair to run a job with; throws if the private directory or files cannot be made. */
  take(): CapturePair {
    if (this.unnamed) {
      // Unnamed files: no name to create or delete, about half the cost of a named pair.
      const dir = this.dir.path();
      let out: number | undefined;
      try {
        out = openSync(dir, unnamedFile | constants.O_RDWR, 0o600);
        const pair = { fds: [out, openSync(dir, unnamedFile | constants.O_RDWR, 0o600)] as const, paths: undefined, fullSeen: this.fullSeen };
        this.live.add(pair);
        return pair;
      } catch (error) {
        if (out !== undefined) closeSync(out);
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'EOPNOTSUPP' && code !== 'EISDIR' && code !== 'EINVAL' && code !== 'ENOTSUP') throw this.dir.writeError('files for job output', error);
        this.unnamed = false;
      }
    }
    const base = join(this.dir.path(), `job-${++this.counter}`);
    const paths = [`${base}.out`, `${base}.err`] as const;
    let out: number | undefined;
    try {
      out = openSync(paths[0], 'w+', 0o600);
      const pair = { fds: [out, openSync(paths[1], 'w+', 0o600)] as const, paths, fullSeen: this.fullSeen };
      this.live.add(pair);
      return pair;
    } catch (error) {
      if (out !== undefined) closeSync(out);
      throw this.dir.writeError('files for job output', error);
    }
  }

  /**
   * Calls `incomplete` if the job's output may have been cut: the kernel does not tell qrun that
   * a job's write into its file failed (ENOSPC), so qrun looks at the disk instead. If the disk
   * was seen full at any check while the pair was in use (checks run as each job ends and before
   * any capture file is deleted, the only moments qrun itself frees space), a write may have failed.
   */
  checkComplete(pair: CapturePair | undefined, incomplete: (error: Error) => void): void {
    if (pair === undefined) return;
    this.checkDisk();
    if (pair.fullSeen === this.fullSeen) return;
    incomplete(new Error(`job output is incomplete: the disk of ${this.dir.parent} was full while the job wrote into it (ENOSPC)`));
  }

  /** Notes whether the capture directory's file system is full now (less than two blocks free). */
  private checkDisk(): void {
    const dir = this.dir.existing;
    if (dir === undefined) return;
    try {
      const stats = statfsSync(dir);
      // root may write into the blocks reserved for it; others only into the available ones.
      const free = process.getuid?.() === 0 ? stats.bfree : stats.bavail;
      if (free < 2) this.fullSeen++;
    } catch {
      // A file system that cannot say: assume the best, as before this check existed.
    }
  }

  /** Appends a chunk to one file of the pair (output that reaches qrun as chunks); throws if it cannot. */
  append(pair: CapturePair, index: 0 | 1, chunk: Buffer): void {
    try {
      // At the file's end, wherever its offset is (a restart truncates it).
      const end = this.size(pair, index);
      let written = 0;
      while (written < chunk.length) written += writeSync(pair.fds[index], chunk, written, chunk.length - written, end + written);
    } catch (error) {
      throw this.dir.writeError('job output', error);
    }
  }

  /** Empties both files of a pair (the job runs again from the start elsewhere). */
  truncate(pair: CapturePair): void {
    for (const fd of pair.fds) ftruncateSync(fd, 0);
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
    // Deleting frees space: first note whether the disk is full for the jobs still writing.
    if (this.live.size > 0) this.checkDisk();
    for (const fd of pair.fds) closeSync(fd);
    for (const path of pair.paths ?? []) unlinkSync(path);
  }

  /** Closes every file still open (the directory goes with PrivateDir.dispose). */
  close(): void {
    for (const pair of this.live) for (const fd of pair.fds) closeSync(fd);
    this.live.clear();
  }
}
