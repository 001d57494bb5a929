// --pipe: each block is written to a file of its own in a private directory, which its job reads
// as stdin; the file goes once the job is over. Blocks wait on disk, not in memory.

import { unlinkSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PrivateDir } from '../private-dir.js';
import type { JobStdin } from './job-stdin.js';

/** The block files of one run. */
export class BlockSpool {
  private readonly dir: PrivateDir;

  constructor(parent?: string) {
    this.dir = new PrivateDir(parent, 'the --pipe blocks');
  }

  /** Writes block number `seq`; resolves with the stdin of its job. */
  async write(seq: number, block: Buffer): Promise<JobStdin> {
    const path = join(this.dir.path(), String(seq));
    try {
      await writeFile(path, block, { mode: 0o600 });
    } catch (error) {
      throw this.dir.writeError(`--pipe block ${seq}`, error);
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
    this.dir.dispose();
  }
}
