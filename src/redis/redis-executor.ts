// The fleet executor (submitter side): each job goes to a BullMQ queue on Redis, a `qrun worker`
// runs it, and its output and result come back through the run's own Redis stream.

import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ExecResult, ExecSignals, Executor, JobSpec, OutputChannel } from '../runner/executor.js';
import { within } from './connection.js';
import type { RedisTarget } from './url.js';
import { attemptKey, jobData, jobId, type FleetHalt, type JobData } from './wire.js';
import { startChecks } from './submit/checks.js';
import { PendingJobs, type Pending } from './submit/pending.js';
import { readResults, resultApplier } from './submit/result-stream.js';
import { SubmitterSession } from './submit/session.js';
import { Submissions } from './submit/submissions.js';

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

/** Connects and returns the executor; a Redis that cannot be reached is a UsageError (exit 255). */
export async function openRedisExecutor(options: RedisExecutorOptions): Promise<Executor> {
  const pending = new PendingJobs();
  void options.total?.then((total) => (pending.progress.total = total ?? null));
  const shown = options.target.shown;
  let connectionLost = false;
  const session = await SubmitterSession.open(options, pending.progress, (error) => {
    connectionLost = true;
    options.fail(error);
    // Nothing more can come: neither kind of attempt gets a joblog row, so --resume runs them again.
    pending.giveUp('its result never arrived: the connection to Redis was lost', true);
  });
  const submissions = new Submissions(session, pending, shown, options.notice, options.fail);
  const stopChecks = startChecks({ session, pending, submissions, queueName: options.queue, shown, waitWorkersMs: options.waitWorkersMs, notice: options.notice, fail: options.fail });
  let closed = false;
  const reading = readResults(session, () => closed, resultApplier(session, pending, submissions));
  const signals = stopAndKill(session, pending, submissions, options.killAfterMs);
  let closing: Promise<void> | undefined;
  return {
    run: (spec: JobSpec, output: OutputChannel, execSignals: ExecSignals): Promise<ExecResult> => {
      signals.follow(execSignals);
      return new Promise<ExecResult>((settle) => {
        const entry = newAttempt(session, options, spec, output, settle);
        submissions.submit(entry);
        if (execSignals.stop.aborted) void submissions.withdraw(entry);
      });
    },
    close: () =>
      (closing ??= (async () => {
        closed = true;
        session.stop();
        stopChecks();
        signals.dispose();
        pending.failAll('not recorded: the run ended before its result arrived');
        session.reader.disconnect();
        await within(reading, 2000);
        if (connectionLost) session.conn.disconnect();
        else await removeRun(session, signals.unconfirmed(), options.runTtlMs);
      })()),
  };
}

/** A new attempt of a job, not yet queued. */
function newAttempt(session: SubmitterSession, options: RedisExecutorOptions, spec: JobSpec, output: OutputChannel, settle: (result: ExecResult) => void): Pending {
  const queuedAt = Date.now();
  const id = jobId(session.runId, spec.seq, spec.attempt);
  return {
    id,
    baseId: id,
    key: attemptKey(spec.seq, spec.attempt),
    output,
    queuedAt,
    exec: undefined,
    host: undefined,
    batched: true,
    received: [0, 0],
    damaged: false,
    reconnectsAtQueue: session.reconnects,
    data: jobData(session.runId, { ttl: options.runTtlMs, client: session.clientId, halt: options.halt }, spec),
    resubmits: 0,
    orphanChecks: 0,
    checkedAt: queuedAt,
    settle,
  };
}

/** The run's stop and kill, as the first job brings them: what is still queued is taken back; a kill tells the workers too. */
function stopAndKill(session: SubmitterSession, pending: PendingJobs, submissions: Submissions, killAfterMs: number) {
  let listening: ExecSignals | undefined;
  let killing = false;
  /** Jobs killed without their worker's confirmation: the cancel key must outlive the run. */
  let unconfirmed = false;
  const onStop = (): void => {
    for (const entry of pending.all()) void submissions.withdraw(entry);
  };
  const onKill = (): void => {
    if (killing) return;
    killing = true;
    // The cancel key first (commands on one connection run in order): a worker that takes one
    // of the jobs still waiting checks it before starting it (--halt now starts nothing more).
    void session.conn.set(session.keys.cancel, '1', 'PX', 24 * 3600 * 1000).catch(() => undefined);
    onStop();
    // Workers poll the cancel key and answer with end records; one that died cannot.
    setTimeout(() => {
      if (pending.size > 0) unconfirmed = true;
      pending.giveUp('canceled; its worker did not confirm the kill', true);
    }, killAfterMs + 5000).unref();
  };
  return {
    /** The run's signals, taken from its first job (they are the same for every job). */
    follow: (signals: ExecSignals): void => {
      if (listening !== undefined) return;
      listening = signals;
      signals.stop.addEventListener('abort', onStop, { once: true });
      signals.kill.addEventListener('abort', onKill, { once: true });
    },
    unconfirmed: () => unconfirmed,
    dispose: (): void => {
      listening?.stop.removeEventListener('abort', onStop);
      listening?.kill.removeEventListener('abort', onKill);
    },
  };
}

/** At the end: the run's own keys go, and jobs BullMQ failed; a worker that did not confirm a kill finds the cancel key a while longer. */
async function removeRun(session: SubmitterSession, unconfirmed: boolean, runTtlMs: number): Promise<void> {
  const { conn, keys } = session;
  const cleanup = (async () => {
    await conn.del(keys.output, keys.alive, keys.client, keys.tally, keys.halted, keys.info);
    if (!unconfirmed) await conn.del(keys.cancel);
    else await conn.pexpire(keys.cancel, Math.max(runTtlMs * 2, 60_000));
  })();
  await within(cleanup, 2000);
  await within(removeFailedJobs(conn, session.queue, session.runId).catch(() => undefined), 5000);
  await within(session.queue.close(), 2000);
  conn.disconnect();
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
