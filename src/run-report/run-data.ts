// What a report holds of a run while its rows are read: each job's times and status in typed
// arrays (up to a cap), the failures and slowest jobs (a few), and counts of everything.

import type { JobRow, MetricsRecord, RunRecord } from './job-rows.js';

/** Jobs kept one by one for the timeline; past this, only counted (the page says so). */
export const detailCap = 1_000_000;
const failuresKept = 1000;
const slowestKept = 20;
const samplesKept = 4000;
const commandChars = 400;

/** How a job ended, as its joblog row says. */
export const Status = {
  ok: 0,
  failed: 1,
  /** Killed by a signal, timed out or could not start (Exitval -1). */
  killed: 2,
} as const;

/** A job shown by name in the report. */
export interface NamedJob {
  readonly seq: number;
  readonly host: string;
  readonly runtime: number;
  readonly exitval: number;
  readonly signal: number;
  readonly command: string;
}

/** The rows and records of one run, as read. */
export class RunData {
  count = 0;
  failed = 0;
  killed = 0;
  /** Sum of the jobs' run times, in seconds. */
  busy = 0;
  readonly hosts: string[] = [];
  private readonly hostIndex = new Map<string, number>();
  start = new Float64Array(1024);
  runtime = new Float64Array(1024);
  host = new Uint16Array(1024);
  status = new Uint8Array(1024);
  readonly failures: NamedJob[] = [];
  /** The slowest jobs, slowest first. */
  readonly slowest: NamedJob[] = [];
  readonly samples: MetricsRecord[] = [];
  /** Samples are kept every `sampleStride`th: halved when there are too many. */
  private sampleStride = 1;
  private samplesSeen = 0;
  run: RunRecord | undefined;

  /** Jobs kept one by one (the timeline's). */
  get detailed(): number {
    return Math.min(this.count, detailCap);
  }

  addJob(row: JobRow): void {
    const status = row.exitval === 0 && row.signal === 0 ? Status.ok : row.signal !== 0 || row.exitval === -1 ? Status.killed : Status.failed;
    if (this.count < detailCap) {
      if (this.count === this.start.length) this.grow();
      const at = this.count;
      this.start[at] = row.start;
      this.runtime[at] = row.runtime;
      this.host[at] = this.hostOf(row.host);
      this.status[at] = status;
    }
    this.count++;
    this.busy += row.runtime;
    if (status === Status.failed) this.failed++;
    if (status === Status.killed) this.killed++;
    if (status !== Status.ok && this.failures.length < failuresKept) this.failures.push(named(row));
    this.keepIfSlow(row);
  }

  addSample(sample: MetricsRecord): void {
    if (this.samplesSeen++ % this.sampleStride !== 0) return;
    this.samples.push(sample);
    if (this.samples.length >= samplesKept) {
      // Every other one goes: the series keeps its shape in bounded memory.
      const kept = this.samples.filter((_, i) => i % 2 === 0);
      this.samples.length = 0;
      this.samples.push(...kept);
      this.sampleStride *= 2;
    }
  }

  private hostOf(name: string): number {
    let index = this.hostIndex.get(name);
    if (index === undefined) {
      // More hosts than a Uint16 holds are drawn as the last one.
      index = Math.min(this.hosts.length, 65535);
      if (this.hosts.length < 65535) {
        this.hosts.push(name);
        this.hostIndex.set(name, index);
      }
    }
    return index;
  }

  private grow(): void {
    const size = Math.min(this.start.length * 2, detailCap);
    const start = new Float64Array(size);
    start.set(this.start);
    const runtime = new Float64Array(size);
    runtime.set(this.runtime);
    const host = new Uint16Array(size);
    host.set(this.host);
    const status = new Uint8Array(size);
    status.set(this.status);
    Object.assign(this, { start, runtime, host, status });
  }

  private keepIfSlow(row: JobRow): void {
    const last = this.slowest[this.slowest.length - 1];
    if (this.slowest.length >= slowestKept && last !== undefined && last.runtime >= row.runtime) return;
    let at = this.slowest.findIndex((job) => job.runtime < row.runtime);
    if (at < 0) at = this.slowest.length;
    this.slowest.splice(at, 0, named(row));
    if (this.slowest.length > slowestKept) this.slowest.pop();
  }
}

function named(row: JobRow): NamedJob {
  const command = row.command.length > commandChars ? `${row.command.slice(0, commandChars)}…` : row.command;
  return { seq: row.seq, host: row.host, runtime: row.runtime, exitval: row.exitval, signal: row.signal, command };
}
