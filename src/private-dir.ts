// A private temp directory (mode 0700) of qrun's, made on first use and removed at the end of the run.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A directory only the user can read: for spilled and captured job output, --pipe blocks, --shuf buckets. */
export class PrivateDir {
  private created: string | undefined;

  constructor(
    readonly parent: string = tmpdir(),
    /** What it holds, for the error when it cannot be made. */
    private readonly purpose = 'job output',
  ) {}

  /** The directory, created now if need be; throws a clear error if it cannot be. */
  path(): string {
    if (this.created === undefined) {
      try {
        // mkdtemp makes the directory with mode 0700.
        this.created = mkdtempSync(join(this.parent, 'qrun-'));
      } catch (error) {
        throw new Error(`cannot create a temp directory for ${this.purpose} in ${this.parent}: ${errorCode(error)}`, { cause: error });
      }
    }
    return this.created;
  }

  /** Where it is, if it was made (for tests). */
  get existing(): string | undefined {
    return this.created;
  }

  /** Describes a failure to write into it. */
  writeError(what: string, error: unknown): Error {
    return new Error(`cannot write ${what} in ${this.parent}: ${errorCode(error)}`, { cause: error });
  }

  /** Removes the directory and everything in it; safe to call more than once. */
  dispose(): void {
    if (this.created !== undefined) rmSync(this.created, { recursive: true, force: true });
    this.created = undefined;
  }
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}
