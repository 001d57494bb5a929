// Writes to the output streams one task at a time, waiting until each chunk is really written.

import type { Writable } from 'node:stream';
import { listen } from './stream-events.js';

/** The reason given when qrun stopped waiting for a reader that does not read. */
export const notRead = 'not being read';

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
export function writeChunk(stream: Writable, chunk: Buffer, name: 'stdout' | 'stderr', giveUp?: AbortSignal): Promise<void> {
  if (giveUp?.aborted) return Promise.reject(new StreamWriteError(name, notRead));
  if (stream.destroyed || stream.writableEnded) {
    return Promise.reject(new StreamWriteError(name, stream.errored ? codeOf(stream.errored) : 'closed'));
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    let written = false;
    let drained = true;
    const finish = (error: Error | undefined): void => {
      if (settled) return;
      if (error === undefined && !(written && drained)) return;
      settled = true;
      stopDrain();
      stopClose();
      giveUp?.removeEventListener('abort', onGiveUp);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = (): void => {
      drained = true;
      finish(undefined);
    };
    // A stream destroyed with the write still pending (qrun gave up on a reader that does not
    // read) may never call the write back: closing settles it as lost.
    const onClose = (): void => finish(new StreamWriteError(name, stream.errored ? codeOf(stream.errored) : 'closed'));
    // qrun gave up on a reader that does not read: the write stays pending in the stream (a
    // process's stdout cannot be closed), but qrun stops waiting for it.
    const onGiveUp = (): void => finish(new StreamWriteError(name, notRead));
    let stopDrain = noop;
    let stopClose = noop;
    drained = stream.write(chunk, (error) => {
      written = true;
      finish(error ? new StreamWriteError(name, codeOf(error), { cause: error }) : undefined);
    });
    if (settled) return;
    if (!drained) stopDrain = listen(stream, 'drain', onDrain);
    stopClose = listen(stream, 'close', onClose);
    giveUp?.addEventListener('abort', onGiveUp, { once: true });
    finish(undefined);
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

function noop(): void {}
