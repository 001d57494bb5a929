// The joblog's format as GNU parallel 20221122 writes it and reads it back: its columns (computed
// here only, for the joblog, the --results tables and the run report), its header line, and what
// a row is.

import { constants } from 'node:os';
import type { JobResult } from '../jobs/job.js';
import { sentBytes } from '../input/job-stdin.js';

/** The nine columns, in order. */
export const joblogColumnNames = ['Seq', 'Host', 'Starttime', 'JobRuntime', 'Send', 'Receive', 'Exitval', 'Signal', 'Command'] as const;

/** The header line GNU parallel writes (and expects when resuming). */
export const joblogHeader = joblogColumnNames.join('\t');

/** A finished job's nine columns; times in seconds with three decimals, as GNU parallel prints them. */
export interface JoblogColumns {
  readonly seq: number;
  readonly host: string;
  readonly starttime: string;
  readonly runtime: string;
  readonly send: number;
  readonly receive: number;
  readonly exitval: number;
  readonly signo: number;
  readonly command: string;
}

/** A job's Exitval and Signal columns, as GNU parallel reports them. */
export function exitColumns(result: JobResult): { readonly exitval: number; readonly signo: number } {
  // As GNU parallel: killed by a signal: Exitval 0 and the signal; could not start: -1. A job that
  // timed out and died by the signal: -1 and the signal; one that exited by itself after the
  // SIGTERM keeps its exit code with Signal 0, except that exit 0 becomes -1 (it did not succeed).
  const exitval = result.error !== null || (result.timedOut && (result.signal !== null || result.exitCode === 0)) ? -1 : result.signal !== null ? 0 : (result.exitCode ?? -1);
  const signal = result.signal;
  return { exitval, signo: signal === null ? 0 : (constants.signals[signal] ?? 0) };
}

/** The columns of a finished job. */
export function joblogColumns(result: JobResult): JoblogColumns {
  return {
    seq: result.job.seq,
    host: result.host ?? ':',
    starttime: (result.startedAt / 1000).toFixed(3),
    runtime: (result.durationMs / 1000).toFixed(3),
    send: sentBytes(result.job.stdin),
    receive: result.stdoutBytes,
    ...exitColumns(result),
    command: result.command,
  };
}

/** One joblog row, as GNU parallel formats it. */
export function formatJoblogRow(result: JobResult): string {
  const c = joblogColumns(result);
  // A newline inside a command would break the row: GNU parallel writes it as a NUL byte.
  return `${c.seq}\t${c.host}\t${c.starttime}\t${c.runtime.padStart(10)}\t${c.send}\t${c.receive}\t${c.exitval}\t${c.signo}\t${c.command.replaceAll('\n', '\0')}\n`;
}

const integer = /^-?\d+$/;
const decimal = /^\s*-?\d+(?:\.\d+)?$/;

/** Whether tab-cut `fields` are a joblog row: Seq, Host, Starttime, JobRuntime, Send, Receive, Exitval, Signal, Command. */
export function isJoblogRow(fields: readonly string[]): boolean {
  const [seq, host, start, runtime, send, receive, exitval, signal] = fields;
  return (
    fields.length >= 9 &&
    integer.test(seq ?? '') &&
    Number(seq) >= 1 &&
    host !== '' &&
    decimal.test(start ?? '') &&
    decimal.test(runtime ?? '') &&
    integer.test(send ?? '') &&
    integer.test(receive ?? '') &&
    integer.test(exitval ?? '') &&
    integer.test(signal ?? '')
  );
}
