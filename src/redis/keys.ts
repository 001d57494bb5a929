// The Redis keys of the fleet mode: BullMQ's, and qrun's own for each run, all under one hash tag.

/** BullMQ's key prefix: the hash tag keeps every key of qrun on one Redis Cluster slot. */
export const prefix = '{qrun}';

/** qrun's own keys for one run on one queue. */
export interface RunKeys {
  /** The stream workers write a run's output and results into. */
  readonly output: string;
  /** Exists while the submitter is alive (refreshed, with a TTL). */
  readonly alive: string;
  /** Set when the submitter's second Ctrl-C asks workers to kill this run's jobs. */
  readonly cancel: string;
  /**
   * The Redis client id of the submitter's connection (refreshed with the liveness key): while
   * Redis lists it, the submitter is alive. A SIGKILLed submitter's connection is gone at once,
   * long before the liveness key's TTL runs out.
   */
  readonly client: string;
  /** Fleet --halt: the jobs that counted towards it so far (a hash: fail, success, done). */
  readonly tally: string;
  /** Fleet --halt reached on a worker: workers start no more of this run's jobs. */
  readonly halted: string;
  /** What `qrun status` shows of the run (JSON, refreshed with the liveness key). */
  readonly info: string;
}

/** The keys of run `runId` on queue `queue`. */
export function runKeys(queue: string, runId: string): RunKeys {
  const base = `${prefix}:${queue}:run:${runId}`;
  return { output: `${base}:out`, alive: `${base}:alive`, cancel: `${base}:cancel`, client: `${base}:client`, tally: `${base}:tally`, halted: `${base}:halted`, info: `${base}:info` };
}

/** A queue name BullMQ accepts and that is safe inside a key: letters, digits, - and _. */
export function checkQueueName(name: string): string | undefined {
  return /^[A-Za-z0-9_-]{1,100}$/.test(name) ? undefined : `--queue must be 1 to 100 letters, digits, - or _, got '${name}'`;
}


/** What `qrun status` shows of worker `id` (JSON, with a TTL: it goes with its worker). */
export function workerKey(queue: string, id: string): string {
  return `${prefix}:${queue}:worker:${id}`;
}

/** SCAN patterns of the keys `qrun status` reads on a queue. */
export function presencePatterns(queue: string): { readonly workers: string; readonly runs: string } {
  return { workers: `${prefix}:${queue}:worker:*`, runs: `${prefix}:${queue}:run:*:info` };
}

/** BullMQ's settings hash of queue `queue` (its events stream's length among them). */
export function queueMetaKey(queue: string): string {
  return `${prefix}:${queue}:meta`;
}
