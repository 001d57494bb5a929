// Records -> numbered jobs: plain shell lines or NDJSON objects; jobs a resumed run already did are left out.

import type { InputRecord } from '../input/split-records.js';
import type { Job } from './job.js';
import type { LineMeter } from './line-meter.js';
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
  /** --trim: the record trimmed (without --colsep), or each column (with it). */
  readonly trim?: ((text: string) => string) | undefined;
  /** -n/-N: this many records per job, their arguments together (0: one record per job, no arguments). */
  readonly perJob?: number | undefined;
  /** -m, -X, --xargs: as many records per job as the command line holds. */
  readonly fill?: FillOptions | undefined;
  /** --ndjson with a command template: the record fields it names, in order (the job's values). */
  readonly ndjsonFields?: readonly string[] | undefined;
}

/**
 * Numbers records from 1 in input order, blank ones included (so the numbers, and joblogs, match
 * GNU parallel's), and turns each non-blank one into a job (an invalid NDJSON one is marked, not dropped).
 */
export async function* makeJobs(records: AsyncIterable<InputRecord>, options: MakeJobsOptions): AsyncGenerator<Job> {
  if (options.fill !== undefined) {
    yield* filledJobs(records, options.fill, options);
    return;
  }
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
    const job = options.ndjson ? ndjsonJob(seq, line, text, options.ndjsonFields) : args !== undefined ? sourcesJob(seq, line, args, stdin, options) : plainJob(seq, line, text, options);
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
    const one = valuesOf(record, options);
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

/** How -m/-X/--xargs fill a job's command line. */
export interface FillOptions {
  readonly meter: LineMeter;
  /** -s: a command line must stay shorter than this. */
  readonly maxLength: number;
  /** -m, -X: at the end of the input, the last arguments are spread over this many job slots. */
  readonly spreadOver: number | undefined;
  /** -n: at most this many records per job. */
  readonly maxRecords: number | undefined;
}

/**
 * -m/-X/--xargs: each job takes records while its command line stays under the limit, as GNU
 * parallel fills it; with -m/-X, the job that reaches the end of the input spreads its records
 * evenly over the job slots (and that share is the most any later job takes). Records are held
 * only for the job being filled.
 */
async function* filledJobs(records: AsyncIterable<InputRecord>, fill: FillOptions, options: MakeJobsOptions): AsyncGenerator<Job> {
  // Each record is cut into its values once, as it is read; a record put back keeps them.
  const iterator = records[Symbol.asyncIterator]();
  const back: Cut[] = [];
  let peeked: Cut | undefined | null = null;
  const read = async (): Promise<Cut | undefined> => {
    const next = await iterator.next();
    return next.done === true ? undefined : { record: next.value, values: valuesOf(next.value, options) };
  };
  const take = async (): Promise<Cut | undefined> => {
    if (back.length > 0) return back.shift();
    if (peeked !== null) {
      const cut = peeked;
      peeked = null;
      return cut;
    }
    return read();
  };
  const atEnd = async (): Promise<boolean> => {
    if (back.length > 0) return false;
    if (peeked === null) peeked = await read();
    return peeked === undefined;
  };
  let seq = 0;
  let most = fill.maxRecords;
  let spread = false;
  for (let first = await take(); first !== undefined && !options.stop.aborted; first = await take()) {
    seq++;
    fill.meter.reset();
    const taken: Cut[] = [];
    let tooLong: number | undefined;
    for (let cut: Cut | undefined = first; cut !== undefined; cut = await take()) {
      fill.meter.push(cut.values, seq);
      taken.push(cut);
      if (fill.meter.length() >= fill.maxLength) {
        if (taken.length === 1) {
          tooLong = fill.meter.length();
          break;
        }
        fill.meter.pop(cut.values, seq);
        back.unshift(taken.pop() as Cut);
        break;
      }
      if ((most !== undefined && taken.length >= most) || (await atEnd())) break;
    }
    if (fill.spreadOver !== undefined && !spread && taken.length > 1 && (await atEnd())) {
      spread = true;
      most = Math.ceil(taken.length / fill.spreadOver);
      back.unshift(...taken.splice(most));
    }
    const args = taken.flatMap((cut) => cut.values);
    const line = first.record.line;
    const job: Job =
      tooLong === undefined
        ? { seq, line, record: args.join(' '), args }
        : { seq, line, record: args.join(' '), invalid: `line ${line}: the command line would be ${tooLong} bytes; -s allows less than ${fill.maxLength}` };
    if (options.skip(seq)) options.onSkipped(job);
    else yield job;
  }
}

/** A record with its values (-m/-X). */
interface Cut {
  readonly record: InputRecord;
  readonly values: readonly string[];
}

/** A record's values: its input-source arguments or its columns (--colsep cuts each of those too), or the record. */
function valuesOf(record: InputRecord, options: MakeJobsOptions): readonly string[] {
  const { columns } = options;
  if (record.args !== undefined) return columns === undefined ? record.args : trimAll(record.args.flatMap((arg) => columns(arg)), options);
  return columns !== undefined ? trimAll(columns(record.text), options) : [options.trim === undefined ? record.text : options.trim(record.text)];
}

/** --trim on each column. */
function trimAll(columns: readonly string[], options: MakeJobsOptions): readonly string[] {
  const { trim } = options;
  return trim === undefined ? columns : columns.map((column) => trim(column));
}

/** A job of columns as cut, trimmed into its arguments; `cut` kept when --trim changed them (--results tables show them as cut, as GNU parallel). */
function columnsJob(seq: number, line: number, cut: readonly string[], stdin: InputRecord['stdin'], options: MakeJobsOptions): Job {
  const values = trimAll(cut, options);
  const changed = values.some((value, i) => value !== cut[i]);
  return { seq, line, record: values.join(' '), args: values, ...(changed ? { cut } : {}), ...(stdin === undefined ? {} : { stdin }) };
}

/** A job of input-source arguments (--colsep cuts each of them into columns, as GNU parallel does). */
function sourcesJob(seq: number, line: number, args: readonly string[], stdin: InputRecord['stdin'], options: MakeJobsOptions): Job {
  const { columns } = options;
  if (columns === undefined) return { seq, line, record: args.join(' '), args, stdin };
  return columnsJob(seq, line, args.flatMap((arg) => columns(arg)), stdin, options);
}

function plainJob(seq: number, line: number, text: string, options: MakeJobsOptions): Job {
  if (options.columns !== undefined) return columnsJob(seq, line, options.columns(text), undefined, options);
  return { seq, line, record: options.trim === undefined ? text : options.trim(text) };
}

function ndjsonJob(seq: number, line: number, text: string, fields: readonly string[] | undefined): Job {
  const parsed = parseNdjsonRecord(text, fields);
  if (!parsed.ok) return { seq, line, record: text, invalid: `line ${line}: ${parsed.reason}` };
  return { seq, line, record: parsed.cmd, args: parsed.args, ...parsed.settings };
}
