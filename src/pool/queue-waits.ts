// What the pool tells about its waits on the bounded queue (the queue metrics read it).

/** Where the pool reports its waits on the queue. */
export interface QueueWaits {
  /** The producer waited this long (ms) for room in the full queue. */
  readonly producerWaited: (ms: number) => void;
  /** A worker waited this long (ms) for a job in the empty queue. */
  readonly workerWaited: (ms: number) => void;
}
