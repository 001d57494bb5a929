// The events a run emits, as one union tagged by `kind`; sinks consume them.

import type { Job, JobResult } from '../jobs/job.js';

/** Everything that happens to jobs during a run. */
export type RunEvent =
  | { readonly kind: 'job-started'; readonly job: Job; readonly command: string; readonly slot: number }
  /** The job's last attempt ended (or an invalid record was refused): its result is known, not yet recorded. */
  | { readonly kind: 'job-ended'; readonly result: JobResult }
  /**
   * The job is recorded: its output written, then its results and joblog row (or `error` says
   * why not). `unrecorded`: it has no row and is counted neither succeeded nor failed (it runs
   * again with --resume): the reader of stdout left before its output was out, or qrun was
   * killing it when it ended well by itself.
   */
  | { readonly kind: 'job-finished'; readonly result: JobResult; readonly unrecorded?: boolean }
  /** An attempt failed and the job will be run again after `delayMs`. */
  | { readonly kind: 'job-retry'; readonly result: JobResult; readonly delayMs: number }
  /** The joblog of a resumed run says this job is done already. */
  | { readonly kind: 'job-skipped'; readonly job: Job }
  /** Never started: still queued at a stop; `withdrawn` if it had been handed to an executor (counted running). */
  | { readonly kind: 'job-not-started'; readonly job: Job; readonly withdrawn?: boolean }
  | { readonly kind: 'run-error'; readonly message: string; readonly job: Job | undefined };

/** Something that reacts to events (stats, progress, log). */
export type EventSink = (event: RunEvent) => void;

/** One sink that hands each event to every given sink, in order. */
export function fanOut(sinks: readonly EventSink[]): EventSink {
  return (event) => {
    for (const sink of sinks) sink(event);
  };
}
