// The unit of work: one record from the input, numbered in input order.

/** One job: its 1-based sequence number in input order and the shell line it runs. */
export interface Job {
  readonly seq: number;
  readonly command: string;
}

/** What became of a job that ran: failure is data here, never an exception. */
export interface JobResult {
  readonly job: Job;
  /** The worker slot (1..N) that ran the job. */
  readonly slot: number;
  /** The shell's exit code, or null when it died by a signal or never started. */
  readonly exitCode: number | null;
  /** The signal that ended the shell, or null. */
  readonly signal: NodeJS.Signals | null;
  /** The job hit `--timeout` and qrun terminated its process group. */
  readonly timedOut: boolean;
  /** qrun terminated the job during a shutdown (second signal, or a failure of qrun itself). */
  readonly canceled: boolean;
  /** What went wrong around the job itself (it could not start, its output was lost), or null. */
  readonly error: string | null;
  /** Wall-clock start, in epoch milliseconds. */
  readonly startedAt: number;
  readonly durationMs: number;
}

/** True when the job counts as failed: non-zero exit, death by signal, timeout, or an error around it. */
export function isFailure(result: JobResult): boolean {
  return result.exitCode !== 0 || result.signal !== null || result.timedOut || result.error !== null;
}

/** A short description of how a job ended: "exit 3", "signal SIGKILL", "timed out (SIGTERM)". */
export function describeEnd(result: JobResult): string {
  if (result.error !== null) return result.error;
  if (result.timedOut) return `timed out (${result.signal ?? `exit ${result.exitCode}`})`;
  if (result.canceled) return `canceled (${result.signal ?? `exit ${result.exitCode}`})`;
  return result.signal !== null ? `signal ${result.signal}` : `exit ${result.exitCode ?? '?'}`;
}
