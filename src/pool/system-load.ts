// What --load and --memfree read of this machine: the 1-minute load average and the memory free.

import { readFileSync } from 'node:fs';
import { freemem, loadavg } from 'node:os';

/** Readings of the machine, passed in so that tests can give their own. */
export interface SystemReadings {
  /** The 1-minute load average. */
  readonly load: () => number;
  /** Bytes of memory available to new processes. */
  readonly freeBytes: () => number;
}

/** This machine: /proc/meminfo's MemAvailable (what the kernel could give without swapping), else os.freemem(). */
export const thisMachine: SystemReadings = {
  load: () => loadavg()[0] ?? 0,
  freeBytes: () => {
    try {
      const kb = /^MemAvailable:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'latin1'))?.[1];
      if (kb !== undefined) return Number(kb) * 1024;
    } catch {
      // Not Linux: Node's own figure.
    }
    return freemem();
  },
};
