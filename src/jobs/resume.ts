// --resume / --resume-failed: which job numbers an earlier run's joblog says not to run again.

import { readFileSync } from 'node:fs';
import { UsageError, messageOf } from '../errors.js';
import { joblogHeader } from '../report/joblog.js';

/** resume: skip every job with a row; resume-failed: skip only jobs with a successful row. */
export type ResumeMode = 'resume' | 'resume-failed';

const integer = /^-?\d+$/;
const decimal = /^\s*-?\d+(?:\.\d+)?$/;

/**
 * Reads a joblog (GNU parallel's or qrun's) and returns the seqs not to run again. A missing or
 * empty file means nothing was done yet. A file not in the format is refused, naming the line.
 */
export function readResumeSet(path: string, mode: ResumeMode): Set<number> {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
    throw new UsageError(`--joblog '${path}' cannot be read: ${messageOf(error)}`);
  }
  const done = new Set<number>();
  if (text === '') return done;
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines[0] !== joblogHeader) {
    throw new UsageError(`--joblog '${path}' line 1: not a joblog header (expected '${joblogHeader.replaceAll('\t', '\\t')}')`);
  }
  for (let i = 1; i < lines.length; i++) {
    const fields = (lines[i] as string).split('\t');
    const [seq, host, start, runtime, send, receive, exitval, signal] = fields;
    const valid =
      fields.length >= 9 &&
      integer.test(seq ?? '') &&
      Number(seq) >= 1 &&
      host !== '' &&
      decimal.test(start ?? '') &&
      decimal.test(runtime ?? '') &&
      integer.test(send ?? '') &&
      integer.test(receive ?? '') &&
      integer.test(exitval ?? '') &&
      integer.test(signal ?? '');
    if (!valid) {
      throw new UsageError(`--joblog '${path}' line ${i + 1}: expected 9 tab-separated fields Seq, Host, Starttime, JobRuntime, Send, Receive, Exitval, Signal, Command`);
    }
    if (mode === 'resume' || (Number(exitval) === 0 && Number(signal) === 0)) done.add(Number(seq));
  }
  return done;
}
