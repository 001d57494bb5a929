// `qrun worker`: takes jobs from a BullMQ queue on Redis and runs them with the local executor,
// sending each job's output and result back through its run's stream.

import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import type { Writable } from 'node:stream';
import { DelayedError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { formatDuration } from '../duration.js';
import { interruptSignals, messageOf, signalNumbers, type InterruptSignal } from '../errors.js';
import { jobNumbers, type ExecResult, type Executor } from '../runner/executor.js';
import { isFailure } from '../jobs/job.js';
import { localExecutor } from '../runner/local-executor.js';
import type { SignalSource } from '../shutdown/shutdown.js';
import { connect, watchConnection, within } from './connection.js';
import { connectionVariables, passwordWarning, type RedisTarget } from './url.js';
import { fitConcurrency, openFileLimit } from '../runner/fd-budget.js';
import { prefix, runKeys, workerKey, type RunKeys } from './keys.js';
import { publish, workerTtlMs, type WorkerPresence } from './presence.js';
import { version } from '../version.js';
import { RunStates } from './run-states.js';
import { StreamWriter } from './stream-writer.js';
import { markVariable, startWatchdog } from './watchdog.js';
import { attemptKey, parseJobData, type FleetHalt, type JobData } from './wire.js';

/** How a worker is set up (`qrun worker` options). */
export interface WorkerSettings {
  readonly target: RedisTarget;
  /** The password was given on the command line (visible in ps): warned about. */
  readonly passwordInArgv?: boolean | undefined;
  readonly queue: string;
  readonly concurrency: number;
  /** This machine's name in the submitter's joblog (Host column). */
  readonly name: string;
  /** BullMQ's lock: a job whose worker stopped renewing it runs again elsewhere after this long. */
  readonly lockDurationMs: number;
  /** A lost Redis connection that has not come back after this long ends the worker (exit 255). */
  readonly reconnectMs: number;
}

/** The process-level things a worker uses. */
export interface WorkerIO {
  readonly stderr: Writable;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly signals?: SignalSource | undefined;
}

/** How the worker ended. */
export interface WorkerOutcome {
  readonly exitCode: number;
  readonly reraise: InterruptSignal | undefined;
}

/** How often a worker looks for its runs' cancel and liveness keys. */
const watchEveryMs = 250;

/** Runs a worker until it is stopped; a Redis that cannot be reached is a UsageError. */
export async function runWorker(asked: WorkerSettings, io: WorkerIO): Promise<WorkerOutcome> {
  const say = (text: string): void => void io.stderr.write(`qrun worker: ${text}\n`);
  if (asked.passwordInArgv === true) say(passwordWarning);
  // Each running job holds open files: fitted to the open-file limit, as a local run is.
  const fitted = fitConcurrency(asked.concurrency, openFileLimit());
  if (fitted.note !== undefined) say(fitted.note);
  const settings = { ...asked, concurrency: fitted.concurrency };
  const conn = await connect(settings.target, 'worker');
  // Each job carries the worker's mark: its watchdog finds them by it, whatever their process group.
  const mark = randomBytes(8).toString('hex');
  const watchdog = startWatchdog(mark);
  // Jobs get the worker's environment without qrun's own connection settings (a password).
  const jobEnv: NodeJS.ProcessEnv = { ...io.env, [markVariable]: mark };
  for (const name of connectionVariables) delete jobEnv[name];
  const executor = await localExecutor({ onGroup: (pgid, live) => watchdog.watch(pgid, live) })({
    env: jobEnv,
    cwd: io.cwd,
    fail: () => undefined,
    notice: () => undefined,
  });
  const slots = Array.from({ length: settings.concurrency }, (_, i) => settings.concurrency - i);
  const runs = new RunStates(conn, settings.queue, watchEveryMs);
  const running = new Map<string, Set<AbortController>>();
  const handBack = new AbortController();
  // One listener per running job.
  setMaxListeners(settings.concurrency + 10, handBack.signal);

  // What `qrun status` shows of this worker: refreshed while it runs, deleted when it stops.
  const tally = { done: 0, failed: 0 };
  const startedAt = Date.now();
  const host = hostname();
  const presence = publish(conn, workerKey(settings.queue, mark), workerTtlMs, () => ({
    name: settings.name,
    host,
    pid: process.pid,
    concurrency: settings.concurrency,
    running: settings.concurrency - slots.length,
    done: tally.done,
    failed: tally.failed,
    startedAt,
    seenAt: Date.now(),
    version,
  }) satisfies WorkerPresence);

  const processor = async (job: Job, token?: string, signal?: AbortSignal): Promise<void> => {
    const data = parseJobData(job.data);
    // Not a job qrun queued: nothing runs (BullMQ completes it).
    if (data === undefined) return;
    const keys = runKeys(settings.queue, data.run);
    // Its submitter is gone (or canceled the run): the job is not run.
    const wanted = await runs.wanted(data.run, true, { ttl: data.ttl, client: data.client });
    const writer = new StreamWriter(conn, keys.output, attemptKey(data.seq, data.attempt), randomBytes(6).toString('hex'));
    // Not started, and said so (a dead submitter's stream is gone: nothing is written then).
    if (wanted === 'no' || wanted === 'halted') return void (await writer.notStarted().catch(() => undefined));
    if (wanted === 'unsure') {
      // The submitter's connection is gone but its liveness key is not: it died (SIGKILL) or is
      // reconnecting. Started now, the job could run twice (--resume runs it again); so it waits
      // until the submitter is back or its key expires (then it is dropped above).
      await job.moveToDelayed(Date.now() + watchEveryMs * 4, token);
      throw new DelayedError();
    }
    writer.start(settings.name);
    const kill = new AbortController();
    const killNow = (): void => kill.abort();
    let jobs = running.get(data.run);
    if (jobs === undefined) running.set(data.run, (jobs = new Set()));
    jobs.add(kill);
    handBack.signal.addEventListener('abort', killNow, { once: true });
    signal?.addEventListener('abort', killNow, { once: true });
    const slot = slots.pop() ?? 0;
    let result: ExecResult;
    try {
      result = await runOne(executor, data, slot, writer, kill.signal);
    } finally {
      slots.push(slot);
      jobs.delete(kill);
      if (jobs.size === 0) running.delete(data.run);
      handBack.signal.removeEventListener('abort', killNow);
      signal?.removeEventListener('abort', killNow);
    }
    if (handBack.signal.aborted && result.canceled) {
      // Handed back at once, for another worker: it runs again from the start there.
      await job.moveToWait(token);
      throw new WaitingError();
    }
    tally.done++;
    if (isFailure(result)) tally.failed++;
    // Not awaited: it is queued on the connection ahead of BullMQ's completion of the job; a
    // failure to write it shows at the submitter as a job that finished without its result.
    void writer.end({ ...result, host: settings.name }).catch(() => undefined);
    // --halt: reached here, before this worker takes its next job, so none starts after it.
    if (data.halt !== undefined) await applyHalt(conn, keys, data.halt, data.attempt < (data.lastAttempt ?? data.attempt), result).catch(() => undefined);
  };

  const worker = new Worker(settings.queue, processor, {
    connection: conn,
    prefix,
    concurrency: settings.concurrency,
    lockDuration: settings.lockDurationMs,
    stalledInterval: settings.lockDurationMs,
    maxStalledCount: 1,
    // qrun's results travel through the run's stream; BullMQ keeps nothing for long.
    removeOnComplete: { age: 3600, count: 1000 },
    removeOnFail: { age: 24 * 3600, count: 1000 },
  });
  worker.on('error', () => undefined);

  // The runs' keys: a cancel (second Ctrl-C of the submitter) or a missing liveness key (a dead
  // submitter) kills that run's jobs here.
  const watcher = setInterval(() => {
    for (const [run, jobs] of running) {
      void runs.wanted(run, true).then((wanted) => {
        if (wanted === 'no') for (const kill of jobs) kill.abort();
      });
    }
    runs.forgetOld();
  }, watchEveryMs);

  let lostRedis = false;
  let stopSignal: InterruptSignal | undefined;
  let handedBack = false;
  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  const stopWatching = watchConnection(conn, settings.reconnectMs, () => {
    lostRedis = true;
    say(`lost the connection to Redis at ${settings.target.shown} and could not reconnect within ${formatDuration(settings.reconnectMs)}`);
    handBack.abort();
    void within(worker.close(true), 2000).finally(resolveClosed);
  });
  const onSignal = (signal: InterruptSignal): void => {
    if (stopSignal === undefined) {
      stopSignal = signal;
      say(`stopping (${signal}): no new jobs; running ones finish (${signal} again hands them back)`);
      void worker.close().then(resolveClosed, resolveClosed);
      return;
    }
    if (handedBack) return;
    handedBack = true;
    say(`${signal} again: killing running jobs and handing them back to the queue`);
    handBack.abort();
  };
  const listeners = interruptSignals.map((name) => [name, () => onSignal(name)] as const);
  for (const [name, listener] of listeners) io.signals?.on(name, listener);
  // BullMQ workers have been seen to stop taking jobs after a reconnect: start it again if so.
  const keepRunning = setInterval(() => {
    if (stopSignal === undefined && !lostRedis && !worker.isRunning() && !worker.closing) void worker.run().catch(() => undefined);
  }, 5000);
  await worker.waitUntilReady().catch((error: unknown) => say(`cannot start: ${messageOf(error)}`));
  say(`taking jobs from queue '${settings.queue}' on ${settings.target.shown}, ${settings.concurrency} at a time, as ${settings.name}`);

  await closed;
  await within(presence.stop(), 2000);
  stopWatching();
  for (const [name, listener] of listeners) io.signals?.off(name, listener);
  clearInterval(watcher);
  clearInterval(keepRunning);
  await executor.close();
  watchdog.close();
  conn.disconnect();
  if (lostRedis) return { exitCode: 255, reraise: undefined };
  if (handedBack && stopSignal !== undefined) return { exitCode: 128 + signalNumbers[stopSignal], reraise: stopSignal };
  return { exitCode: 0, reraise: undefined };
}

/** One attempt on this machine: the job's own settings, this worker's slot. */
function runOne(executor: Executor, data: JobData, slot: number, writer: StreamWriter, kill: AbortSignal): Promise<ExecResult> {
  const spec = { ...data.spec, seq: data.seq, attempt: data.attempt, slot, env: { ...data.spec.env, ...jobNumbers(data.seq, slot) } };
  return Promise.resolve(executor.run(spec, { port: writer.port, local: undefined }, { stop: neverAborted, kill }));
}

const neverAborted = new AbortController().signal;

/** Counts an ended job towards a fleet --halt; once reached, halts the run for every worker (now: kills its jobs too). */
async function applyHalt(conn: Redis, keys: RunKeys, halt: FleetHalt, retried: boolean, result: ExecResult): Promise<void> {
  // Jobs killed by a halt or cancel do not count, as locally.
  if (result.canceled) return;
  const failed = isFailure(result);
  // A failure that will be retried has not ended the job.
  if (failed && retried) return;
  if (halt.why !== 'done' && (halt.why === 'fail') !== failed) return;
  const counted = await conn.hincrby(keys.tally, halt.why, 1);
  const hour = 3600 * 1000;
  const write = conn.multi().pexpire(keys.tally, hour);
  if (counted >= halt.count) {
    write.set(keys.halted, halt.now ? 'now' : 'soon', 'PX', hour);
    if (halt.now) write.set(keys.cancel, '1', 'PX', hour);
  }
  await write.exec();
}
