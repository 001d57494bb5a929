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
  readonly stop: AbortSignal;
  readonly execute: (job: Job, slot: number) => Promise<void>;
  readonly onNotStarted: (job: Job) => void;
  readonly onCrash: (error: unknown, job: Job | undefined) => void;
  /** Told how long the producer and the workers waited on the queue (queue metrics). */
  readonly waits?: QueueWaits | undefined;
}

/**
 * The pool of a run, made before it runs so that what watches it (progress, metrics) can be
 * built first: how many jobs wait in its queue, when its input is read, and `run`.
 */
export interface Pool {
  readonly queueDepth: () => number;
  /** Resolves when the producer has read all of its input (or stopped reading). */
  readonly inputDone: Promise<void>;
  /**
   * Starts the producer and `concurrency` workers (slots 1..N); resolves when every worker has
   * exited, rejects only if reading the input failed. Called once.
   */
  readonly run: (deps: PoolDeps) => Promise<void>;
}

/** A pool around a queue of `queueSize` jobs. */
export function createPool(queueSize: number): Pool {
  const queue = new BoundedQueue<QueueItem<Job>>(queueSize);
  let inputRead: () => void = () => undefined;
  const inputDone = new Promise<void>((resolve) => (inputRead = resolve));
  return {
    queueDepth: () => queue.count((item) => item !== endOfJobs),
    inputDone,
    run: (deps) => {
      const producing = produce({ ...deps, queue, workers: deps.concurrency });
      void producing.then(inputRead, inputRead);
      const workers = Array.from({ length: deps.concurrency }, (_, i) => workerLoop(i + 1, { ...deps, queue }));
      // The producer always queues the sentinels, even when reading fails: workers finish first.
      return Promise.allSettled([producing, ...workers]).then(([produced]) => {
        if (produced?.status === 'rejected') throw produced.reason;
      });
    },
  };
}
