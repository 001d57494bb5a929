// Error classes for qrun's own failures and the table of exit codes, in one place.

/** Exit codes, following GNU parallel's convention (documented in the README). */
export const ExitCode = {
  /** Every job succeeded. */
  ok: 0,
  /** 1-100: that many jobs failed; 101: more than 100 failed. */
  manyFailed: 101,
  /** --lock is held by another qrun: nothing ran. */
  locked: 254,
  /** qrun's own error: bad option, unreadable input, internal failure. */
  error: 255,
} as const;

/** Signal numbers used for 128+signo exit codes (Linux numbering). */
export const signalNumbers = { SIGHUP: 1, SIGINT: 2, SIGPIPE: 13, SIGTERM: 15 } as const;

/** The signals that interrupt a run (and stop a worker, a status --watch): handled everywhere from this one list. */
export const interruptSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** A signal that interrupts a run. */
export type InterruptSignal = (typeof interruptSignals)[number];

/** Maps the number of failed jobs to GNU parallel's exit status. */
export function exitCodeForFailures(failed: number): number {
  return failed > 100 ? ExitCode.manyFailed : failed;
}

/** A mistake in how qrun was called: bad option, unreadable input file. Exit 255. */
export class UsageError extends Error {
  override readonly name: string = 'UsageError';
}

/** The one-line text of any thrown value, without a stack. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  return String(error);
}
