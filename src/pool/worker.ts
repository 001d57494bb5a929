// One worker loop: take a job, run it, report it; exit on the sentinel.

import { setImmediate as nextLoopTurn } from 'node:timers/promises';
import type { Job } from '../jobs/job.js';
import type { BoundedQueue } from '../queue/bounded-queue.js';
import type { QueueWaits } from './queue-waits.js';
import { endOfJobs, type QueueItem } from './sentinel.js';

/** What a worker needs; `execute` runs one job and reports it (and never rejects for a failed job). */
export interface WorkerDeps {
  readonly queue: BoundedQueue<QueueItem<Job>>;
  readonly stop: AbortSignal;
  readonly execute: (job: Job, slot: number) => Promise<void>;
  readonly onNotStarted: (job: Job) => void;
  /** An unexpected error while handling a job: the pool stops the run. */
  readonly onCrash: (error: unknown, job: Job) => void;
  /** Told how long each wait on the queue took. */
  readonly waits?: QueueWaits | undefined;
}

/**
 * Runs jobs until it takes the sentinel. After `stop` aborts, jobs it still takes are
 * reported as not started. A crash is reported, and the loop keeps going to its sentinel,
 * so the producer's one-sentinel-per-worker count always matches.
 */
export async function workerLoop(slot: number, deps: WorkerDeps): Promise<void> {
  for (;;) {
    const getAt = performance.now();
    const item = await deps.queue.get();
    // Waiting for the sentinel is waiting for the input too: it comes when the input ends.
    deps.waits?.workerWaited(performance.now() - getAt);
    if (item === endOfJobs) return;
    if (deps.stop.aborted) {
      deps.onNotStarted(item);
      continue;
    }
    try {
      await deps.execute(item, slot);
    } catch (error) {
      deps.onCrash(error, item);
    }
    // A job that ends at once resumes this loop inside libuv's child-exit callback; starting the
    // next job right there, for ever, starves the event loop (no timers, no signal handlers, no
    // reaping). One turn of the loop per job keeps Ctrl-C, timeouts and progress alive.
    await nextLoopTurn();
  }
}
