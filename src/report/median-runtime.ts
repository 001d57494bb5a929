// The median runtime of the jobs that succeeded so far (--timeout N%), in fixed memory.

import { isFailure } from '../jobs/job.js';
import type { RunEvent } from './events.js';

/** Each bucket is 1% wider than the one before: the median is known to within half a percent. */
const growth = 1.01;
/** Enough buckets for runtimes up to 24 days (2^31 ms). */
const buckets = Math.ceil(Math.log(2 ** 31) / Math.log(growth)) + 2;

/**
 * Counts succeeded jobs' runtimes in a histogram of 1%-wide buckets: memory stays the same
 * however many jobs end, where a list of every runtime (GNU parallel's way) would grow with them.
 */
export class MedianRuntime {
  private readonly counts = new Uint32Array(buckets);
  private total = 0;
  private cached: number | undefined;

  /** The event sink: takes the runtime of each job whose last attempt succeeded. */
  readonly handle = (event: RunEvent): void => {
    if (event.kind !== 'job-ended' || event.result.attempts === 0 || isFailure(event.result)) return;
    this.add(event.result.durationMs);
  };

  add(ms: number): void {
    const index = Math.min(buckets - 1, Math.floor(Math.log(Math.max(ms, 0) + 1) / Math.log(growth)));
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    this.total++;
    this.cached = undefined;
  }

  /** The median in ms (the middle one, the lower of the two for an even count), or undefined before any. */
  medianMs(): number | undefined {
    if (this.total === 0) return undefined;
    if (this.cached !== undefined) return this.cached;
    const rank = Math.floor((this.total - 1) / 2);
    let seen = 0;
    let index = 0;
    for (; index < buckets; index++) {
      seen += this.counts[index] ?? 0;
      if (seen > rank) break;
    }
    // The bucket's middle, back on the runtime scale.
    this.cached = Math.max(0, growth ** (index + 0.5) - 1);
    return this.cached;
  }

  /** --timeout N%: N% of the median (whole ms, within Node's timer range), or undefined before any. */
  limitMs(percent: number): number | undefined {
    const ms = this.medianMs();
    return ms === undefined ? undefined : Math.min(2 ** 31 - 1, Math.max(1, Math.ceil((ms * percent) / 100)));
  }
}
