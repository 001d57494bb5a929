// --delay: keeps job starts at least a given time apart, across all workers.

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

/** Hands out start times at least `delayMs` apart; each caller waits for its turn. */
export class Pacer {
  private nextStart = 0;

  constructor(
    private readonly delayMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Waits for this start's turn; false if `signal` aborted meanwhile (start nothing). */
  async wait(signal: AbortSignal): Promise<boolean> {
    if (this.delayMs <= 0) return !signal.aborted;
    const now = this.now();
    const at = Math.max(now, this.nextStart);
    this.nextStart = at + this.delayMs;
    await sleep(at - now, signal);
    return !signal.aborted;
  }
}
