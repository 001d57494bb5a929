// In-process fakes for unit tests of the run's stages: an executor that plays a script of results
// (no process started), builders of jobs and results, and recording stand-ins for the output sink,
// the results and the joblog.

import type { ExecResult, Job, JobResult } from '../../../src/jobs/job.js';
import type { ExecSignals, Executor, JobSpec, OutputChannel } from '../../../src/runner/executor.js';
import type { Joblog } from '../../../src/recording/joblog.js';
import type { RunEvent } from '../../../src/report/events.js';
import type { JobOutputControl } from '../../../src/pool/execute.js';
import type { Results } from '../../../src/recording/results.js';

/** A job of input line `seq`. */
export function job(seq: number, over: Partial<Job> = {}): Job {
  return { seq, line: seq, record: `job ${seq}`, ...over };
}

/** An execution result: a success unless told otherwise. */
export function execResult(over: Partial<ExecResult> = {}): ExecResult {
  return { exitCode: 0, signal: null, timedOut: false, canceled: false, error: null, startedAt: 1_700_000_000_000, durationMs: 5, stdoutBytes: 0, ...over };
}

/** A job's result as the pool reports it. */
export function jobResult(over: Partial<JobResult> = {}): JobResult {
  return { job: job(1), command: 'job 1', slot: 1, attempts: 1, ...execResult(), ...over };
}

/** One scripted run: what the job writes, and how it ends (or a promise the test settles). */
export interface Scripted {
  readonly stdout?: string;
  readonly result: Partial<ExecResult> | Promise<Partial<ExecResult>>;
}

/** An executor that plays `script(spec)` for each run and keeps every spec it was given. */
export class FakeExecutor implements Executor {
  readonly specs: JobSpec[] = [];
  readonly signals: ExecSignals[] = [];
  closed = false;

  constructor(private readonly script: (spec: JobSpec) => Scripted) {}

  async run(spec: JobSpec, output: OutputChannel, signals: ExecSignals): Promise<ExecResult> {
    this.specs.push(spec);
    this.signals.push(signals);
    const played = this.script(spec);
    if (played.stdout !== undefined) await output.port.onStdout(Buffer.from(played.stdout));
    return execResult({ stdoutBytes: Buffer.byteLength(played.stdout ?? ''), ...(await played.result) });
  }

  close(): void {
    this.closed = true;
  }
}

/** What the fake output control was asked, in order ("finish 1", "discard 1"…). */
export class FakeOutput implements JobOutputControl {
  readonly calls: string[] = [];
  /** What each finish's recording callback is given (undefined: the output was written). */
  lost: unknown = undefined;
  withholds = false;

  async finish(job: Job, written: (lost: unknown) => Promise<void> | void): Promise<void> {
    this.calls.push(`finish ${job.seq}`);
    await written(this.lost);
  }
  skip(job: Job): void {
    this.calls.push(`skip ${job.seq}`);
  }
  discard(job: Job): void {
    this.calls.push(`discard ${job.seq}`);
  }
  async withhold(job: Job): Promise<boolean> {
    this.calls.push(`withhold ${job.seq}`);
    return this.withholds;
  }
  async notice(stream: 'stdout' | 'stderr', text: string): Promise<void> {
    this.calls.push(`notice ${stream} ${text}`);
  }
}

/** A joblog that keeps its rows' results (or fails with `error`). */
export function fakeJoblog(error?: Error): { readonly joblog: Joblog; readonly rows: JobResult[] } {
  const rows: JobResult[] = [];
  const joblog = {
    write: async (result: JobResult) => {
      if (error !== undefined) throw error;
      rows.push(result);
    },
  } as unknown as Joblog;
  return { joblog, rows };
}

/** Results that keep what they were given, in order ("start 1", "finish 1", "out 1 <text>"). */
export function fakeResults(replacesOutput: boolean, failFinish?: Error): Results & { readonly calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    replacesOutput,
    start: (j) => {
      calls.push(`start ${j.seq}`);
      return { onStdout: (chunk) => void calls.push(`out ${j.seq} ${chunk.toString()}`), onStderr: (chunk) => void calls.push(`err ${j.seq} ${chunk.toString()}`) };
    },
    finish: (result) => {
      calls.push(`finish ${result.job.seq}`);
      if (failFinish !== undefined) throw failFinish;
    },
    discard: (j) => void calls.push(`discard ${j.seq}`),
  };
}

/** The events a sink received, as short strings ("started 1", "finished 1 exit 0"…). */
export function eventLog(): { readonly emit: (event: RunEvent) => void; readonly events: RunEvent[]; readonly kinds: () => string[] } {
  const events: RunEvent[] = [];
  return { emit: (event) => void events.push(event), events, kinds: () => events.map((event) => event.kind) };
}

/** A clock the test moves by hand: timers fire, in time order, only within `advance`. */
export class ManualClock {
  private time = 1_700_000_000_000;
  private readonly timers = new Map<number, { at: number; callback: () => void }>();
  private nextId = 0;

  readonly now = (): number => this.time;

  readonly setTimeout = (callback: () => void, ms: number): unknown => {
    const id = ++this.nextId;
    this.timers.set(id, { at: this.time + ms, callback });
    return id;
  };

  readonly clearTimeout = (timer: unknown): void => void this.timers.delete(timer as number);

  /** Timers still waiting. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time on by `ms`, firing each timer due on the way (and letting promises settle after each). */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      const due = [...this.timers.entries()].filter(([, timer]) => timer.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      this.timers.delete(due[0]);
      this.time = Math.max(this.time, due[1].at);
      due[1].callback();
    }
    this.time = end;
    await new Promise((resolve) => setImmediate(resolve));
  }
}
