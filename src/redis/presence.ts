// What workers and submitters publish for `qrun status`: a JSON value each, under a key that
// expires unless refreshed, so a dead one disappears from the view and leaves no key behind.

import type { Redis } from 'ioredis';

/** A worker as `qrun status` shows it. */
export interface WorkerPresence {
  readonly name: string;
  readonly host: string;
  readonly pid: number;
  readonly concurrency: number;
  readonly running: number;
  readonly done: number;
  readonly failed: number;
  /** Milliseconds since the epoch. */
  readonly startedAt: number;
  readonly seenAt: number;
  readonly version: string;
}

/** A run in progress as `qrun status` shows it. */
export interface RunPresence {
  readonly run: string;
  readonly host: string;
  readonly pid: number;
  readonly startedAt: number;
  readonly seenAt: number;
  readonly queued: number;
  readonly done: number;
  readonly failed: number;
  /** The run's number of jobs, once counted; null while it cannot be known. */
  readonly total: number | null;
  readonly version: string;
}

/** A worker's key lives this long without a refresh. */
export const workerTtlMs = 10_000;

/** How often a published value is refreshed (or every third of its TTL, if that is sooner). */
const refreshMs = 1000;

/** Keeps `key` set to `value()`, expiring `ttlMs` after its last refresh; `stop` deletes it. */
export function publish(conn: Redis, key: string, ttlMs: number, value: () => object): { readonly stop: () => Promise<void> } {
  const write = (): Promise<unknown> => conn.set(key, JSON.stringify(value()), 'PX', ttlMs).catch(() => undefined);
  void write();
  const timer = setInterval(() => void write(), Math.max(100, Math.min(refreshMs, Math.floor(ttlMs / 3))));
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await conn.del(key).catch(() => undefined);
    },
  };
}
