// The submitter's jobs in flight: each attempt queued in Redis until its end record arrives.

import { isFailure } from '../../jobs/job.js';
import type { ExecResult, OutputChannel } from '../../runner/executor.js';
import type { JobData } from '../wire.js';

/** One attempt in flight. */
export interface Pending {
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

/** What `qrun status` shows of the run's progress. */
export interface RunProgress {
  queued: number;
  done: number;
  failed: number;
  total: number | null;
}

/** The result of an attempt that failed for `error` without a result of its own. */
export function failure(error: string, startedAt: number): ExecResult {
  return { exitCode: null, signal: null, timedOut: false, canceled: false, error, startedAt, durationMs: Date.now() - startedAt, stdoutBytes: 0 };
}

/** The result of an attempt taken back before any worker started it. */
export function neverStarted(entry: Pending): ExecResult {
  return { ...failure('', entry.queuedAt), error: null, neverStarted: true };
}

/** The attempts in flight, by key, and the run's progress counts. */
export class PendingJobs {
  private readonly entries = new Map<string, Pending>();
  readonly progress: RunProgress = { queued: 0, done: 0, failed: 0, total: null };

  get size(): number {
    return this.entries.size;
  }

  get(key: string): Pending | undefined {
    return this.entries.get(key);
  }

  /** A snapshot: safe to finish entries while going through it. */
  all(): Pending[] {
    return [...this.entries.values()];
  }

  add(entry: Pending): void {
    this.entries.set(entry.key, entry);
    this.progress.queued++;
  }

  /** Settles an attempt once (a later record of it changes nothing). */
  finish(entry: Pending, result: ExecResult): void {
    if (this.entries.get(entry.key) !== entry) return;
    this.entries.delete(entry.key);
    if (result.neverStarted !== true) {
      this.progress.done++;
      if (isFailure(result)) this.progress.failed++;
    }
    entry.settle({ ...result, host: result.host ?? entry.host });
  }

  /**
   * Nothing more can come: attempts not known to have started count as never started, started
   * ones fail with `why` (`canceled`: no joblog row either, so --resume runs them again).
   */
  giveUp(why: string, canceled: boolean): void {
    for (const entry of this.all()) {
      if (entry.exec === undefined) this.finish(entry, neverStarted(entry));
      else this.finish(entry, { ...failure(why, entry.queuedAt), canceled });
    }
  }

  /** Every attempt fails with `why`. */
  failAll(why: string): void {
    for (const entry of this.all()) this.finish(entry, failure(why, entry.queuedAt));
  }
}
