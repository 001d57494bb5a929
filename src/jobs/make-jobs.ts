// Records -> numbered jobs: plain shell lines or NDJSON objects; jobs a resumed run already did are left out.

import type { InputRecord } from '../input/split-records.js';
import type { Job } from './job.js';
import { parseNdjsonRecord } from './ndjson.js';

/** How records become jobs. */
export interface MakeJobsOptions {
  readonly ndjson: boolean;
  /** True for a seq that a resumed run must not run again. */
  readonly skip: (seq: number) => boolean;
  /** Told of each job left out because of `skip`. */
  readonly onSkipped: (job: Job) => void;
  /** Told of each blank record: it keeps its number (as in GNU parallel) but runs nothing. */
  readonly onBlank: (job: Job) => void;
  /** Once aborted, records still arriving are not made into jobs (they count as unread input). */
  readonly stop: AbortSignal;
  /** --colsep: a record cut into the job's arguments (the record is then they joined by spaces). */
  readonly columns?: ((text: string) => string[]) | undefined;
  /** --trim without --colsep: the record trimmed. */
  readonly trim?: ((text: string) => string) | undefined;
  /** -n/-N: this many records per job, their arguments together (0: one record per job, no arguments). */
  readonly perJob?: number | undefined;
  /** --ndjson with a command template: the record fields it names, in order (the job's values). */
  readonly ndjsonFields?: readonly string[] | undefined;
}

/**
 * Numbers records from 1 in input order, blank ones included (so the numbers, and joblogs, match
 * GNU parallel's), and turns each non-blank one into a job (an invalid NDJSON one is marked, not dropped).
 */
export async function* makeJobs(records: AsyncIterable<InputRecord>, options: MakeJobsOptions): AsyncGenerator<Job> {
  if (options.perJob !== undefined) {
    yield* groupedJobs(records, options.perJob, options);
    return;
  }
  let seq = 0;
  for await (const { text, line, args, stdin } of records) {
    if (options.stop.aborted) return;
    // Records arrive numbered by their place in the input; a gap is blank records.
    while (seq + 1 < line) {
      seq++;
      options.onBlank({ seq, line: seq, record: '' });
    }
    seq++;
    const job = options.ndjson ? ndjsonJob(seq, line, text, options.ndjsonFields) : args !== undefined ? { seq, line, record: text, args, stdin } : plainJob(seq, line, text, options);
    if (options.skip(seq)) options.onSkipped(job);
    else yield job;
  }
}

/**
 * -n/-N: each job takes the next `perJob` records (blank ones left out), its arguments theirs in
 * order; the last job may have fewer. Job numbers count jobs, as in GNU parallel.
 */
async function* groupedJobs(records: AsyncIterable<InputRecord>, perJob: number, options: MakeJobsOptions): AsyncGenerator<Job> {
  let seq = 0;
  let args: string[] = [];
  let taken = 0;
  let firstLine = 0;
  const job = (): Job => ({ seq: ++seq, line: firstLine, record: args.join(' '), args });
  for await (const record of records) {
    if (options.stop.aborted) return;
    if (taken === 0) firstLine = record.line;
    const one = record.args ?? (options.columns !== undefined ? options.columns(record.text) : [options.trim === undefined ? record.text : options.trim(record.text)]);
    if (perJob > 0) args.push(...one);
    taken++;
    if (taken < Math.max(perJob, 1)) continue;
    const made = job();
    args = [];
    taken = 0;
    if (options.skip(made.seq)) options.onSkipped(made);
    else yield made;
  }
  if (taken > 0) {
    const made = job();
    if (options.skip(made.seq)) options.onSkipped(made);
    else yield made;
  }
}

function plainJob(seq: number, line: number, text: string, options: MakeJobsOptions): Job {
  if (options.columns !== undefined) {
    const columns = options.columns(text);
    return { seq, line, record: columns.join(' '), args: columns };
  }
  return { seq, line, record: options.trim === undefined ? text : options.trim(text) };
}

function ndjsonJob(seq: number, line: number, text: string, fields: readonly string[] | undefined): Job {
  const parsed = parseNdjsonRecord(text, fields);
  if (!parsed.ok) return { seq, line, record: text, invalid: `line ${line}: ${parsed.reason}` };
  return { seq, line, record: parsed.cmd, args: parsed.args, ...parsed.settings };
}
