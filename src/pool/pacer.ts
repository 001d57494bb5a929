// --delay: keeps job starts at least a given time apart, across all workers.

import { sleep, systemClock, type Clock } from '../clock.js';
import { unlessAborted } from './abortable.js';

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
    private readonly clock: Clock = systemClock,
  ) {}

  /** Waits for this start's turn; undefined if `signal` aborted meanwhile (start nothing). */
  async wait(signal: AbortSignal): Promise<Started | undefined> {
    if (this.delayMs <= 0) return signal.aborted ? undefined : noop;
    const previous = this.turn;
    let release: () => void = noop;
    this.turn = new Promise((resolve) => (release = resolve));
    await unlessAborted(previous, signal, undefined);
    // A timer may fire a little early by the wall clock: wait until the delay has really passed.
    for (let left = this.lastStart + this.delayMs - this.clock.now(); left > 0 && !signal.aborted; left = this.lastStart + this.delayMs - this.clock.now()) {
      await sleep(left, signal, this.clock);
    }
    if (signal.aborted) {
      release();
      return undefined;
    }
    return () => {
      this.lastStart = this.clock.now();
      release();
    };
  }
}

function noop(): void {}
