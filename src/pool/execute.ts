// One job's way through a worker: pacing, retries, output, results and joblog, then the report.

import { isFailure, type Job, type JobResult } from '../jobs/job.js';
import type { EventSink } from '../report/events.js';
import type { OutputFrame } from '../output/frames.js';
import type { WrittenCallback } from '../output/output-sink.js';
import type { Recorder } from '../recording/recorder.js';
import type { RunJob } from './run-job.js';
import { sleep } from '../clock.js';
import type { Pacer } from './pacer.js';

/** The part of the output sink a worker drives. */
export interface JobOutputControl {
  finish(job: Job, written: WrittenCallback, frame?: OutputFrame): Promise<void>;
  skip(job: Job): void;
  discard(job: Job): void;
  /** Drops the job's whole output unprinted if it is all held (group mode), telling the user: true then. */
  withhold(job: Job): Promise<boolean>;
  notice(stream: 'stdout' | 'stderr', text: string): Promise<void>;
}

/** Everything `execute` needs, passed in by the composition root. */
export interface ExecuteDeps {
  readonly runJob: RunJob;
  /** The command line for a job on a slot (template substitution, or the record as is). */
  readonly commandFor: (job: Job, slot: number) => string;
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly stop: AbortSignal;
  readonly pacer: Pacer;
  readonly emit: EventSink;
  readonly output: JobOutputControl;
  /** Records a job once its output is written (results, joblog row, event). */
  readonly recorder: Recorder;
  /** Lines around a job's grouped output (GitHub groups, a failed job's stderr label), if any. */
  readonly frame?: ((result: JobResult) => OutputFrame | undefined) | undefined;
  readonly dryRun: boolean;
  /**
   * -v: the command line on stdout, in front of the job's grouped output (`frame`) or as it starts
   * (line and ungroup output, written as it comes); --verbose (`stderr`): on stderr as it starts.
   */
  readonly showCommand?: { readonly stdout: 'frame' | 'start' | undefined; readonly stderr: boolean } | undefined;
  /** --tag/--tagstring: the text before each output line of a job (and its --dry-run line). */
  readonly tag?: ((job: Job) => string) | undefined;
  readonly onNotStarted: (job: Job) => void;
  /**
   * A job qrun killed gets no joblog row and runs again with --resume: its held (grouped) output
   * is then not printed either, so the two runs print it once (set when there is a joblog).
   */
  readonly dropCanceledOutput?: boolean | undefined;
  /** --load, --memfree: waits until the machine has room for another job (false: stopped meanwhile). */
  readonly gate?: { wait(signal: AbortSignal): Promise<boolean> } | undefined;
}

/** A result for a job that never ran: an invalid record. */
function rejected(job: Job, reason: string): JobResult {
  const now = Date.now();
  // No command: the raw record may hold values (env) that must not reach the log or the summary.
  return { job, command: '', slot: 0, exitCode: null, signal: null, timedOut: false, canceled: false, error: `invalid record: ${reason}`, startedAt: now, durationMs: 0, stdoutBytes: 0, attempts: 0 };
}

/** Builds the worker's `execute(job, slot)`; it rejects only when qrun itself failed (output, results or joblog lost). */
export function createExecute(deps: ExecuteDeps): (job: Job, slot: number) => Promise<void> {
  return async (job, slot) => {
    if (job.invalid !== undefined) {
      await deps.output.notice('stderr', `qrun: ${job.invalid}\n`);
      deps.output.skip(job);
      const result = rejected(job, job.invalid);
      deps.emit({ kind: 'job-ended', result });
      deps.emit({ kind: 'job-finished', result });
      return;
    }
    if (deps.gate !== undefined && !(await deps.gate.wait(deps.stop))) {
      deps.onNotStarted(job);
      return;
    }
    const started = await deps.pacer.wait(deps.stop);
    if (started === undefined) {
      deps.onNotStarted(job);
      return;
    }
    const command = deps.commandFor(job, slot);
    if (deps.dryRun) {
      started();
      // --tag/--tagstring: the line is tagged as the job's output would be (GNU parallel's way).
      await deps.output.notice('stdout', `${tagOf(deps, job)}${command}\n`);
      deps.output.skip(job);
      return;
    }
    deps.emit({ kind: 'job-started', job, command, slot });
    const tagged = (): string => `${tagOf(deps, job)}${command}\n`;
    if (deps.showCommand?.stderr === true) await deps.output.notice('stderr', `${command}\n`);
    if (deps.showCommand?.stdout === 'start') await deps.output.notice('stdout', tagged());
    const attempts = (job.retries ?? deps.retries) + 1;
    let result: JobResult | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        // runJob takes the job's start time before its first await: the pacer counts from there.
        const running = deps.runJob(job, command, slot, attempt);
        if (attempt === 1) started();
        const ran: JobResult = { ...(await running), attempts: attempt };
        if (ran.neverStarted === true) {
          // Taken back from a queue at a stop (a remote executor): the job did not run.
          deps.output.discard(job);
          if (result === undefined) {
            deps.emit({ kind: 'job-not-started', job, withdrawn: true });
            deps.output.skip(job);
            return;
          }
          // A retry that never started: the attempt before it is the last; its output went to make room for the retry.
          result = { ...result, stdoutBytes: 0 };
          break;
        }
        result = ran;
      } catch (error) {
        // qrun could not even start the job (e.g. no temp directory for its output).
        const failed = { ...rejected(job, ''), command, slot, attempts: attempt, error: `could not start: ${(error as Error).message}` };
        deps.emit({ kind: 'job-ended', result: failed });
        deps.emit({ kind: 'job-finished', result: failed });
        throw error;
      }
      if (!isFailure(result) || attempt >= attempts || result.canceled || deps.stop.aborted) break;
      const delayMs = deps.retryDelayMs * 2 ** (attempt - 1);
      deps.emit({ kind: 'job-retry', result, delayMs });
      await sleep(delayMs, deps.stop);
      // Stopped while waiting: this attempt is the last, and its output is written and recorded.
      if (deps.stop.aborted) break;
      // Only the last attempt's output is kept (in group mode; line and ungroup output is already out).
      deps.output.discard(job);
    }
    deps.emit({ kind: 'job-ended', result });
    if (result.canceled && deps.dropCanceledOutput === true && (await deps.output.withhold(job))) deps.output.skip(job);
    // Resolves once the output is written or parked for its turn; recording follows the output.
    const frame = deps.frame?.(result);
    await deps.output.finish(job, deps.recorder.record(result), deps.showCommand?.stdout === 'frame' ? { ...frame, open: `${frame?.open ?? ''}${tagged()}` } : frame);
  };
}

/** --tag/--tagstring: the text and tab in front of a job's lines ('' without). */
function tagOf(deps: ExecuteDeps, job: Job): string {
  const tag = deps.tag?.(job);
  return tag === undefined ? '' : `${tag}\t`;
}
