// --load and --memfree: a job starts only while the machine has room for it.

import { sleep, systemClock, type Clock } from '../clock.js';
import type { SystemReadings } from './system-load.js';

/** The limits a start waits for. */
export interface StartLimits {
  /** --load: start only while the 1-minute load average is below this. */
  readonly maxLoad: number | undefined;
  /** --memfree: start only while at least this many bytes are free. */
  readonly memFree: number | undefined;
}

/** Why starts are held back, for a notice: undefined when a job may start. */
export function heldBack(limits: StartLimits, readings: SystemReadings): string | undefined {
  if (limits.maxLoad !== undefined) {
    const load = readings.load();
    if (load >= limits.maxLoad) return `the load average is ${load.toFixed(2)}, --load is ${limits.maxLoad}`;
  }
  if (limits.memFree !== undefined) {
    const free = readings.freeBytes();
    if (free < limits.memFree) return `${mb(free)} of memory is free, --memfree is ${mb(limits.memFree)}`;
  }
  return undefined;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

/** Holds job starts back while the machine is over a limit, checking again every `intervalMs`. */
export class StartGate {
  private told = false;

  constructor(
    private readonly limits: StartLimits,
    private readonly readings: SystemReadings,
    /** Told once when starts are first held back (a line on stderr). */
    private readonly notice: (why: string) => void,
    private readonly intervalMs = 500,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Resolves true when a job may start, false if `signal` aborted first. */
  async wait(signal: AbortSignal): Promise<boolean> {
    for (let why = heldBack(this.limits, this.readings); why !== undefined; why = heldBack(this.limits, this.readings)) {
      if (signal.aborted) return false;
      if (!this.told) {
        this.told = true;
        this.notice(`waiting to start jobs: ${why}`);
      }
      await sleep(this.intervalMs, signal, this.clock);
    }
    return !signal.aborted;
  }
}
