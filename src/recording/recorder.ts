// Records a finished job once its output is out: results, then the joblog row, then the event.

import { messageOf } from '../errors.js';
import { isFailure, type Job, type JobResult } from '../jobs/job.js';
import type { EventSink } from '../report/events.js';
import type { Joblog } from './joblog.js';
import type { WrittenCallback } from '../output/output-sink.js';
import type { Results } from './results.js';
import type { OutputChannel } from '../runner/executor.js';

/** What the recorder writes to and whom it tells. */
export interface RecorderDeps {
  readonly results: Results | undefined;
  readonly joblog: Joblog | undefined;
  readonly emit: EventSink;
  /** A job could not be recorded (its output, results or row was lost): qrun must not go on as if it had been. */
  readonly onFailure: (error: unknown, job: Job) => void;
}

/** The one place a job's output, results and joblog row meet. */
export interface Recorder {
  /** The attempt's output channel, with --results fed from it too (every byte then passes through the port). */
  output(job: Job, channel: OutputChannel): OutputChannel;
  /** What happens once the job's output is written (see OutputSink.finish): results, row, event. */
  record(result: JobResult): WrittenCallback;
}

/**
 * Builds the recorder. A job is recorded done only once its output is safe: the joblog row
 * comes after the output (in the order output is written: input order under --keep-order),
 * so a crash can never leave a row for output that was not written. Jobs qrun terminated
 * itself get no row, so that --resume runs them again. It never throws.
 */
export function createRecorder(deps: RecorderDeps): Recorder {
  return {
    output: (job, channel) => {
      if (deps.results === undefined) return channel;
      const results = deps.results;
      let files = results.start(job);
      // The job runs again from the start elsewhere: its results start over too.
      const restart = (): void => {
        files = results.start(job);
        if (!results.replacesOutput) channel.port.restart?.();
      };
      // A results table takes the output instead of stdout, as GNU parallel's --results x.json does.
      if (results.replacesOutput) return { port: { onStdout: (chunk) => files.onStdout(chunk), onStderr: (chunk) => files.onStderr(chunk), restart }, local: undefined };
      const { port } = channel;
      return {
        port: {
          onStdout: (chunk) => {
            port.onStdout(chunk);
            files.onStdout(chunk);
          },
          onStderr: (chunk) => {
            port.onStderr(chunk);
            files.onStderr(chunk);
          },
          restart,
        },
        local: undefined,
      };
    },
    record: (result) => async (lost) => {
      try {
        if (lost !== undefined) throw lost;
        await deps.results?.finish(result);
        if (!result.canceled) await deps.joblog?.write(result);
      } catch (error) {
        deps.results?.discard(result.job);
        // The reader of stdout went away (qrun | head -1): the run ends with 141 and the job has
        // no row: counted not recorded. Any other loss makes the job failed, with the reason.
        const readerGone = (error as { code?: string }).code === 'EPIPE';
        deps.emit(readerGone ? { kind: 'job-finished', result, unrecorded: true } : { kind: 'job-finished', result: { ...result, error: `not recorded: ${messageOf(error)}` } });
        deps.onFailure(error, result.job);
        return;
      }
      // A job qrun was killing that still ended well has no row either: not counted succeeded.
      deps.emit(result.canceled && !isFailure(result) ? { kind: 'job-finished', result, unrecorded: true } : { kind: 'job-finished', result });
    },
  };
}
