// `qrun worker`: takes jobs from a BullMQ queue on Redis and runs them with the local executor,
// sending each job's output and result back through its run's stream.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Writable } from 'node:stream';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { formatDuration } from '../duration.js';
import { interruptSignals, messageOf, signalNumbers, type InterruptSignal } from '../errors.js';
import { localExecutor } from '../runner/local-executor.js';
import { Shutdown, type SignalSource } from '../shutdown/shutdown.js';
import { connect, watchConnection, within } from './connection.js';
import { connectionVariables, passwordWarning, type RedisTarget } from './url.js';
import { fitConcurrency, openFileLimit } from '../runner/fd-budget.js';
import { prefix, workerKey } from './keys.js';
import { publish, workerTtlMs, type WorkerPresence } from './presence.js';
import { version } from '../version.js';
import { RunStates } from './run-states.js';
import { markVariable, startWatchdog, type Watchdog } from './watchdog.js';
import type { Executor, ExecutorFactory } from '../runner/executor.js';
import { helperExecutor } from '../runner/helper/helper-executor.js';
import { locateHelper } from '../runner/helper/locate.js';
import { workerJobs, type WorkerJobs } from './worker-jobs.js';

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
  /** How jobs start: the spawn helper where it runs (auto), only it, or execa. */
  readonly executor?: 'auto' | 'helper' | 'execa' | undefined;
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

/**
 * How the worker starts its jobs: through the spawn helper, which ends them if the worker is
 * SIGKILLed (their groups, and every process holding the worker's mark in its environment); else
 * through execa, with a watchdog process that does the same (made only then).
 */
async function workerExecutor(how: 'auto' | 'helper' | 'execa', mark: string, io: WorkerIO, say: (text: string) => void): Promise<{ executor: Executor; watchdog: () => Watchdog | undefined }> {
  // Jobs get the worker's environment without qrun's own connection settings (a password).
  const env: NodeJS.ProcessEnv = { ...io.env, [markVariable]: mark };
  for (const name of connectionVariables) delete env[name];
  let watchdog: Watchdog | undefined;
  const watched: ExecutorFactory = (context) => {
    const dog = (watchdog ??= startWatchdog(mark));
    return localExecutor({ onGroup: (pgid, live) => dog.watch(pgid, live) })(context);
  };
  const context = { env, cwd: io.cwd, fail: () => undefined, notice: () => undefined };
  const factory = how === 'execa' ? watched : helperExecutor({ binary: locateHelper(), required: how === 'helper', fallback: watched, debug: (text) => how === 'helper' && say(text), mark: `${markVariable}=${mark}` });
  return { executor: await factory(context), watchdog: () => watchdog };
}

/** How often a worker looks for its runs' cancel and liveness keys. */
const watchEveryMs = 250;

/**
 * Runs a worker until it is stopped; a Redis that cannot be reached is a UsageError. Its shutdown
 * is a run's: the first signal stops taking jobs (running ones finish), the second kills them and
 * hands them back to the queue, as does a Redis lost for good.
 */
export async function runWorker(asked: WorkerSettings, io: WorkerIO): Promise<WorkerOutcome> {
  const say = (text: string): void => void io.stderr.write(`qrun worker: ${text}\n`);
  if (asked.passwordInArgv === true) say(passwordWarning);
  // Each running job holds open files: fitted to the open-file limit, as a local run is.
  const fitted = fitConcurrency(asked.concurrency, openFileLimit());
  if (fitted.note !== undefined) say(fitted.note);
  const settings = { ...asked, concurrency: fitted.concurrency };
  const conn = await connect(settings.target, 'worker');
  // Each job carries the worker's mark: a watchdog finds them by it, whatever their process group.
  const mark = randomBytes(8).toString('hex');
  const { executor, watchdog } = await workerExecutor(settings.executor ?? 'auto', mark, io, say);
  const shutdown = new Shutdown(io.signals);
  const runs = new RunStates(conn, settings.queue, watchEveryMs);
  const jobs = workerJobs({ conn, queue: settings.queue, name: settings.name, concurrency: settings.concurrency, executor, runs, recheckMs: watchEveryMs * 4, handBack: shutdown.kill });
  const presence = publishWorker(conn, settings, mark, jobs);
  const worker = new Worker(settings.queue, jobs.process, {
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
  const closed = followShutdown(shutdown, worker, say);
  let lostRedis = false;
  const stopWatching = watchConnection(conn, settings.reconnectMs, () => {
    lostRedis = true;
    say(`lost the connection to Redis at ${settings.target.shown} and could not reconnect within ${formatDuration(settings.reconnectMs)}`);
    shutdown.terminate('redis');
  });
  // The runs' keys: a cancel (second Ctrl-C of the submitter) or a missing liveness key (a dead submitter) kills that run's jobs here.
  const watcher = setInterval(jobs.killUnwanted, watchEveryMs);
  // BullMQ workers have been seen to stop taking jobs after a reconnect: start it again if so.
  const keepRunning = setInterval(() => {
    if (!shutdown.stop.aborted && !worker.isRunning() && !worker.closing) void worker.run().catch(() => undefined);
  }, 5000);
  await worker.waitUntilReady().catch((error: unknown) => say(`cannot start: ${messageOf(error)}`));
  say(`taking jobs from queue '${settings.queue}' on ${settings.target.shown}, ${settings.concurrency} at a time, as ${settings.name}`);

  await closed;
  await within(presence.stop(), 2000);
  stopWatching();
  shutdown.dispose();
  clearInterval(watcher);
  clearInterval(keepRunning);
  await executor.close();
  watchdog()?.close();
  conn.disconnect();
  if (lostRedis) return { exitCode: 255, reraise: undefined };
  const signal = shutdown.interruptedBy;
  if (shutdown.kill.aborted && signal !== undefined) return { exitCode: 128 + signalNumbers[signal], reraise: signal };
  return { exitCode: 0, reraise: undefined };
}

/** The worker's part in each shutdown phase, said as it happens; resolves when the BullMQ worker has closed. */
function followShutdown(shutdown: Shutdown, worker: Worker, say: (text: string) => void): Promise<void> {
  return new Promise<void>((closed) => {
    shutdown.onPhase((phase, reason) => {
      const signal = (interruptSignals as readonly string[]).includes(reason) ? reason : undefined;
      if (phase === 'stop') {
        say(`stopping (${reason}): no new jobs; running ones finish (${reason} again hands them back)`);
        void worker.close().then(closed, closed);
        return;
      }
      // Killed (shutdown.kill, the jobs' handBack): the running jobs go back to the queue.
      if (signal !== undefined) say(`${signal} again: killing running jobs and handing them back to the queue`);
      else void within(worker.close(true), 2000).finally(closed);
    });
  });
}

/** What `qrun status` shows of this worker: refreshed while it runs, deleted when it stops. */
function publishWorker(conn: Redis, settings: WorkerSettings, mark: string, jobs: WorkerJobs): { readonly stop: () => Promise<void> } {
  const startedAt = Date.now();
  const host = hostname();
  return publish(conn, workerKey(settings.queue, mark), workerTtlMs, () => ({ name: settings.name, host, pid: process.pid, concurrency: settings.concurrency, ...jobs.tally(), startedAt, seenAt: Date.now(), version }) satisfies WorkerPresence);
}
