// --pipe: each block is written to a file of its own in a private directory, which its job reads
// as stdin; the file goes once the job is over. Blocks wait on disk, not in memory.

import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobStdin } from './job-stdin.js';

/** The block files of one run. */
export class BlockSpool {
  private dir: string | undefined;

  constructor(private readonly parent: string = tmpdir()) {}

  /** Writes block number `seq`; resolves with the stdin of its job. */
  async write(seq: number, block: Buffer): Promise<JobStdin> {
    if (this.dir === undefined) {
      try {
        this.dir = mkdtempSync(join(this.parent, 'qrun-pipe-'));
      } catch (error) {
        throw new Error(`--pipe cannot create a directory for its blocks in ${this.parent}: ${codeOf(error)}`, { cause: error });
      }
    }
    const path = join(this.dir, String(seq));
    try {
      await writeFile(path, block, { mode: 0o600 });
    } catch (error) {
      throw new Error(`--pipe cannot write block ${seq} in ${this.parent}: ${codeOf(error)}`, { cause: error });
    }
    return { path, ranges: [{ start: 0, length: block.length }], temporary: true };
  }

  /** A job is over: its block file is removed. */
  release(stdin: JobStdin): void {
    if (!stdin.temporary) return;
    try {
      unlinkSync(stdin.path);
    } catch {
      // Already gone (the directory is removed at the end anyway).
    }
  }

  /** Removes every block file left; safe to call more than once. */
  dispose(): void {
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}
