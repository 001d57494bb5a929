// The end-of-work marker: the producer queues one per worker.

/** Taken from the queue by a worker, it tells that worker to exit. */
export const endOfJobs: unique symbol = Symbol('endOfJobs');

/** What travels through the queue: a job, or the sentinel. */
export type QueueItem<J> = J | typeof endOfJobs;
