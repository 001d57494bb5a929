// The runner seam: what every executor (local execa, spawn helper, Redis/BullMQ) is given and returns.

import type { ExecResult, Job } from '../jobs/job.js';
import type { TermSeq } from './term-seq.js';
import type { JobStdin } from '../input/job-stdin.js';
import { shellQuote } from '../jobs/template.js';

export type { ExecResult };

/** The result of a job whose process never started (spawn or exec failed): `error` says why. */
export function notStartedResult(error: string, startedAt: number): ExecResult {
  return { exitCode: null, signal: null, timedOut: false, canceled: false, error, startedAt, durationMs: 0, stdoutBytes: 0 };
}

/** The run-wide defaults a job's policy is resolved from. */
export interface RunDefaults {
  readonly shell: string;
  /** Per-job time limit in ms as a job starts (a job may set its own), or undefined for none. */
  readonly timeoutMs: () => number | undefined;
  /** How a job's process group is killed. */
  readonly termSeq: TermSeq;
  /** --retries (a job may set its own). */
  readonly retries: number;
  /** qrun's own pid: the jobs' $PARALLEL_PID, as GNU parallel gives its own. */
  readonly pid: number;
  /** --nice: the niceness jobs run at (undefined: the executor's own). */
  readonly nice?: number | undefined;
  /** --env: variables copied into every job's environment (they travel with the job to a worker). */
  readonly env?: Readonly<Record<string, string>> | undefined;
  /** --process-slot-var (xargs's): this variable holds the job's slot counted from 0. */
  readonly slotVariable?: string | undefined;
}

/**
 * One job, resolved before it reaches an executor: plain data, so it can travel over the wire.
 * The executor starts `<shell> -c <command>` in its own process group, with its own environment
 * and cwd plus `env`, in `cwd` (relative to the executor's own).
 */
export interface JobSpec {
  readonly seq: number;
  /** 1 for the first run of the job, 2 for its first retry, and so on. */
  readonly attempt: number;
  /** The attempt after which a failure is final (its retries spent). */
  readonly lastAttempt?: number | undefined;
  readonly slot: number;
  readonly command: string;
  readonly shell: string;
  readonly timeoutMs: number | undefined;
  readonly termSeq: TermSeq;
  /**
   * Added to the executor's environment: the record's env, QRUN_SEQ and QRUN_SLOT, and GNU
   * parallel's names for them (PARALLEL_SEQ, PARALLEL_JOBSLOT) with PARALLEL_PID.
   */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string | undefined;
  /** --pipe, --pipe-part: a file (or its byte ranges) on this machine as stdin; otherwise /dev/null. */
  readonly stdin?: JobStdin | undefined;
}

/** A job's number and slot in its environment, under qrun's names and GNU parallel's. */
export function jobNumbers(seq: number, slot: number): Record<string, string> {
  return { QRUN_SEQ: String(seq), QRUN_SLOT: String(slot), PARALLEL_SEQ: String(seq), PARALLEL_JOBSLOT: String(slot) };
}

/** Resolves a job's policy: its own settings over the run's defaults. */
export function resolveSpec(job: Job, command: string, slot: number, attempt: number, defaults: RunDefaults): JobSpec {
  return {
    seq: job.seq,
    attempt,
    lastAttempt: (job.retries ?? defaults.retries) + 1,
    slot,
    // --nice as GNU parallel runs it: the job's shell under nice(1), exec'd, so the job keeps its pid and group.
    command: defaults.nice === undefined ? command : `exec nice -n ${defaults.nice} ${shellQuote(defaults.shell)} -c ${shellQuote(command)}`,
    shell: defaults.shell,
    timeoutMs: job.timeoutMs ?? defaults.timeoutMs(),
    termSeq: defaults.termSeq,
    env: { ...defaults.env, ...job.env, ...jobNumbers(job.seq, slot), PARALLEL_PID: String(defaults.pid), ...(defaults.slotVariable === undefined ? {} : { [defaults.slotVariable]: String(slot - 1) }) },
    cwd: job.cwd,
    stdin: job.stdin,
  };
}

/**
 * Where any executor sends a job's output, chunk by chunk. A port may answer a chunk with a
 * promise: the executor then reads no more of the job's output until it settles (back-pressure).
 */
export interface OutputPort {
  readonly onStdout: (chunk: Buffer) => void | Promise<void>;
  readonly onStderr: (chunk: Buffer) => void | Promise<void>;
  /** The job is being run again from the start elsewhere (a remote run that was lost): forget what is held. */
  readonly restart?: () => void;
}

/**
 * A shortcut only a local executor can take: let the job's process write straight into qrun's
 * own stdout/stderr ('inherit') or into a file descriptor, instead of feeding the port.
 */
export interface LocalStdio {
  readonly stdout: 'inherit' | number;
  readonly stderr: 'inherit' | number;
  /** How many bytes the job wrote to stdout (for a file descriptor; 0 when inherited). */
  readonly stdoutBytes: () => number;
}

/** A job's output destination: the port every executor can feed, and the local shortcut if any. */
export interface OutputChannel {
  readonly port: OutputPort;
  readonly local: LocalStdio | undefined;
}

/** The run's two abort phases, as an executor sees them. */
export interface ExecSignals {
  /** Start no more jobs: a job not yet started may be taken back (ExecResult.neverStarted). */
  readonly stop: AbortSignal;
  /** Terminate running jobs (second signal, halt now, a failure of qrun). */
  readonly kill: AbortSignal;
  /**
   * --timeout N%: the job's time limit in ms as it stands now (undefined: none yet), read again while
   * it runs, since it follows the median runtime. A local executor uses it instead of spec.timeoutMs.
   */
  readonly timeLimit?: (() => number | undefined) | undefined;
  /** --memfree: kill this job (its --term-seq) to free memory; it fails, and is retried if --retries allows. */
  readonly evict?: AbortSignal | undefined;
}

/** The error of a job --memfree killed. */
export const evictedError = 'killed by --memfree: free memory fell under half of it';

/** Runs jobs. `run` resolves when the job has ended and its output has all been handed over. */
export interface Executor {
  /**
   * Runs one job. It takes the start time before its first await (the --delay pacer counts from
   * there) and never rejects for a failing job; it rejects only when it cannot run jobs at all.
   */
  run(spec: JobSpec, output: OutputChannel, signals: ExecSignals): Promise<ExecResult>;
  /**
   * Ends whatever is still running and frees resources. What must happen even at process exit
   * (killing local process groups) happens before it returns; a promise covers the rest.
   */
  close(): void | Promise<void>;
}

/** What a run gives its executor. */
export interface ExecutorContext {
  /** The environment and directory jobs start from (the executor's own machine's, for a local one). */
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** The executor cannot go on (e.g. lost its server): the run stops and exits 255. */
  readonly fail: (error: Error) => void;
  /** A line for the user on stderr. */
  readonly notice: (text: string) => void;
  /** The number of jobs of the run, once counted (undefined: it cannot be known). */
  readonly total?: Promise<number | undefined> | undefined;
}

/** Builds a run's executor; the composition root picks one (local by default). */
export type ExecutorFactory = (context: ExecutorContext) => Executor | Promise<Executor>;

/** What an executor can do, declared beside it, so that the run never asks which one it is. */
export interface ExecutorTraits {
  /**
   * Jobs run on this machine: the shell and the open-file limit are checked before any starts,
   * -c is how many run at once, and jobs may write straight into qrun's stdio and capture files
   * (`OutputChannel.local`). Otherwise -c is how many jobs are in flight (queued or running)
   * at once, output arrives as chunks, and a chunk stream may start over (`OutputPort.restart`,
   * a remote run that was lost): the sink holds output until it knows.
   */
  readonly local: boolean;
  /** Wants the number of jobs, counted while the run goes on (for the fleet's status view). */
  readonly wantsTotal: boolean;
}

/** An executor as the root picks it: what it can do, and how to open it. */
export interface ExecutorPlan {
  readonly traits: ExecutorTraits;
  readonly open: ExecutorFactory;
}

/** The traits of an executor that runs jobs on this machine. */
export const localTraits: ExecutorTraits = { local: true, wantsTotal: false };
