// `qrun status`: what the workers and the runs in progress on a queue publish, and the queue's
// counts, read in one pass (SCAN over the queue's keys, which share one hash tag).

import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { prefix, presencePatterns } from './keys.js';
import type { RunPresence, WorkerPresence } from './presence.js';

/** The fleet at one moment. */
export interface FleetStatus {
  readonly queue: string;
  /** Milliseconds since the epoch, as Redis tells it (the view's "now"). */
  readonly at: number;
  readonly workers: readonly WorkerPresence[];
  readonly runs: readonly RunPresence[];
  readonly jobs: { readonly waiting: number; readonly active: number; readonly delayed: number };
}

/** Reads the fleet's status on `queue`. */
export async function readFleetStatus(conn: Redis, queue: string): Promise<FleetStatus> {
  const patterns = presencePatterns(queue);
  const [workers, runs] = await Promise.all([values<WorkerPresence>(conn, patterns.workers, isWorker), values<RunPresence>(conn, patterns.runs, isRun)]);
  // Read only: BullMQ's settings are not written by a status query.
  const bull = new Queue(queue, { connection: conn, prefix, skipMetasUpdate: true });
  try {
    const counts = await bull.getJobCounts('waiting', 'prioritized', 'active', 'delayed');
    const [seconds, micros] = (await conn.time()) as [number | string, number | string];
    return {
      queue,
      at: Number(seconds) * 1000 + Math.floor(Number(micros) / 1000),
      workers: workers.sort((a, b) => a.name.localeCompare(b.name) || a.startedAt - b.startedAt),
      runs: runs.sort((a, b) => a.startedAt - b.startedAt),
      jobs: { waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0), active: counts.active ?? 0, delayed: counts.delayed ?? 0 },
    };
  } finally {
    await bull.close().catch(() => undefined);
  }
}

/** The JSON values of the keys matching `pattern` (a value that is not what `valid` expects is left out). */
async function values<T>(conn: Redis, pattern: string, valid: (value: unknown) => value is T): Promise<T[]> {
  const found: T[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await conn.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (keys.length === 0) continue;
    for (const text of await conn.mget(...keys)) {
      if (text === null) continue;
      try {
        const value: unknown = JSON.parse(text);
        if (valid(value)) found.push(value);
      } catch {
        // Not JSON: not qrun's.
      }
    }
  } while (cursor !== '0');
  return found;
}

function isWorker(value: unknown): value is WorkerPresence {
  const v = value as Partial<WorkerPresence> | null;
  return typeof v === 'object' && v !== null && typeof v.name === 'string' && typeof v.concurrency === 'number' && typeof v.running === 'number' && typeof v.seenAt === 'number';
}

function isRun(value: unknown): value is RunPresence {
  const v = value as Partial<RunPresence> | null;
  return typeof v === 'object' && v !== null && typeof v.run === 'string' && typeof v.done === 'number' && typeof v.startedAt === 'number';
}
