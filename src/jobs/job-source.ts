// From prepared records to jobs and their command lines: the names {name} stands for, the
// command template, the --tag text, and the job stream (columns, trim, -N, -m/-X, --ndjson, --resume).

import type { PreparedInput } from '../input/prepare.js';
import type { InputRecord } from '../input/split-records.js';
import type { RunOptions } from '../run-options.js';
import { columnSplitter, trimmed } from './columns.js';
import type { Job } from './job.js';
import { lineMeter } from './line-meter.js';
import { makeJobs } from './make-jobs.js';
import { checkPerl, evaluatePerl, perlCodes } from './perl-eval.js';
import { renameStrings, rewriteReplacements } from './user-replacements.js';
import { parseTemplate, quoteWords, renderContext, renderPlain, renderTemplate, templateFieldNames, type Template } from './template.js';

/** How a run's jobs become command lines. */
export interface Commands {
  /** The names {name} stands for: --ndjson fields a template uses, or --header's. */
  readonly names: readonly string[];
  /** The --ndjson fields the template uses (undefined: not --ndjson, or no template). */
  readonly ndjsonFields: readonly string[] | undefined;
  readonly template: Template | undefined;
  /** --tag or --tagstring: the text in front of each output line. */
  readonly tag: ((job: Job) => string) | undefined;
  /** A job's command line in worker slot `slot`. */
  readonly commandFor: (job: Job, slot: number) => string;
}

/** The run's commands, from its options and the input's header. */
export function commandsOf(options: RunOptions, header: PreparedInput['header'], env: NodeJS.ProcessEnv = {}, total?: number): Commands {
  // -I's spellings become qrun's, and --plus and --rpl strings {= perl =} fields, first.
  const spelled = rewriteReplacements(renameStrings(options.command, options.renamedStrings), options.replacements);
  const ndjsonFields = options.ndjson && spelled.length > 0 ? templateFieldNames(spelled) : undefined;
  const names = ndjsonFields ?? headerNames(header, options);
  const words = options.quoteCommand ? quoteWords(spelled, names) : spelled;
  // With --pipe the command gets no arguments: nothing is appended to it (GNU parallel's way).
  const template = words.length > 0 ? parseTemplate(words, options.pipe === undefined, names) : undefined;
  // {= perl =}: checked now (perl there, each expression compiles), evaluated per job by one perl process.
  const codes = template === undefined ? [] : perlCodes(template);
  checkPerl(codes, env.PATH);
  const perlFor = (job: Job, slot: number) => (codes.length === 0 || template === undefined ? undefined : evaluatePerl(template, job.args ?? [job.record], job.seq, slot, total));
  const commandFor =
    template === undefined
      ? (job: Job) => job.record
      : options.contextReplace
        ? (job: Job, slot: number) => renderContext(template, job.seq, slot, job.args ?? [job.record], perlFor(job, slot))
        : (job: Job, slot: number) => renderTemplate(template, job.record, job.seq, slot, job.args, perlFor(job, slot));
  return { names, ndjsonFields, template, tag: tagOf(options, names), commandFor };
}

/** What the job stream tells its caller and asks of it. */
export interface JobStreamDeps {
  readonly stop: AbortSignal;
  /** --resume: whether job `seq` is done already. */
  readonly skip: (seq: number) => boolean;
  readonly onSkipped: (job: Job) => void;
  /** A blank shell line: it runs nothing. */
  readonly onBlank: (job: Job) => void;
}

/** The run's jobs, made from the prepared records as the pool asks for them. */
export function jobStream(options: RunOptions, records: PreparedInput['records'], commands: Commands, deps: JobStreamDeps): AsyncIterable<Job> {
  return makeJobs(options.skipBlank ? withoutBlank(records) : records, {
    // Cut untrimmed: --trim makes the arguments, the --results table shows the columns as cut.
    columns: options.colsep === undefined ? undefined : columnSplitter(options.colsep, 'n'),
    trim: options.trim === 'n' ? undefined : (text) => trimmed(text, options.trim),
    perJob: options.perJob,
    fill: options.fill && {
      // Without a template the arguments are the command: GNU parallel's `{}`, unquoted.
      meter: lineMeter(commands.template ?? parseTemplate(['{}']), options.fill.mode === 'context'),
      maxLength: options.fill.maxChars,
      spreadOver: options.fill.mode === 'xargs' ? undefined : (options.slotsFile?.initial ?? options.concurrency),
      maxRecords: options.fill.maxArgs,
    },
    ndjson: options.ndjson,
    ndjsonFields: commands.ndjsonFields,
    ...deps,
  });
}

/**
 * -r (--no-run-if-empty): records that are empty or white space, and combinations of input-source
 * values that all are, are left out and numbered past (GNU parallel's job numbers do the same).
 */
async function* withoutBlank(records: PreparedInput['records']): AsyncGenerator<InputRecord> {
  let line = 0;
  for await (const record of records) {
    const blank = record.stdin === undefined && (record.args ?? [record.text]).every((value) => /^\s*$/.test(value));
    if (!blank) yield { ...record, line: ++line };
  }
}

/** The number of jobs `records` records make: -n/-N group them (-N0 still takes one each). */
export function jobCount(records: number | undefined, perJob: number | undefined): number | undefined {
  return records === undefined || perJob === undefined ? records : Math.ceil(records / Math.max(perJob, 1));
}

/** --tagstring (a template, values as they are) or --tag (the job's arguments, as GNU parallel). */
function tagOf(options: RunOptions, names: readonly string[]): ((job: Job) => string) | undefined {
  if (options.tagString !== undefined) {
    const template = parseTemplate([options.tagString], false, names);
    // -X: a word holding {} is repeated per argument here too (a{}b: a1b a2b).
    if (options.contextReplace) return (job) => renderContext(template, job.seq, 0, job.args ?? [job.record], undefined, true);
    return (job) => renderPlain(template, job.record, job.seq, job.args);
  }
  return options.tag ? (job) => (job.args ?? [job.record]).join(' ') : undefined;
}

/** --header: the names {name} stands for: the input sources', or the header line cut into columns. */
function headerNames(header: PreparedInput['header'], options: RunOptions): readonly string[] {
  if (header === undefined) return [];
  // With --colsep, a source's first value is cut into names too.
  if (header.kind === 'names') return options.colsep === undefined ? header.names : header.names.flatMap((name) => columnSplitter(options.colsep as RegExp, options.trim)(name));
  return options.colsep === undefined ? [header.text] : columnSplitter(options.colsep, options.trim)(header.text);
}
