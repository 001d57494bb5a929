// Writes to the output streams one task at a time, waiting until each chunk is really written.

import type { Writable } from 'node:stream';

/** A chunk of output that could not be written to qrun's stdout or stderr. */
export class StreamWriteError extends Error {
  override readonly name = 'StreamWriteError';
  constructor(
    readonly stream: 'stdout' | 'stderr',
    readonly code: string,
    options?: ErrorOptions,
  ) {
    super(`cannot write to ${stream}: ${code}`, options);
  }
}

/**
 * Writes a chunk and settles once the stream has taken it: resolves when it was written (and
 * the stream can take more), rejects with a StreamWriteError when it could not be (ENOSPC,
 * EBADF, EPIPE, a destroyed stream). Waiting for the write's own callback is what lets a caller
 * know that output reached its destination before it records the job as done.
 */
export function writeChunk(stream: Writable, chunk: Buffer, name: 'stdout' | 'stderr'): Promise<void> {
  if (stream.destroyed || stream.writableEnded) {
    return Promise.reject(new StreamWriteError(name, stream.errored ? codeOf(stream.errored) : 'closed'));
  }
  return new Promise((resolve, reject) => {
    let failed: Error | undefined;
    let pending = 2;
    const settle = (): void => {
      if (--pending > 0) return;
      if (failed) reject(failed);
      else resolve();
    };
    const full = !stream.write(chunk, (error) => {
      if (error) failed = new StreamWriteError(name, codeOf(error), { cause: error });
      settle();
      // After a failure no 'drain' comes: stop waiting for it.
      if (error && full) settle();
    });
    if (!full) settle();
    else {
      const drained = (): void => {
        stream.off('drain', drained);
        stream.off('close', drained);
        if (pending > 0 && !failed) settle();
      };
      stream.once('drain', drained);
      stream.once('close', drained);
    }
  });
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
}

/** Runs write tasks strictly one after another, so two jobs' output never interleaves. */
export class SerialWriter {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly beforeWrite: () => void) {}

  /** Queues `task` behind every earlier one; the promise settles when it has run. */
  run(task: () => Promise<void> | void): Promise<void> {
    const next = this.tail.then(() => {
      this.beforeWrite();
      return task();
    });
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** Settles when every queued task has run. */
  idle(): Promise<void> {
    return this.tail;
  }
}
