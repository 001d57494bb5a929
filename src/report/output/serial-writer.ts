// Writes to the output streams one task at a time, waiting for 'drain' when a stream is full.

import type { Writable } from 'node:stream';

/** Writes a chunk; the promise (if any) settles once the stream can take more. */
export function writeChunk(stream: Writable, chunk: Buffer): Promise<void> | undefined {
  if (stream.destroyed || stream.writableEnded) return undefined;
  if (stream.write(chunk)) return undefined;
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('error', done);
      stream.off('close', done);
      resolve();
    };
    stream.once('drain', done);
    // A broken stream (EPIPE) is handled by whoever owns it; here it only must not hang.
    stream.once('error', done);
    stream.once('close', done);
  });
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
