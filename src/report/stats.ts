// Running counts of a run: what the progress line and the summary show.

import { isFailure, type JobResult } from '../jobs/job.js';
import type { RunEvent } from './events.js';

/** How many failed jobs are kept for the summary (the text shows the first five). */
export const failuresKept = 100;

/** Counts of jobs by state, updated from events. */
export class RunStats {
  running = 0;
  succeeded = 0;
  failed = 0;
  timedOut = 0;
  canceled = 0;
  notStarted = 0;
  /** Jobs that ran but have no joblog row: the reader of stdout left before their output was out. */
  notRecorded = 0;
  /** Jobs that needed more than one attempt. */
  retried = 0;
  /** Jobs left out because a resumed joblog has them done. */
  skipped = 0;
  firstNotStarted: number | undefined;
  lastNotStarted: number | undefined;
  /** The first few failed jobs, for the summary. */
  readonly failures: JobResult[] = [];

  constructor(readonly startedAtMs: number) {}

  /** Jobs that have ended, successfully or not. */
  get finished(): number {
    return this.succeeded + this.failed;
  }

  readonly handle = (event: RunEvent): void => {
    switch (event.kind) {
      case 'job-started':
        this.running++;
        break;
      case 'job-ended':
        // An invalid record (no attempt) never counted as running.
        if (event.result.attempts > 0) this.running--;
        break;
      case 'job-finished':
        if (event.result.attempts > 1) this.retried++;
        if (event.unrecorded === true) this.notRecorded++;
        else this.count(event.result);
        break;
      case 'job-skipped':
        this.skipped++;
        break;
      case 'job-retry':
        break;
      case 'job-not-started':
        if (event.withdrawn === true) this.running--;
        this.notStarted++;
        this.firstNotStarted = Math.min(this.firstNotStarted ?? Infinity, event.job.seq);
        this.lastNotStarted = Math.max(this.lastNotStarted ?? 0, event.job.seq);
        break;
      case 'run-error':
        break;
    }
  };

  private count(result: JobResult): void {
    if (!isFailure(result)) {
      this.succeeded++;
      return;
    }
    this.failed++;
    if (result.timedOut) this.timedOut++;
    if (result.canceled) this.canceled++;
    if (this.failures.length < failuresKept) this.failures.push(result);
  }
}
