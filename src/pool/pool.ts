// The pool: one producer and N workers around a bounded queue.

import type { Job } from '../jobs/job.js';
import { BoundedQueue } from '../queue/bounded-queue.js';
import { produce } from './producer.js';
import type { QueueWaits } from './queue-waits.js';
import { endOfJobs, type QueueItem } from './sentinel.js';
import { workerLoop } from './worker.js';

/** How the pool is wired. */
export interface PoolDeps {
  readonly jobs: AsyncIterable<Job>;
  readonly concurrency: number;
  readonly queueSize: number;
  readonly stop: AbortSignal;
  readonly execute: (job: Job, slot: number) => Promise<void>;
  readonly onNotStarted: (job: Job) => void;
  readonly onCrash: (error: unknown, job: Job | undefined) => void;
  /** Told how long the producer and the workers waited on the queue (queue metrics). */
  readonly waits?: QueueWaits | undefined;
}

/** A running pool: how many jobs wait in the queue (for progress), and a promise of the end. */
export interface Pool {
  readonly queueDepth: () => number;
  /** Resolves when the producer has read all of its input (or stopped reading). */
  readonly inputDone: Promise<void>;
  /** Resolves when every worker has exited; rejects only if reading the input failed. */
  readonly done: Promise<void>;
}

/** Starts the producer and `concurrency` workers (slots 1..N). */
export function startPool(deps: PoolDeps): Pool {
  const queue = new BoundedQueue<QueueItem<Job>>(deps.queueSize);
  const producing = produce({ ...deps, queue, workers: deps.concurrency });
  const workers = Array.from({ length: deps.concurrency }, (_, i) => workerLoop(i + 1, { ...deps, queue }));
  // The producer always queues the sentinels, even when reading fails: workers finish first.
  const done = Promise.allSettled([producing, ...workers]).then(([produced]) => {
    if (produced?.status === 'rejected') throw produced.reason;
  });
  const inputDone = producing.then(() => undefined, () => undefined);
  return { queueDepth: () => queue.count((item) => item !== endOfJobs), inputDone, done };
}
