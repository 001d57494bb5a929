// Redis connections for the fleet mode: the URL checked, shown without its password, and
// ioredis clients that fail fast at the start and retry within a bound once they have connected.

import { Redis, type RedisOptions } from 'ioredis';
import { UsageError, messageOf } from '../errors.js';
import type { RedisTarget } from './url.js';

/** How long the first answer of a server may take. */
const answerMs = 5000;


/** Waits for `promise`, but not longer than `ms` (a Redis that is gone never answers). */
export async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** A client that is connected, or a clear one-line error naming the redacted URL. */
export async function connect(target: RedisTarget, role: string, extra: RedisOptions = {}): Promise<Redis> {
  let connected = false;
  const client = new Redis(target.url, {
    // A password given apart from the URL (QRUN_REDIS_PASSWORD_FILE, REDISCLI_AUTH).
    ...(target.password === undefined ? {} : { password: target.password }),
    lazyConnect: true,
    // BullMQ needs commands to wait through a reconnect rather than fail after N tries.
    maxRetriesPerRequest: null,
    connectTimeout: 5000,
    // At the start, one failure is final (a clear error now beats a hang); later, retry.
    retryStrategy: (times) => (connected ? Math.min(times * 200, 2000) : null),
    ...extra,
  });
  // Errors are reported through the connection's state, never as unhandled events.
  let lastError: unknown;
  client.on('error', (error) => (lastError = error));
  // connectTimeout bounds the TCP connect only: a server that accepts and never answers (a hung
  // Redis, or not Redis) would hold the ready check for ever. Its first answer is bounded too.
  let timer: NodeJS.Timeout | undefined;
  const silent = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('no answer'), { code: `no answer within ${answerMs / 1000}s (is it Redis, and not hung?)` })), answerMs);
  });
  try {
    await Promise.race([client.connect().then(() => client.ping()), silent]);
    connected = true;
    return client;
  } catch (error) {
    client.disconnect();
    // ioredis rejects with "Connection is closed"; the socket's own error says why.
    const cause = (error instanceof Error && (error as NodeJS.ErrnoException).code?.startsWith('no answer') === true ? error : (lastError ?? error)) as NodeJS.ErrnoException;
    const code = cause.code ?? messageOf(cause);
    throw new UsageError(`cannot connect to Redis at ${target.shown} (${role}): ${code}`);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Calls `lost` once when the client has not been ready for `boundMs` after losing its
 * connection (a Redis that went away and did not come back).
 */
export function watchConnection(client: Redis, boundMs: number, lost: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const down = (): void => {
    if (timer !== undefined) return;
    timer = setTimeout(lost, boundMs);
    timer.unref();
  };
  const up = (): void => {
    clearTimeout(timer);
    timer = undefined;
  };
  client.on('close', down);
  client.on('ready', up);
  return () => {
    up();
    client.off('close', down);
    client.off('ready', up);
  };
}
