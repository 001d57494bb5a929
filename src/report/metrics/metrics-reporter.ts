// Samples the queue metrics at a fixed interval into the log (a `metrics` record) and the
// --metrics-file, and writes the file a last time when the run ends.

import { UsageError, messageOf } from '../../errors.js';
import { openMetricsText, runLabel, writeMetricsFile, type JobCounts } from './openmetrics.js';
import type { QueueMetrics } from './queue-metrics.js';

/** What the reporter needs. */
export interface MetricsReporterDeps {
  readonly metrics: QueueMetrics;
  readonly intervalMs: number;
  /** Appends a `metrics` record to the --log-file. */
  readonly log: (fields: Record<string, unknown>, message: string) => void;
  readonly file: string | undefined;
  readonly counts: () => JobCounts;
  /** A write of the file that failed during the run (said once). */
  readonly warn: (text: string) => void;
}

/** The running reporter. */
export interface MetricsReporter {
  /** The last sample and file write, with the run's exit status; stops the timer. */
  readonly finish: (exitCode: number) => void;
  /** Stops the timer without a last write. */
  readonly stop: () => void;
}

/** Writes the file once now (an unwritable path refuses the run, exit 255), then starts sampling. */
export function startMetricsReporter(deps: MetricsReporterDeps): MetricsReporter {
  const run = deps.file === undefined ? '' : runLabel(deps.file);
  let warned = false;
  const write = (exitCode: number | undefined): void => {
    const sample = deps.metrics.sample();
    deps.log({ metrics: sample }, 'metrics');
    if (deps.file === undefined) return;
    const text = openMetricsText(run, { sample, totals: deps.metrics.totals(), counts: deps.counts(), exitCode, nowMs: Date.now() });
    try {
      writeMetricsFile(deps.file, text);
    } catch (error) {
      if (!warned) deps.warn(`--metrics-file '${deps.file}' could not be written: ${(error as NodeJS.ErrnoException).code ?? messageOf(error)}`);
      warned = true;
    }
  };
  if (deps.file !== undefined) {
    try {
      writeMetricsFile(deps.file, openMetricsText(run, { sample: deps.metrics.sample(), totals: deps.metrics.totals(), counts: deps.counts(), exitCode: undefined, nowMs: Date.now() }));
    } catch (error) {
      throw new UsageError(`--metrics-file '${deps.file}' cannot be written: ${(error as NodeJS.ErrnoException).code ?? messageOf(error)}`);
    }
  }
  const timer = setInterval(() => write(undefined), deps.intervalMs);
  timer.unref();
  return {
    finish: (exitCode) => {
      clearInterval(timer);
      write(exitCode);
    },
    stop: () => clearInterval(timer),
  };
}
