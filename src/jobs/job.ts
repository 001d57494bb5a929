// The unit of work: one record from the input, numbered in input order, and what became of it.

import type { JobStdin } from '../input/job-stdin.js';

/** Per-job settings an NDJSON record may carry; each overrides the command-line default. */
export interface JobSettings {
  readonly id?: string | undefined;
  readonly timeoutMs?: number | undefined;
  readonly retries?: number | undefined;
  readonly env?: Readonly<Record<string, string>> | undefined;
  readonly cwd?: string | undefined;
}

/** One job: its 1-based sequence number in input order and what it runs. */
export interface Job extends JobSettings {
  readonly seq: number;
  /** Where the record was in the input (1-based, blank records counted). */
  readonly line: number;
  /** The shell line to run; with a command template, the value substituted into it. */
  readonly record: string;
  /** From `:::`/`::::` input sources: the job's arguments ({1}, {2}…); record is them joined by spaces. */
  readonly args?: readonly string[] | undefined;
  /** --colsep: the columns as cut, before --trim (only when trimming changed them). */
  readonly cut?: readonly string[] | undefined;
  /** --pipe, --pipe-part: what the job reads on stdin (otherwise /dev/null). */
  readonly stdin?: JobStdin | undefined;
  /** Set when the record was rejected (invalid NDJSON): why. Such a job is not run. */
  readonly invalid?: string | undefined;
}

/** How one job's process ended, as an executor reports it: failure is data, never an exception. */
export interface ExecResult {
  /** The shell's exit code, or null when it died by a signal or never started. */
  readonly exitCode: number | null;
  /** The signal that ended the shell, or null. */
  readonly signal: NodeJS.Signals | null;
  /** The job hit its timeout and its process group was terminated. */
  readonly timedOut: boolean;
  /** Terminated during a shutdown (second signal, halt now, or a failure of qrun). */
  readonly canceled: boolean;
  /** What went wrong around the job itself (it could not start, its output was lost), or null. */
  readonly error: string | null;
  /** Wall-clock start, in epoch milliseconds. */
  readonly startedAt: number;
  readonly durationMs: number;
  /** Bytes the job wrote to stdout (0 when qrun did not see them). */
  readonly stdoutBytes: number;
  /** Where the job ran, for the joblog's Host column (':' or absent: this machine). */
  readonly host?: string | undefined;
  /** Taken back from a queue before it started (a remote executor at a stop): not a failure. */
  readonly neverStarted?: boolean | undefined;
}

/** What became of a job that ran: how its last attempt ended, and which job, command and slot it was. */
export interface JobResult extends ExecResult {
  readonly job: Job;
  /** The command line as run (after template substitution). */
  readonly command: string;
  /** The worker slot (1..N) that ran the job. */
  readonly slot: number;
  /** Attempts made, retries included (1 without retries). */
  readonly attempts: number;
}

/** True when the job counts as failed: non-zero exit, death by signal, timeout, or an error around it. */
export function isFailure(result: Pick<JobResult, 'exitCode' | 'signal' | 'timedOut' | 'error'>): boolean {
  return result.exitCode !== 0 || result.signal !== null || result.timedOut || result.error !== null;
}

/** A short description of how a job ended: "exit 3", "signal SIGKILL", "timed out (SIGTERM)". */
export function describeEnd(result: JobResult): string {
  if (result.error !== null) return result.error;
  if (result.timedOut) return `timed out (${result.signal ?? `exit ${result.exitCode}`})`;
  if (result.canceled) return `canceled (${result.signal ?? `exit ${result.exitCode}`})`;
  return result.signal !== null ? `signal ${result.signal}` : `exit ${result.exitCode ?? '?'}`;
}
