// --resume / --resume-failed: which job numbers an earlier run's joblog says not to run again.

import { readFileSync, truncateSync } from 'node:fs';
import { UsageError, messageOf } from '../errors.js';
import { isJoblogRow, joblogHeader } from './joblog-format.js';

/** resume: skip every job with a row; resume-failed: skip only jobs with a successful row. */
export type ResumeMode = 'resume' | 'resume-failed';

/** What an earlier run's joblog says: the seqs not to run again, and a cut-off last row, if any. */
export interface ResumeState {
  readonly done: Set<number>;
  /** The last row had no newline (a crash or a full disk while it was written): where it starts. */
  readonly cutRow: { readonly line: number; readonly offset: number } | undefined;
}

/**
 * Reads a joblog (GNU parallel's or qrun's) and returns the seqs not to run again. A missing or
 * empty file means nothing was done yet. A last row without its newline is left out (its job
 * runs again), as GNU parallel does; any other row not in the format is refused, naming the line.
 */
export function readResumeSet(path: string, mode: ResumeMode, headerless = false): ResumeState {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { done: new Set(), cutRow: undefined };
    throw new UsageError(`--joblog '${path}' cannot be read: ${messageOf(error)}`);
  }
  const done = new Set<number>();
  if (text === '') return { done, cutRow: undefined };
  const lines = text.split('\n');
  // The text after the last newline: '' for a whole file, else a row that was cut off.
  const tail = lines.pop() as string;
  let cutRow: ResumeState['cutRow'];
  if (tail !== '') {
    if (lines.length === 0 && !headerless) throw new UsageError(`--joblog '${path}' line 1: not a joblog header (expected '${joblogHeader.replaceAll('\t', '\\t')}')`);
    // latin1 keeps one character per byte, so the length is the byte offset.
    cutRow = { line: lines.length + 1, offset: text.length - tail.length };
  }
  // `--joblog +file` writes no header (GNU parallel's): a header there is skipped all the same.
  const first = lines[0] === joblogHeader ? 1 : 0;
  if (first === 0 && !headerless) {
    throw new UsageError(`--joblog '${path}' line 1: not a joblog header (expected '${joblogHeader.replaceAll('\t', '\\t')}')`);
  }
  for (let i = first; i < lines.length; i++) {
    const fields = (lines[i] as string).split('\t');
    const [seq, , , , , , exitval, signal] = fields;
    const valid = isJoblogRow(fields);
    if (!valid) {
      throw new UsageError(`--joblog '${path}' line ${i + 1}: expected 9 tab-separated fields Seq, Host, Starttime, JobRuntime, Send, Receive, Exitval, Signal, Command`);
    }
    if (mode === 'resume' || (Number(exitval) === 0 && Number(signal) === 0)) done.add(Number(seq));
  }
  return { done, cutRow };
}

/** Removes a cut-off last row (from `offset` on) so that rows can be appended after the whole ones. */
export function cutJoblog(path: string, offset: number): void {
  try {
    truncateSync(path, offset);
  } catch (error) {
    throw new UsageError(`--joblog '${path}' cannot be written: ${messageOf(error)}`);
  }
}
