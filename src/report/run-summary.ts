// How a run ended: the summary a run returns, and its exit status by GNU parallel's convention.

import { ExitCode, exitCodeForFailures, signalNumbers, type InterruptSignal } from '../errors.js';
import { describeEnd } from '../jobs/job.js';
import type { QueueTotals } from './metrics/queue-metrics.js';
import type { RunStats } from './stats.js';

/** How a run ended. */
export interface RunSummary {
  readonly succeeded: number;
  readonly failed: number;
  readonly timedOut: number;
  readonly canceled: number;
  readonly notStarted: number;
  /** Jobs that ran but have no joblog row (the reader of stdout left first): --resume runs them again. */
  readonly notRecorded: number;
  /** Jobs left out because the resumed joblog has them done. */
  readonly skipped: number;
  /** Jobs that needed more than one attempt. */
  readonly retried: number;
  /** What made --halt stop the run, if it did. */
  readonly haltedBy: string | undefined;
  readonly elapsedMs: number;
  readonly interruptedBy: InterruptSignal | undefined;
  /** qrun's own failure, if any (the exit code is then 255). */
  readonly error: string | undefined;
  /** Downstream closed stdout early. */
  readonly brokenPipe: boolean;
  /** GNU parallel's convention: 0, 1-100 failed jobs, 101, 128+signal, 255. */
  readonly exitCode: number;
  /** The first failed jobs (at most 100), in the order they failed. */
  readonly failures: readonly FailedJob[];
  /** What the bounded queue saw: was the input or were the workers the bottleneck (undefined if no job was read). */
  readonly queue: QueueTotals | undefined;
}

/** A failed job, as the summary names it. */
export interface FailedJob {
  readonly seq: number;
  /** The command line as run (empty for an invalid record). */
  readonly command: string;
  /** How it ended: "exit 3", "signal SIGKILL", "timed out (SIGTERM)", "invalid record: …". */
  readonly end: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
}

/** How the run ended besides its counts. */
export interface RunEnding {
  readonly haltedBy: string | undefined;
  /** The status --halt decided, if it did. */
  readonly haltStatus: number | undefined;
  readonly interruptedBy: InterruptSignal | undefined;
  /** qrun's own failure. */
  readonly failure: string | undefined;
  readonly brokenPipe: boolean;
}

/** The summary of a run from its counts and how it ended. */
export function summarize(stats: RunStats, elapsedMs: number, ending: RunEnding, queue: QueueTotals | undefined): RunSummary {
  return {
    succeeded: stats.succeeded,
    failed: stats.failed,
    timedOut: stats.timedOut,
    canceled: stats.canceled,
    notStarted: stats.notStarted,
    notRecorded: stats.notRecorded,
    skipped: stats.skipped,
    retried: stats.retried,
    haltedBy: ending.haltedBy,
    elapsedMs,
    interruptedBy: ending.interruptedBy,
    error: ending.failure,
    brokenPipe: ending.brokenPipe,
    exitCode: exitCodeFor(stats.failed, ending),
    failures: stats.failures.map((result) => ({
      seq: result.job.seq,
      command: result.command,
      end: describeEnd(result),
      exitCode: result.exitCode,
      signal: result.signal,
      timedOut: result.timedOut,
    })),
    queue,
  };
}

/** A run that a signal ended before any job started (while its input was counted). */
export function interruptedBeforeStart(signal: InterruptSignal): RunSummary {
  return { ...nothingRan(), interruptedBy: signal, exitCode: 128 + signalNumbers[signal] };
}

/** A run whose stdout reader had gone before any job started (`--joblog -` into `| true`): 141, as GNU parallel. */
export function readerGoneBeforeStart(): RunSummary {
  return { ...nothingRan(), brokenPipe: true, exitCode: 128 + signalNumbers.SIGPIPE };
}

function nothingRan(): RunSummary {
  return {
    succeeded: 0,
    failed: 0,
    timedOut: 0,
    canceled: 0,
    notStarted: 0,
    notRecorded: 0,
    skipped: 0,
    retried: 0,
    haltedBy: undefined,
    elapsedMs: 0,
    interruptedBy: undefined,
    error: undefined,
    brokenPipe: false,
    exitCode: 0,
    failures: [],
    queue: undefined,
  };
}

/** GNU parallel's convention: qrun's failure 255, an interrupt 128+signal, a closed pipe 141, --halt's, else the failures. */
function exitCodeFor(failed: number, ending: RunEnding): number {
  if (ending.failure !== undefined) return ExitCode.error;
  if (ending.interruptedBy !== undefined) return 128 + signalNumbers[ending.interruptedBy];
  if (ending.brokenPipe) return 128 + signalNumbers.SIGPIPE;
  return ending.haltStatus ?? exitCodeForFailures(failed);
}
