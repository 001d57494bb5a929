// The fleet executor (submitter side): each job goes to a BullMQ queue on Redis, a `qrun worker`
// runs it, and its output and result come back through the run's own Redis stream.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { formatDuration } from '../duration.js';
import { messageOf } from '../errors.js';
import type { ExecResult, ExecSignals, Executor, JobSpec, OutputChannel } from '../runner/executor.js';
import { connect, watchConnection, within } from './connection.js';
import type { RedisTarget } from './url.js';
import { prefix, queueMetaKey, runKeys } from './keys.js';
import { placeChunk } from './chunk-order.js';
import { publish, type RunPresence } from './presence.js';
import { isFailure } from '../jobs/job.js';
import { version } from '../version.js';
import { attemptKey, decodeRecord, jobData, jobId, type FleetHalt, type JobData } from './wire.js';

/** How the submitter talks to the fleet. */
export interface RedisExecutorOptions {
  readonly target: RedisTarget;
  readonly queue: string;
  /** The run's liveness key lives this long without a refresh: a dead submitter's jobs are stopped after it. */
  readonly runTtlMs: number;
  /** Give up (exit 255) when no worker has taken a job for this long; undefined: only say so. */
  readonly waitWorkersMs: number | undefined;
  /** A lost Redis connection that has not come back after this long fails the run. */
  readonly reconnectMs: number;
  /** After a kill, how long running jobs' workers get to confirm before qrun stops waiting. */
  readonly killAfterMs: number;
  /** --halt by a count: workers apply it too, as a job ends, so none starts after it is reached. */
  readonly halt?: FleetHalt | undefined;
  /** A line for the user on stderr. */
  readonly notice: (text: string) => void;
  /** The run's number of jobs, once counted: shown by `qrun status`. */
  readonly total?: Promise<number | undefined> | undefined;
  /** qrun cannot go on (Redis lost, no workers): the run stops and exits 255. */
  readonly fail: (error: Error) => void;
}

/** One attempt in flight. */
interface Pending {
  /** Its BullMQ job id: a new one each time it is queued again. */
  id: string;
  readonly baseId: string;
  readonly key: string;
  readonly output: OutputChannel;
  readonly queuedAt: number;
  /** The worker run whose records count (a lost run's are ignored). */
  exec: string | undefined;
  host: string | undefined;
  /** Queued but not yet in Redis (waiting for the next batch). */
  batched: boolean;
  /** Bytes of stdout and stderr received from the current run (`exec`). */
  received: [number, number];
  /** Part of the current run's output never arrived: it is not printed as whole. */
  damaged: boolean;
  /** Redis reconnects before it was (last) queued: one since means its output may have been cut by a restart. */
  reconnectsAtQueue: number;
  /** What the workers get: kept to queue it again if Redis loses it. */
  readonly data: JobData;
  /** Times it was queued again after Redis lost it or cut its output. */
  resubmits: number;
  /** Reconciliation: checks that found the job finished without its end record. */
  orphanChecks: number;
  /** When its state was last looked up (reconciliation). */
  checkedAt: number;
  readonly settle: (result: ExecResult) => void;
}

const batchLimit = 500;
const readCount = 1000;
const noWorkerNoticeMs = 3000;
/** Each job in flight has its BullMQ state looked up this often, at most `reconcileBatch` a second. */
const reconcileEveryMs = 5000;
const reconcileBatch = 100;
/**
 * How often a job lost from the queue with no Redis restart to explain it is queued again. A loss
 * after a reconnect since it was queued (Redis restarted without its data) is always queued again:
 * each such resubmission spends one reconnect, so they are as many as the restarts at most.
 */
const maxResubmits = 3;
/** BullMQ's events stream is never read by qrun: it is kept this short (BullMQ's default is 10,000). */
const eventsMaxLen = 100;

/** Connects and returns the executor; a Redis that cannot be reached is a UsageError (exit 255). */
export async function openRedisExecutor(options: RedisExecutorOptions): Promise<Executor> {
  const runId = randomBytes(6).toString('hex');
  const conn = await connect(options.target, 'submitter');
  const reader = await connect(options.target, 'submitter');
  const keys = runKeys(options.queue, runId);
  const queue = new Queue<JobData>(options.queue, { connection: conn, prefix, streams: { events: { maxLen: eventsMaxLen } } });
  queue.on('error', () => undefined);
  const pending = new Map<string, Pending>();
  let batch: { pending: Pending; data: JobData }[] = [];
  let flushScheduled = false;
  let closed = false;
  let closing: Promise<void> | undefined;
  let killing = false;
  /** Jobs killed without their worker's confirmation: the cancel key must outlive the run. */
  let unconfirmed = false;

  // The stream exists before any worker writes (they never create it: XADD NOMKSTREAM), and
  // expires with the liveness key's refreshes, so a dead submitter's stream cannot stay behind.
  await conn.xadd(keys.output, '*', 'k', 'init');
  // Workers see the submitter alive while Redis lists this connection of it (its id changes on a reconnect).
  // (An ACL user without CLIENT: no id, and workers go by the liveness key alone.)
  let reconnects = 0;
  const clientIdOf = (): Promise<string | undefined> => (conn.client('ID') as Promise<number>).then(String, () => undefined);
  let clientId = await clientIdOf();
  // What `qrun status` shows of the run: refreshed with the liveness key, deleted at the end.
  const progress = { queued: 0, done: 0, failed: 0, total: null as number | null };
  void options.total?.then((total) => (progress.total = total ?? null));
  const startedAt = Date.now();
  const host = hostname();
  const presence = publish(conn, keys.info, options.runTtlMs, () => ({ run: runId, host, pid: process.pid, startedAt, seenAt: Date.now(), ...progress, version }) satisfies RunPresence);
  const heartbeat = async (): Promise<void> => {
    const beat = conn.multi().set(keys.alive, '1', 'PX', options.runTtlMs);
    if (clientId !== undefined) beat.set(keys.client, clientId, 'PX', options.runTtlMs);
    await beat.pexpire(keys.output, options.runTtlMs * 6).exec();
  };
  await heartbeat();
  // Redis restarted without its data: the stream and the liveness key are made again, so the
  // workers' results have somewhere to go (they never create the stream). BullMQ's settings went
  // with the data: its scripts would set its events stream's length to their default again.
  conn.on('ready', () => {
    reconnects++;
    void clientIdOf()
      .then((id) => (clientId = id))
      .then(() => conn.xadd(keys.output, '*', 'k', 'init'))
      .then(heartbeat)
      .then(() => conn.hset(queueMetaKey(options.queue), 'opts.maxLenEvents', eventsMaxLen))
      .catch(() => undefined);
  });
  const heartbeatTimer = setInterval(() => void heartbeat().catch(() => undefined), Math.max(100, Math.floor(options.runTtlMs / 3)));
  const stopWatching = [watchConnection(conn, options.reconnectMs, lost), watchConnection(reader, options.reconnectMs, lost)];

  let connectionLost = false;
  function lost(): void {
    if (connectionLost) return;
    connectionLost = true;
    options.fail(new Error(`lost the connection to Redis at ${options.target.shown} and could not reconnect within ${formatDuration(options.reconnectMs)}`));
    // Nothing more can come: jobs not known to have started count as never started, started
    // ones as canceled with the reason: neither gets a joblog row, so --resume runs them again.
    giveUp('its result never arrived: the connection to Redis was lost', true);
  }

  function giveUp(why: string, canceled: boolean): void {
    for (const entry of [...pending.values()]) {
      if (entry.exec === undefined) finish(entry, { ...failure('', entry.queuedAt), error: null, neverStarted: true });
      else finish(entry, { ...failure(why, entry.queuedAt), canceled });
    }
  }

  const finish = (entry: Pending, result: ExecResult): void => {
    if (pending.get(entry.key) !== entry) return;
    pending.delete(entry.key);
    if (result.neverStarted !== true) {
      progress.done++;
      if (isFailure(result)) progress.failed++;
    }
    entry.settle({ ...result, host: result.host ?? entry.host });
  };

  const failAll = (why: string): void => {
    for (const entry of pending.values()) finish(entry, failure(why, entry.queuedAt));
  };

  const flush = async (): Promise<void> => {
    flushScheduled = false;
    const taken = batch.splice(0, batchLimit);
    if (batch.length > 0) scheduleFlush();
    if (taken.length === 0) return;
    for (const { pending: entry } of taken) entry.batched = false;
    try {
      await queue.addBulk(
        taken.map(({ pending: entry, data }) => ({
          name: 'job',
          data,
          // The result travels through the run's stream: BullMQ need not keep a finished job at all.
          opts: { jobId: entry.id, removeOnComplete: true, removeOnFail: { age: 3600 } },
        })),
      );
    } catch (error) {
      for (const { pending: entry } of taken) finish(entry, failure(`could not be queued in Redis: ${messageOf(error)}`, entry.queuedAt));
      options.fail(new Error(`cannot queue jobs in Redis at ${options.target.shown}: ${messageOf(error)}`));
    }
  };
  const scheduleFlush = (): void => {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(() => void flush());
  };

  // The output stream: the one place results come from (BullMQ's events are not relied on).
  const readLoop = async (): Promise<void> => {
    let lastId = '0-0';
    while (!closed) {
      let reply: [Buffer, [Buffer, Buffer[]][]][] | null;
      try {
        reply = (await reader.xreadBuffer('COUNT', readCount, 'BLOCK', 500, 'STREAMS', keys.output, lastId)) as [Buffer, [Buffer, Buffer[]][]][] | null;
      } catch {
        if (closed) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      if (reply === null) continue;
      for (const [, entries] of reply) {
        for (const [id, fields] of entries) {
          lastId = id.toString();
          handle(fields);
        }
      }
      // What has been read is not needed in Redis any more: the stream stays short.
      await conn.xtrim(keys.output, 'MINID', lastId).catch(() => undefined);
    }
  };

  const handle = (fields: Buffer[]): void => {
    const record = decodeRecord(fields);
    if (record === undefined) return;
    const entry = pending.get(record.key);
    if (entry === undefined) return;
    if (record.kind === 'start') {
      // The same start sent again after a reconnect changes nothing.
      if (entry.exec === record.exec) return;
      // A second run: the first run of this attempt was lost (its worker died) and it runs again.
      if (entry.exec !== undefined) entry.output.port.restart?.();
      entry.exec = record.exec;
      entry.host = record.host;
      entry.received = [0, 0];
      entry.damaged = false;
      return;
    }
    // A worker took the job after the run was halted or canceled, and did not start it.
    if (record.kind === 'end' && record.result.neverStarted === true && entry.exec === undefined) return finish(entry, record.result);
    if (record.exec !== entry.exec) return;
    if (record.kind === 'stdout' || record.kind === 'stderr') {
      const stream = record.kind === 'stdout' ? 0 : 1;
      const place = placeChunk(entry.received[stream], record.at, record.data.length);
      if (place === 'copy') return;
      if (place === 'gap') entry.damaged = true;
      entry.received[stream] = (place === 'gap' ? (record.at ?? 0) : entry.received[stream]) + record.data.length;
      // Output with a hole is not passed on: it is discarded, or the job fails.
      if (entry.damaged) return;
      void (stream === 0 ? entry.output.port.onStdout(record.data) : entry.output.port.onStderr(record.data));
    } else if (record.kind === 'end') {
      const { sent } = record;
      const damaged = entry.damaged || (sent !== undefined && (sent[0] !== entry.received[0] || sent[1] !== entry.received[1]));
      if (!damaged) return finish(entry, record.result);
      // A Redis restart since it was queued cut the output: it runs again, from the start.
      if (reconnects > entry.reconnectsAtQueue) return void queueAgain(entry, 'cut');
      // Part of the output was refused by Redis (maxmemory): the job fails with the reason, and
      // what is held of its output is not printed as whole.
      entry.output.port.restart?.();
      finish(entry, { ...record.result, error: `its output was damaged on the way through Redis: ${sent === undefined ? '?' : sent[0] + sent[1]} bytes sent, ${entry.received[0] + entry.received[1]} received (Redis out of memory, or restarted)` });
    }
  };

  // A job Redis lost (restarted without its data) or whose output it cut goes to the queue again,
  // under a new id: at least once, rather than a failed row for a job that may never have run.
  const noticed = { lost: false, cut: false };
  const queueAgain = async (entry: Pending, why: 'lost' | 'cut'): Promise<void> => {
    if (!noticed[why]) {
      noticed[why] = true;
      options.notice(
        why === 'lost'
          ? `qrun: jobs were lost from the Redis queue at ${options.target.shown} (was it restarted, or out of memory?): queued again`
          : `qrun: the output of jobs running while Redis at ${options.target.shown} restarted was cut: they run again (their output is the new run's)`,
      );
    }
    entry.output.port.restart?.();
    entry.resubmits++;
    entry.orphanChecks = 0;
    entry.exec = undefined;
    entry.host = undefined;
    entry.received = [0, 0];
    entry.damaged = false;
    entry.reconnectsAtQueue = reconnects;
    entry.id = `${entry.baseId}.${entry.resubmits}`;
    await queue.add('job', entry.data, { jobId: entry.id, removeOnComplete: true, removeOnFail: { age: 3600 } }).catch(() => undefined);
  };

  // Reconciliation: a job that BullMQ failed (stalled too often) or lost never sends its end record.
  const reconcile = async (): Promise<void> => {
    const now = Date.now();
    const due: Pending[] = [];
    for (const entry of pending.values()) {
      if (due.length >= reconcileBatch) break;
      if (entry.batched || now - entry.checkedAt < reconcileEveryMs) continue;
      entry.checkedAt = now;
      due.push(entry);
    }
    const states = await Promise.all(due.map((entry) => queue.getJobState(entry.id).catch(() => 'error' as const)));
    for (const [index, entry] of due.entries()) {
      const state = states[index];
      if (state === 'failed') {
        const job = await queue.getJob(entry.id).catch(() => undefined);
        finish(entry, failure(`failed in the queue: ${job?.failedReason ?? 'unknown reason'}`, entry.queuedAt));
        void queue.remove(entry.id).catch(() => undefined);
      } else if (state === 'unknown' || state === 'completed') {
        // Give the stream a moment: the end record may still be on its way.
        if (++entry.orphanChecks < 3) continue;
        // Gone from the queue with no result (Redis restarted without its data).
        if (state === 'unknown' && (reconnects > entry.reconnectsAtQueue || entry.resubmits < maxResubmits)) await queueAgain(entry, 'lost');
        else finish(entry, failure(state === 'unknown' ? 'lost from the Redis queue' : 'finished on its worker, but its result never arrived', entry.queuedAt));
      }
    }
  };

  let noWorkersSince: number | undefined;
  let noWorkerNoticed = false;
  // Whenever jobs wait or run and no worker is connected (none started yet, or every one died):
  // said once, and --wait-workers gives up.
  const checkWorkers = async (): Promise<void> => {
    if (pending.size === 0) {
      noWorkersSince = undefined;
      return;
    }
    const workers = await queue.getWorkersCount();
    if (workers > 0) {
      noWorkersSince = undefined;
      return;
    }
    noWorkersSince ??= Date.now();
    const waited = Date.now() - noWorkersSince;
    if (!noWorkerNoticed && waited >= noWorkerNoticeMs) {
      noWorkerNoticed = true;
      options.notice(`qrun: no worker is taking jobs from queue '${options.queue}' on ${options.target.shown}; start one with: qrun worker --redis ${options.target.shown} --queue ${options.queue}`);
    }
    if (options.waitWorkersMs !== undefined && waited >= options.waitWorkersMs) {
      const started = [...pending.values()].some((entry) => entry.exec !== undefined);
      options.fail(new Error(started ? `no worker has been connected to queue '${options.queue}' for --wait-workers ${formatDuration(options.waitWorkersMs)} (the workers running this run's jobs stopped)` : `no worker took a job from queue '${options.queue}' within --wait-workers ${formatDuration(options.waitWorkersMs)}`));
      // Jobs that never started: not started, taken back from the queue; jobs whose worker died
      // with them: canceled with the reason. Neither gets a joblog row: --resume runs them.
      for (const entry of [...pending.values()]) {
        void queue.remove(entry.id).catch(() => undefined);
        if (entry.exec === undefined) finish(entry, { ...failure('', entry.queuedAt), error: null, neverStarted: true });
        else finish(entry, { ...failure('its worker is gone and no other worker is connected', entry.queuedAt), canceled: true });
      }
    }
  };
  let checking = false;
  const checks = setInterval(() => {
    // One round at a time: a slow Redis must not pile them up.
    if (checking) return;
    checking = true;
    void Promise.all([reconcile().catch(() => undefined), checkWorkers().catch(() => undefined)]).finally(() => (checking = false));
  }, 1000);

  const reading = readLoop();

  const withdraw = async (entry: Pending): Promise<void> => {
    if (entry.batched) {
      batch = batch.filter((item) => item.pending !== entry);
      finish(entry, { ...failure('', entry.queuedAt), error: null, neverStarted: true });
      return;
    }
    if (entry.exec !== undefined) return;
    // Removing fails (0) once a worker holds the job: then it runs to its end.
    if ((await queue.remove(entry.id).catch(() => 0)) === 1) finish(entry, { ...failure('', entry.queuedAt), error: null, neverStarted: true });
  };

  const onStop = (): void => {
    for (const entry of [...pending.values()]) void withdraw(entry);
  };
  const onKill = (): void => {
    if (killing) return;
    killing = true;
    // The cancel key first (commands on one connection run in order): a worker that takes one
    // of the jobs still waiting checks it before starting it (--halt now starts nothing more).
    void conn.set(keys.cancel, '1', 'PX', 24 * 3600 * 1000).catch(() => undefined);
    onStop();
    // Workers poll the cancel key and answer with end records; one that died cannot.
    setTimeout(() => {
      if (pending.size > 0) unconfirmed = true;
      giveUp('canceled; its worker did not confirm the kill', true);
    }, options.killAfterMs + 5000).unref();
  };
  let listening: ExecSignals | undefined;

  return {
    run: (spec: JobSpec, output: OutputChannel, signals: ExecSignals): Promise<ExecResult> => {
      if (listening === undefined) {
        listening = signals;
        signals.stop.addEventListener('abort', onStop, { once: true });
        signals.kill.addEventListener('abort', onKill, { once: true });
      }
      const queuedAt = Date.now();
      return new Promise<ExecResult>((resolve) => {
        const key = attemptKey(spec.seq, spec.attempt);
        const id = jobId(runId, spec.seq, spec.attempt);
        const entry: Pending = {
          id,
          baseId: id,
          key,
          output,
          queuedAt,
          exec: undefined,
          host: undefined,
          batched: true,
          received: [0, 0],
          damaged: false,
          reconnectsAtQueue: reconnects,
          data: jobData(runId, { ttl: options.runTtlMs, client: clientId, halt: options.halt }, spec),
          resubmits: 0,
          orphanChecks: 0,
          checkedAt: queuedAt,
          settle: resolve,
        };
        pending.set(key, entry);
        progress.queued++;
        batch.push({ pending: entry, data: entry.data });
        scheduleFlush();
        if (signals.stop.aborted) void withdraw(entry);
      });
    },
    close: () => (closing ??= closeAll()),
  };

  async function closeAll(): Promise<void> {
    {
      closed = true;
      clearInterval(heartbeatTimer);
      void presence.stop();
      clearInterval(checks);
      for (const stop of stopWatching) stop();
      if (listening) {
        listening.stop.removeEventListener('abort', onStop);
        listening.kill.removeEventListener('abort', onKill);
      }
      failAll('not recorded: the run ended before its result arrived');
      reader.disconnect();
      await within(reading, 2000);
      if (connectionLost) {
        conn.disconnect();
        return;
      }
      // The run's own keys go; jobs still queued (a run that failed) are removed too.
      const cleanup = (async () => {
        await conn.del(keys.output, keys.alive, keys.client, keys.tally, keys.halted, keys.info);
        // A worker that did not answer may still run a job: the cancel key stays for it a while.
        if (!unconfirmed) await conn.del(keys.cancel);
        else await conn.pexpire(keys.cancel, Math.max(options.runTtlMs * 2, 60_000));
      })();
      await within(cleanup, 2000);
      await within(removeFailedJobs(conn, queue, runId).catch(() => undefined), 5000);
      await within(queue.close(), 2000);
      conn.disconnect();
    }
  }
}

/**
 * Jobs of run `runId` that BullMQ failed (a run lost twice, a lock lost in a Redis restart) stay in
 * its failed set for an hour; qrun has reported them, so they go when the run ends: Redis is left
 * as it was. Found by id (`<run>.…`) in batches, never all at once.
 */
async function removeFailedJobs(conn: Redis, queue: Queue<JobData>, runId: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, items] = await conn.zscan(queue.keys.failed as string, cursor, 'MATCH', `${runId}.*`, 'COUNT', 1000);
    cursor = next;
    for (let i = 0; i < items.length; i += 2) await queue.remove(items[i] as string).catch(() => 0);
  } while (cursor !== '0');
}

function failure(error: string, startedAt: number): ExecResult {
  return { exitCode: null, signal: null, timedOut: false, canceled: false, error, startedAt, durationMs: Date.now() - startedAt, stdoutBytes: 0 };
}
