// Samples the queue metrics at a fixed interval into the log (a `metrics` record) and the
// --metrics-file, and writes the file a last time when the run ends.

import { UsageError, messageOf } from '../../errors.js';
import { checkMetricsPath, openMetricsText, runLabel, writeMetricsFile, type JobCounts } from './openmetrics.js';
import type { MetricsSample, QueueMetrics } from './queue-metrics.js';

/** What the reporter needs. */
export interface MetricsReporterDeps {
  readonly metrics: QueueMetrics;
  readonly intervalMs: number;
  /** Takes each sample (the --log-file's `metrics` record, the --report's series). */
  readonly log: (sample: MetricsSample) => void;
  readonly file: string | undefined;
  readonly counts: () => JobCounts;
  /** A write of the file failed during the run: qrun's failure (one line, exit 255), said once. */
  readonly fail: (error: Error) => void;
}

/** The running reporter. */
export interface MetricsReporter {
  /** The last sample and file write, with the run's exit status; stops the timer. Returns why the file could not be written, if it could not. */
  readonly finish: (exitCode: number) => string | undefined;
  /** Stops the timer without a last write. */
  readonly stop: () => void;
}

/** Writes the file once now (an unwritable path refuses the run, exit 255), then starts sampling. */
export function startMetricsReporter(deps: MetricsReporterDeps): MetricsReporter {
  const run = deps.file === undefined ? '' : runLabel(deps.file);
  if (deps.file !== undefined) {
    try {
      checkMetricsPath(deps.file);
      writeMetricsFile(deps.file, openMetricsText(run, { sample: deps.metrics.sample(), totals: deps.metrics.totals(), counts: deps.counts(), exitCode: undefined, nowMs: Date.now() }));
    } catch (error) {
      throw new UsageError(`--metrics-file '${deps.file}' cannot be written: ${(error as NodeJS.ErrnoException).code ?? messageOf(error)}`);
    }
  }
  let failed = false;
  /** One sample into the log and the file; the reason if the file could not be written (once). */
  const write = (exitCode: number | undefined): Error | undefined => {
    const sample = deps.metrics.sample();
    deps.log(sample);
    if (deps.file === undefined || failed) return undefined;
    const text = openMetricsText(run, { sample, totals: deps.metrics.totals(), counts: deps.counts(), exitCode, nowMs: Date.now() });
    try {
      writeMetricsFile(deps.file, text);
      return undefined;
    } catch (error) {
      failed = true;
      return new Error(`cannot write --metrics-file '${deps.file}': ${(error as NodeJS.ErrnoException).code ?? messageOf(error)}`, { cause: error });
    }
  };
  const timer = setInterval(() => {
    const error = write(undefined);
    if (error !== undefined) deps.fail(error);
  }, deps.intervalMs);
  timer.unref();
  return {
    finish: (exitCode) => {
      clearInterval(timer);
      return write(exitCode)?.message;
    },
    stop: () => clearInterval(timer),
  };
}
