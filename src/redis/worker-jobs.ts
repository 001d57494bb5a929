// What a `qrun worker` does with each job BullMQ gives it: checks its run is still wanted, runs it
// on this machine in a free slot, streams its output and result back, and counts it for --halt.

import { randomBytes } from 'node:crypto';
import { DelayedError, WaitingError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { isFailure } from '../jobs/job.js';
import { jobNumbers, type ExecResult, type Executor } from '../runner/executor.js';
import { runKeys, type RunKeys } from './keys.js';
import type { RunStates } from './run-states.js';
import { StreamWriter } from './stream-writer.js';
import { attemptKey, parseJobData, type FleetHalt, type JobData } from './wire.js';

/** What the processor needs. */
export interface JobsDeps {
  readonly conn: Redis;
  readonly queue: string;
  /** This machine's name in the submitter's joblog. */
  readonly name: string;
  readonly concurrency: number;
  readonly executor: Executor;
  readonly runs: RunStates;
  /** How long a job whose submitter may be reconnecting waits before it is looked at again. */
  readonly recheckMs: number;
  /** Aborted to kill the running jobs and hand them back to the queue (a second signal, Redis lost). */
  readonly handBack: AbortSignal;
}

/** The worker's jobs: the BullMQ processor, and what is running now. */
export interface WorkerJobs {
  readonly process: (job: Job, token?: string, signal?: AbortSignal) => Promise<void>;
  /** Kills the running jobs of runs that are no longer wanted (canceled, or their submitter is dead). */
  readonly killUnwanted: () => void;
  /** Jobs running now, and done and failed so far (for `qrun status`). */
  readonly tally: () => { readonly running: number; readonly done: number; readonly failed: number };
}

/** The processor of a worker with `concurrency` slots. */
export function workerJobs(deps: JobsDeps): WorkerJobs {
  const slots = Array.from({ length: deps.concurrency }, (_, i) => deps.concurrency - i);
  const running = new Map<string, Set<AbortController>>();
  const counts = { done: 0, failed: 0 };
  const process = async (job: Job, token?: string, signal?: AbortSignal): Promise<void> => {
    const data = parseJobData(job.data);
    // Not a job qrun queued: nothing runs (BullMQ completes it).
    if (data === undefined) return;
    const keys = runKeys(deps.queue, data.run);
    // Its submitter is gone (or canceled the run): the job is not run.
    const wanted = await deps.runs.wanted(data.run, true, { ttl: data.ttl, client: data.client });
    const writer = new StreamWriter(deps.conn, keys.output, attemptKey(data.seq, data.attempt), randomBytes(6).toString('hex'));
    // Not started, and said so (a dead submitter's stream is gone: nothing is written then).
    if (wanted === 'no' || wanted === 'halted') return void (await writer.notStarted().catch(() => undefined));
    if (wanted === 'unsure') {
      // The submitter's connection is gone but its liveness key is not: it died (SIGKILL) or is
      // reconnecting. Started now, the job could run twice (--resume runs it again); so it waits
      // until the submitter is back or its key expires (then it is dropped above).
      await job.moveToDelayed(Date.now() + deps.recheckMs, token);
      throw new DelayedError();
    }
    writer.start(deps.name);
    const kill = new AbortController();
    const killNow = (): void => kill.abort();
    let jobs = running.get(data.run);
    if (jobs === undefined) running.set(data.run, (jobs = new Set()));
    jobs.add(kill);
    deps.handBack.addEventListener('abort', killNow, { once: true });
    signal?.addEventListener('abort', killNow, { once: true });
    const slot = slots.pop() ?? 0;
    let result: ExecResult;
    try {
      result = await runOne(deps.executor, data, slot, writer, kill.signal);
    } finally {
      slots.push(slot);
      jobs.delete(kill);
      if (jobs.size === 0) running.delete(data.run);
      deps.handBack.removeEventListener('abort', killNow);
      signal?.removeEventListener('abort', killNow);
    }
    if (deps.handBack.aborted && result.canceled) {
      // Handed back at once, for another worker: it runs again from the start there.
      await job.moveToWait(token);
      throw new WaitingError();
    }
    counts.done++;
    if (isFailure(result)) counts.failed++;
    // Not awaited: it is queued on the connection ahead of BullMQ's completion of the job; a
    // failure to write it shows at the submitter as a job that finished without its result.
    void writer.end({ ...result, host: deps.name }).catch(() => undefined);
    // --halt: reached here, before this worker takes its next job, so none starts after it.
    if (data.halt !== undefined) await applyHalt(deps.conn, keys, data.halt, data.attempt < (data.lastAttempt ?? data.attempt), result).catch(() => undefined);
  };
  return {
    process,
    killUnwanted: () => {
      for (const [run, jobs] of running) {
        void deps.runs.wanted(run, true).then((wanted) => {
          if (wanted === 'no') for (const kill of jobs) kill.abort();
        });
      }
      deps.runs.forgetOld();
    },
    tally: () => ({ running: deps.concurrency - slots.length, ...counts }),
  };
}

/** One attempt on this machine: the job's own settings, this worker's slot. */
function runOne(executor: Executor, data: JobData, slot: number, writer: StreamWriter, kill: AbortSignal): Promise<ExecResult> {
  const spec = { ...data.spec, seq: data.seq, attempt: data.attempt, slot, env: { ...data.spec.env, ...jobNumbers(data.seq, slot) } };
  return Promise.resolve(executor.run(spec, { port: writer.port, local: undefined }, { stop: neverAborted, kill }));
}

const neverAborted = new AbortController().signal;

/** Counts an ended job towards a fleet --halt; once reached, halts the run for every worker (now: kills its jobs too). */
export async function applyHalt(conn: Redis, keys: RunKeys, halt: FleetHalt, retried: boolean, result: ExecResult): Promise<void> {
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
