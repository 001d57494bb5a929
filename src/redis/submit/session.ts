// The submitter's presence in Redis for one run: its two connections (commands, and the blocking
// stream reader), the run's keys kept alive, what `qrun status` shows, and Redis restarts counted.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { formatDuration } from '../../duration.js';
import { version } from '../../version.js';
import { connect, watchConnection } from '../connection.js';
import { prefix, queueMetaKey, runKeys, type RunKeys } from '../keys.js';
import { publish, type RunPresence } from '../presence.js';
import type { RedisTarget } from '../url.js';
import type { JobData } from '../wire.js';
import type { RunProgress } from './pending.js';

/** BullMQ's events stream is never read by qrun: it is kept this short (BullMQ's default is 10,000). */
const eventsMaxLen = 100;

/** Where and how the run lives in Redis. */
export interface SessionOptions {
  readonly target: RedisTarget;
  readonly queue: string;
  /** The run's liveness key lives this long without a refresh. */
  readonly runTtlMs: number;
  /** A lost connection that has not come back after this long ends the session (`lost`). */
  readonly reconnectMs: number;
}

/** A run's session with Redis. */
export class SubmitterSession {
  /** Times the command connection came back (Redis restarted, maybe without its data). */
  reconnects = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly stopWatching: (() => void)[] = [];
  private presence: { readonly stop: () => Promise<void> } | undefined;

  private constructor(
    readonly runId: string,
    readonly conn: Redis,
    readonly reader: Redis,
    readonly keys: RunKeys,
    readonly queue: Queue<JobData>,
    private readonly options: SessionOptions,
    /** Workers see the submitter alive while Redis lists this connection (its id changes on a reconnect). */
    public clientId: string | undefined,
  ) {}

  /** Connects, makes the run's stream and liveness key, and keeps them alive; a Redis that cannot be reached is a UsageError. */
  static async open(options: SessionOptions, progress: RunProgress, lost: (error: Error) => void): Promise<SubmitterSession> {
    const runId = randomBytes(6).toString('hex');
    const conn = await connect(options.target, 'submitter');
    const reader = await connect(options.target, 'submitter');
    const queue = new Queue<JobData>(options.queue, { connection: conn, prefix, streams: { events: { maxLen: eventsMaxLen } } });
    queue.on('error', () => undefined);
    const keys = runKeys(options.queue, runId);
    // The stream exists before any worker writes (they never create it: XADD NOMKSTREAM), and
    // expires with the liveness key's refreshes, so a dead submitter's stream cannot stay behind.
    await conn.xadd(keys.output, '*', 'k', 'init');
    // (An ACL user without CLIENT: no id, and workers go by the liveness key alone.)
    const session = new SubmitterSession(runId, conn, reader, keys, queue, options, await clientIdOf(conn));
    await session.heartbeat();
    session.start(progress, lost);
    return session;
  }

  private start(progress: RunProgress, lost: (error: Error) => void): void {
    const { conn, keys, options } = this;
    const startedAt = Date.now();
    const host = hostname();
    // What `qrun status` shows of the run: refreshed with the liveness key, deleted at the end.
    this.presence = publish(conn, keys.info, options.runTtlMs, () => ({ run: this.runId, host, pid: process.pid, startedAt, seenAt: Date.now(), ...progress, version }) satisfies RunPresence);
    // Redis restarted without its data: the stream and the liveness key are made again, so the
    // workers' results have somewhere to go (they never create the stream). BullMQ's settings went
    // with the data: its scripts would set its events stream's length to their default again.
    conn.on('ready', () => {
      this.reconnects++;
      void clientIdOf(conn)
        .then((id) => (this.clientId = id))
        .then(() => conn.xadd(keys.output, '*', 'k', 'init'))
        .then(() => this.heartbeat())
        .then(() => conn.hset(queueMetaKey(options.queue), 'opts.maxLenEvents', eventsMaxLen))
        .catch(() => undefined);
    });
    this.timers.push(setInterval(() => void this.heartbeat().catch(() => undefined), Math.max(100, Math.floor(options.runTtlMs / 3))));
    let gone = false;
    const onLost = (): void => {
      if (gone) return;
      gone = true;
      lost(new Error(`lost the connection to Redis at ${options.target.shown} and could not reconnect within ${formatDuration(options.reconnectMs)}`));
    };
    this.stopWatching.push(watchConnection(conn, options.reconnectMs, onLost), watchConnection(this.reader, options.reconnectMs, onLost));
  }

  /** The liveness key (and the client id workers check), refreshed; the stream's expiry pushed back. */
  private async heartbeat(): Promise<void> {
    const beat = this.conn.multi().set(this.keys.alive, '1', 'PX', this.options.runTtlMs);
    if (this.clientId !== undefined) beat.set(this.keys.client, this.clientId, 'PX', this.options.runTtlMs);
    await beat.pexpire(this.keys.output, this.options.runTtlMs * 6).exec();
  }

  /** Stops refreshing and watching (the keys are the caller's to remove). */
  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    void this.presence?.stop();
    for (const stop of this.stopWatching) stop();
  }
}

function clientIdOf(conn: Redis): Promise<string | undefined> {
  return (conn.client('ID') as Promise<number>).then(String, () => undefined);
}
