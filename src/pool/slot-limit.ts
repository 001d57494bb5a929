// -j <file>: how many jobs run at once is read from a file, and read again when it changes (as a
// job completes), as GNU parallel does. Workers are started for the most the machine allows; a
// job takes one of the slots 1..limit before it starts, and gives it back when it is recorded.

/** The limit of jobs at once, and the slots within it. */
export class SlotLimit {
  private readonly taken = new Set<number>();
  private readonly waiting: (() => void)[] = [];

  /** `reread`: the limit as the file says now (undefined: unchanged, or unreadable, said by it). */
  constructor(
    private limit: number,
    private readonly reread: () => number | undefined,
  ) {}

  /** The lowest free slot within the limit, once there is one; undefined if `stop` aborts first. */
  async take(stop: AbortSignal): Promise<number | undefined> {
    for (;;) {
      if (stop.aborted) return undefined;
      const slot = this.lowestFree();
      if (slot !== undefined) {
        this.taken.add(slot);
        return slot;
      }
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          stop.removeEventListener('abort', wake);
          resolve();
        };
        this.waiting.push(wake);
        stop.addEventListener('abort', wake, { once: true });
      });
    }
  }

  /** A job is over: its slot is free, and the file is looked at again (a lower limit lets running jobs finish). */
  give(slot: number): void {
    this.taken.delete(slot);
    this.limit = this.reread() ?? this.limit;
    for (const wake of this.waiting.splice(0)) wake();
  }

  /** Jobs running now, and the limit (for tests and the log). */
  get state(): { readonly running: number; readonly limit: number } {
    return { running: this.taken.size, limit: this.limit };
  }

  private lowestFree(): number | undefined {
    if (this.taken.size >= this.limit) return undefined;
    for (let slot = 1; slot <= this.limit; slot++) if (!this.taken.has(slot)) return slot;
    return undefined;
  }
}
