// --delay: keeps job starts at least a given time apart, across all workers.

import { unlessAborted } from './abortable.js';

/** Sleeps `ms`, or less if `signal` aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Called once the job has started (or will not start after all): the next one may take its turn. */
export type Started = () => void;

/**
 * --delay: job starts at least `delayMs` apart, across all workers, measured from the moment each
 * job really started (the caller says when), so the joblog's start times are never closer than
 * the delay, however late a start was. Waiters take their turns one after another.
 */
export class Pacer {
  private lastStart = -Infinity;
  private turn: Promise<void> = Promise.resolve();

  constructor(
    private readonly delayMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Waits for this start's turn; undefined if `signal` aborted meanwhile (start nothing). */
  async wait(signal: AbortSignal): Promise<Started | undefined> {
    if (this.delayMs <= 0) return signal.aborted ? undefined : noop;
    const previous = this.turn;
    let release: () => void = noop;
    this.turn = new Promise((resolve) => (release = resolve));
    await unlessAborted(previous, signal, undefined);
    // A timer may fire a little early by the wall clock: wait until the delay has really passed.
    for (let left = this.lastStart + this.delayMs - this.now(); left > 0 && !signal.aborted; left = this.lastStart + this.delayMs - this.now()) {
      await sleep(left, signal);
    }
    if (signal.aborted) {
      release();
      return undefined;
    }
    return () => {
      this.lastStart = this.now();
      release();
    };
  }
}

function noop(): void {}
