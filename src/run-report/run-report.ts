// --report <file.html> on a run: the jobs and queue samples kept as the run goes (in bounded
// memory: RunData's typed arrays, up to its cap), and the page written when the run ends,
// however it ends.

import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError, messageOf } from '../errors.js';
import type { EventSink } from '../report/events.js';
import { joblogColumns } from '../recording/joblog-format.js';
import type { MetricsSample, QueueTotals } from '../report/metrics/queue-metrics.js';
import { loadPageAssets, reportHtml } from './report-html.js';
import { reportModel } from './report-model.js';
import { RunData } from './run-data.js';
import { writeReportFile } from './write-report.js';

/** The report of the run in progress. */
export interface RunReport {
  readonly handle: EventSink;
  /** A queue sample, as the metrics reporter takes it. */
  readonly sample: (sample: MetricsSample) => void;
  /** Writes the page; why it could not be written, if it could not. */
  readonly finish: (end: { readonly exitCode: number; readonly elapsedMs: number; readonly queue: QueueTotals | undefined }) => string | undefined;
}

/** Checks now (before any job runs) that the page can be written where asked; throws a UsageError. */
export function startRunReport(path: string, startedAt: number, title: string): RunReport {
  checkReportPath(path);
  const data = new RunData();
  return {
    handle: (event) => {
      if (event.kind !== 'job-finished') return;
      const { result } = event;
      const c = joblogColumns(result);
      data.addJob({ seq: c.seq, host: c.host, start: result.startedAt / 1000, runtime: result.durationMs / 1000, exitval: c.exitval, signal: c.signo, command: c.command });
    },
    sample: (sample) => data.addSample({ time: startedAt + sample.elapsedMs, queueDepth: sample.queueDepth, running: sample.running, workerWaitMs: sample.workerWaitMs }),
    finish: (end) => {
      const queue = end.queue;
      data.run = {
        exitCode: end.exitCode,
        elapsedMs: end.elapsedMs,
        workers: queue?.workers,
        queueCapacity: queue?.queueCapacity,
        workerIdleRatio: queue?.workerIdleRatio,
        producerWaitMs: queue?.producerWaitMs,
        maxQueueDepth: queue?.maxQueueDepth,
      };
      try {
        writeReportFile(path, reportHtml(reportModel(data, title), loadPageAssets()));
        return undefined;
      } catch (error) {
        return `cannot write --report '${path}': ${(error as NodeJS.ErrnoException).code ?? messageOf(error)}`;
      }
    },
  };
}

function checkReportPath(path: string): void {
  const fail = (why: string): never => {
    throw new UsageError(`--report '${path}' cannot be written: ${why}`);
  };
  try {
    if (statSync(path).isDirectory()) fail('it is a directory');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') fail((error as NodeJS.ErrnoException).code ?? messageOf(error));
  }
  try {
    accessSync(dirname(path), constants.W_OK);
  } catch (error) {
    fail(`its directory: ${(error as NodeJS.ErrnoException).code ?? messageOf(error)}`);
  }
}
