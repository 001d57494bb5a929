// The producer: jobs -> bounded queue, then one sentinel per worker.

import type { Job } from '../jobs/job.js';
import type { BoundedQueue } from '../queue/bounded-queue.js';
import type { QueueWaits } from './queue-waits.js';
import { unlessAborted } from './abortable.js';
import { endOfJobs, type QueueItem } from './sentinel.js';

/** What the producer needs: where jobs come from, where they go, and when to stop. */
export interface ProducerDeps {
  readonly jobs: AsyncIterable<Job>;
  readonly queue: BoundedQueue<QueueItem<Job>>;
  readonly workers: number;
  /** Aborts when the run stops taking new jobs (first signal, or a failure). */
  readonly stop: AbortSignal;
  /** A job that was read but will never run (queued when the run stopped). */
  readonly onNotStarted: (job: Job) => void;
  /** Told how long each put waited for room. */
  readonly waits?: QueueWaits | undefined;
}

const stopped = Symbol('stopped');

/**
 * Fills the queue until the records end or `stop` aborts. `put` waits while the queue is
 * full, so reading pauses too. On stop, queued jobs are taken back and reported as not
 * started. Always ends by queueing one sentinel per worker, so every worker wakes and exits.
 * Resolves to the number of jobs queued; rejects if reading the input failed.
 */
export async function produce(deps: ProducerDeps): Promise<number> {
  const { queue, stop } = deps;
  const iterator = deps.jobs[Symbol.asyncIterator]();
  let produced = 0;
  try {
    for (;;) {
      const pending = iterator.next();
      const next = await unlessAborted(pending, stop, stopped);
      if (next === stopped) {
        // A job that arrives after all is not lost: it is reported as not started.
        void pending.then((late) => (late.done === true ? undefined : deps.onNotStarted(late.value)), () => undefined);
        break;
      }
      if (next.done === true) break;
      const job = next.value;
      produced++;
      const putAt = performance.now();
      const accepted = await queue.put(job, stop);
      deps.waits?.producerWaited(performance.now() - putAt);
      if (!accepted) {
        deps.onNotStarted(job);
        break;
      }
    }
  } finally {
    // Stop reading (closes files; a pending read is abandoned, not awaited).
    void iterator.return?.(undefined).catch(() => undefined);
    if (stop.aborted) {
      for (const item of queue.drain()) if (item !== endOfJobs) deps.onNotStarted(item);
    }
    for (let i = 0; i < deps.workers; i++) await queue.put(endOfJobs);
  }
  return produced;
}
