// The report's content, computed from what was read: the timeline's lanes, the series over time,
// the run-time distribution and the totals. Plain data: the page draws it, the text view prints it.

import { describeQueue } from '../report/metrics/queue-metrics.js';
import { assignLanes, slack } from './lanes.js';
import { Status, type NamedJob, type RunData } from './run-data.js';

/** Points of the series over time. */
const seriesPoints = 600;
const histogramBins = 40;

/** Everything the report shows. */
export interface ReportModel {
  readonly title: string;
  readonly jobs: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Killed by a signal, timed out or could not start. */
  readonly killed: number;
  /** The run's first start, seconds since the epoch (0 with no job). */
  readonly startedAt: number;
  /** From the first start to the last end, in seconds. */
  readonly wallSeconds: number;
  /** Sum of the jobs' run times, in seconds. */
  readonly busySeconds: number;
  readonly mostRunning: number;
  readonly quantiles: { readonly median: number; readonly p90: number; readonly p99: number; readonly max: number };
  readonly hosts: readonly string[];
  /** The timeline: per job (the first `detailed` of them), its start and run time (ms from startedAt), lane and status. */
  readonly timeline: { readonly detailed: number; readonly lanes: number; readonly hostLanes: readonly number[]; readonly start: number[]; readonly duration: number[]; readonly lane: number[]; readonly status: number[] };
  /** Seconds from startedAt, with the jobs running and finished at each. */
  readonly overTime: { readonly t: number[]; readonly running: number[]; readonly finished: number[] };
  /** Run-time distribution: bin edges (seconds, one more than counts) and counts. */
  readonly histogram: { readonly edges: number[]; readonly counts: number[]; readonly log: boolean };
  readonly slowest: readonly NamedJob[];
  readonly failures: readonly NamedJob[];
  /** From a --log-file: the queue sampled, and the run's verdict. */
  readonly queue: { readonly t: number[]; readonly depth: number[]; readonly running: number[]; readonly idle: number[]; readonly verdict: string | undefined } | undefined;
  readonly exitCode: number | undefined;
}

/** Builds the model of a run read into `data`. */
export function reportModel(data: RunData, title: string): ReportModel {
  const n = data.detailed;
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => (data.start[a] as number) - (data.start[b] as number));
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < n; i++) {
    first = Math.min(first, data.start[i] as number);
    last = Math.max(last, (data.start[i] as number) + (data.runtime[i] as number));
  }
  if (n === 0) first = last = 0;
  const lanes = assignLanes(order, data.start, data.runtime, data.host, data.hosts.length);
  const timeline = {
    detailed: n,
    lanes: lanes.total,
    hostLanes: lanes.perHost,
    start: Array.from({ length: n }, (_, i) => Math.round(((data.start[i] as number) - first) * 1000)),
    duration: Array.from({ length: n }, (_, i) => Math.round((data.runtime[i] as number) * 1000)),
    lane: Array.from(lanes.lane),
    status: Array.from(data.status.subarray(0, n)),
  };
  const runtimes = data.runtime.slice(0, n).sort();
  return {
    title,
    jobs: data.count,
    succeeded: data.count - data.failed - data.killed,
    failed: data.failed,
    killed: data.killed,
    startedAt: first,
    wallSeconds: last - first,
    busySeconds: data.busy,
    mostRunning: lanes.most,
    quantiles: { median: quantile(runtimes, 0.5), p90: quantile(runtimes, 0.9), p99: quantile(runtimes, 0.99), max: runtimes[n - 1] ?? 0 },
    hosts: data.hosts,
    timeline,
    overTime: overTime(data, order, first, last),
    histogram: histogram(runtimes),
    slowest: data.slowest,
    failures: data.failures,
    queue: queueSeries(data, first),
    exitCode: data.run?.exitCode,
  };
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** Jobs running and finished at evenly spaced times: starts and ends counted in order. */
function overTime(data: RunData, order: Uint32Array, first: number, last: number): ReportModel['overTime'] {
  const n = order.length;
  const ends = Float64Array.from({ length: n }, (_, i) => (data.start[i] as number) + (data.runtime[i] as number)).sort();
  const t: number[] = [];
  const running: number[] = [];
  const finished: number[] = [];
  const span = last - first;
  const points = n === 0 ? 0 : span > 0 ? seriesPoints : 1;
  let started = 0;
  let ended = 0;
  for (let p = 0; p <= points; p++) {
    const at = first + (points === 0 ? 0 : (span * p) / points);
    while (started < n && (data.start[order[started] as number] as number) <= at) started++;
    // An end this close after `at` is the same moment (a joblog rounds times to the ms), as for the rows.
    while (ended < n && (ends[ended] as number) <= at + slack) ended++;
    t.push(round3(at - first));
    running.push(started - ended);
    finished.push(ended);
  }
  return { t, running, finished };
}

/** Run times in bins: logarithmic when they span more than 50 times, so a long tail stays readable. */
function histogram(sorted: Float64Array): ReportModel['histogram'] {
  const n = sorted.length;
  if (n === 0) return { edges: [0, 1], counts: [0], log: false };
  const low = sorted[0] as number;
  const high = sorted[n - 1] as number;
  const log = low > 0 && high / low > 50;
  const edges: number[] = [];
  for (let b = 0; b <= histogramBins; b++) {
    const f = b / histogramBins;
    edges.push(round3(log ? low * (high / low) ** f : low + (high - low || 1) * f));
  }
  const counts = new Array<number>(histogramBins).fill(0);
  const width = log ? Math.log(high / low) : high - low || 1;
  for (const value of sorted) {
    const position = log ? Math.log(value / low) / width : (value - low) / width;
    const bin = Math.min(histogramBins - 1, Math.max(0, Math.floor(position * histogramBins)));
    counts[bin] = (counts[bin] as number) + 1;
  }
  return { edges, counts, log };
}

/** The --log-file's samples: read-ahead (queue depth), jobs running and the share of idle workers. */
function queueSeries(data: RunData, first: number): ReportModel['queue'] {
  const run = data.run;
  if (data.samples.length === 0 && run === undefined) return undefined;
  const workers = run?.workers ?? 1;
  const t: number[] = [];
  const depth: number[] = [];
  const running: number[] = [];
  const idle: number[] = [];
  let previous: (typeof data.samples)[number] | undefined;
  const origin = first > 0 ? first : (data.samples[0]?.time ?? 0) / 1000;
  for (const sample of data.samples) {
    t.push(round3(sample.time / 1000 - origin));
    depth.push(sample.queueDepth);
    running.push(sample.running);
    const dt = previous === undefined ? 0 : sample.time - previous.time;
    const waited = previous === undefined ? 0 : sample.workerWaitMs - previous.workerWaitMs;
    idle.push(dt > 0 ? Math.round(Math.min(1, Math.max(0, waited / (workers * dt))) * 100) : 0);
    previous = sample;
  }
  const verdict =
    run?.workers !== undefined && run.queueCapacity !== undefined && run.workerIdleRatio !== undefined
      ? describeQueue({ workers: run.workers, queueCapacity: run.queueCapacity, workerIdleRatio: run.workerIdleRatio, producerWaitMs: run.producerWaitMs ?? 0, maxQueueDepth: run.maxQueueDepth ?? 0, workerWaitMs: 0, jobsPerSecond: 0 })
      : undefined;
  return { t, depth, running, idle, verdict };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export { Status, type NamedJob };
