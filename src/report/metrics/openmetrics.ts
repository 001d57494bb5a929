// --metrics-file: the run's metrics as OpenMetrics text, replaced atomically (the node_exporter
// textfile collector convention: write a temp file, rename it over the old one).

import { lstatSync, readlinkSync, renameSync, rmSync, writeFileSync, type Stats } from 'node:fs';
import { basename, extname } from 'node:path';
import type { MetricsSample, QueueTotals } from './queue-metrics.js';

/** The job counts of the run so far. */
export interface JobCounts {
  readonly succeeded: number;
  readonly failed: number;
  readonly timedOut: number;
  readonly notStarted: number;
}

/** What one write of the metrics file holds. */
export interface MetricsSnapshot {
  readonly sample: MetricsSample;
  readonly totals: QueueTotals;
  readonly counts: JobCounts;
  /** Set once the run has ended. */
  readonly exitCode: number | undefined;
  readonly nowMs: number;
}

/** The text: gauges only (they describe the latest run), labelled with the file's name. */
export function openMetricsText(run: string, snapshot: MetricsSnapshot): string {
  // OpenMetrics label values escape \\, " and the line feed.
  const label = `run="${run.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`;
  const lines: string[] = [];
  const gauge = (name: string, help: string, values: [string, number][]): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const [labels, value] of values) lines.push(`${name}{${label}${labels}} ${value}`);
  };
  const { sample, totals, counts } = snapshot;
  gauge('qrun_jobs', 'Jobs of the run by state.', [
    [',state="succeeded"', counts.succeeded],
    [',state="failed"', counts.failed],
    [',state="timed_out"', counts.timedOut],
    [',state="not_started"', counts.notStarted],
    [',state="running"', sample.running],
  ]);
  gauge('qrun_queue_depth', 'Jobs read ahead and waiting in the queue at the latest sample.', [['', sample.queueDepth]]);
  gauge('qrun_queue_depth_max', 'The deepest the queue was at a sample.', [['', totals.maxQueueDepth]]);
  gauge('qrun_queue_capacity', "The queue's capacity (--queue-size).", [['', totals.queueCapacity]]);
  gauge('qrun_workers', 'Jobs that may run at once (--concurrency).', [['', totals.workers]]);
  gauge('qrun_producer_wait_seconds', 'Time the input waited for room in a full queue (the workers are the bottleneck).', [['', totals.producerWaitMs / 1000]]);
  gauge('qrun_worker_idle_seconds', 'Worker time spent waiting for input, summed over workers (the input is the bottleneck).', [['', totals.workerWaitMs / 1000]]);
  gauge('qrun_worker_idle_ratio', 'Share of worker time spent waiting for input.', [['', totals.workerIdleRatio]]);
  gauge('qrun_throughput_jobs_per_second', 'Jobs finished per second over the run.', [['', totals.jobsPerSecond]]);
  gauge('qrun_elapsed_seconds', 'Time since the run started.', [['', sample.elapsedMs / 1000]]);
  gauge('qrun_running', '1 while the run goes on, 0 once it has ended.', [['', snapshot.exitCode === undefined ? 1 : 0]]);
  if (snapshot.exitCode !== undefined) gauge('qrun_exit_code', "The run's exit status.", [['', snapshot.exitCode]]);
  gauge('qrun_last_update_timestamp_seconds', 'When this file was written (Unix time).', [['', Math.floor(snapshot.nowMs / 1000)]]);
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

/**
 * Checks that the metrics file can be replaced by a rename: it is a regular file or does not
 * exist yet. Anything else is refused (throws with the reason): a rename would put a regular
 * file in place of a symlink (`m -> /proc/self/fd/2`), a device (as root, over /dev/stderr), a
 * FIFO or a socket.
 */
export function checkMetricsPath(path: string): void {
  let stat;
  try {
    stat = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (stat.isFile()) return;
  const name = stat.isSymbolicLink() ? `a symlink (to ${readlinkSync(path)}); give the file it points to` : `${kindOf(stat)}; give it a regular file`;
  throw new Error(`it is replaced atomically (written beside it, then renamed over it), and it is ${name}`);
}

function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Writes the metrics file atomically: a reader never sees half of it. */
export function writeMetricsFile(path: string, text: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    // Made new (O_EXCL): a symlink planted at the temp name is never written through.
    rmSync(temp, { force: true });
    writeFileSync(temp, text, { mode: 0o644, flag: 'wx' });
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/** The `run` label of a metrics file: its name without the extension (nightly.prom -> nightly). */
export function runLabel(path: string): string {
  return basename(path, extname(path));
}
