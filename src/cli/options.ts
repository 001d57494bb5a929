// The zod schema that turns raw option values (CLI strings or library values) into a run's typed options.

import { availableParallelism } from 'node:os';
import * as z from 'zod/mini';
import { UsageError } from '../errors.js';
import { parseRedisUrl } from '../redis/url.js';
import type { ArgSource } from '../input/arg-sources.js';
import type { LogLevel, RedisOptions, RunOptions } from '../run-options.js';
import { fillOptions, pipeOptions } from './job-modes.js';
import { duration, flag, grace, halt, headerLines, pipeHeaderPattern, loadLimit, oneOf, regex, separator, size, slots, termSeq, text, timeout, wholeNumber, type SlotSpec } from './validators.js';
import { defaultReconnectMs, queueName } from './fleet-options.js';
import { mostConcurrency, openFileLimit } from '../runner/fd-budget.js';
import { killAfterSeq } from '../runner/term-seq.js';

export type { LogLevel, RedisOptions, RunOptions };

/** Jobs in flight through Redis at once, unless --queue-size says otherwise. */
const redisWindow = 1000;

/** The words options take from a fixed list (validation here, shell completions in completion.ts). */
export const logLevels: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
export const outputModes = ['group', 'line', 'ungroup'] as const;
export const annotations = ['github', 'github-group', 'none'] as const;
export const executors = ['auto', 'helper', 'execa'] as const;
export const trims = ['n', 'l', 'r', 'lr', 'rl'] as const;

/** How long running jobs get after the first signal unless --grace says otherwise. */
const defaultGraceMs = 5000;

/** The raw options, as commander or a library caller gives them; every field may be missing. */
const rawSchema = z.strictObject({
  concurrency: z.optional(slots('--concurrency')),
  jobs: z.optional(slots('--jobs')),
  queueSize: z.optional(wholeNumber('--queue-size')),
  timeout: z.optional(timeout()),
  killAfter: z.optional(duration('--kill-after', true)),
  termSeq: z.optional(termSeq()),
  shell: z.optional(text('--shell')),
  output: z.optional(oneOf('--output', outputModes)),
  keepOrder: z.optional(flag('--keep-order')),
  tag: z.optional(flag('--tag')),
  tagstring: z.optional(text('--tagstring')),
  colsep: z.optional(regex('--colsep')),
  header: z.optional(headerLines()),
  shuf: z.optional(flag('--shuf')),
  m: z.optional(flag('-m')),
  X: z.optional(flag('-X')),
  xargs: z.optional(flag('--xargs')),
  maxChars: z.optional(wholeNumber('-s', 1)),
  load: z.optional(loadLimit()),
  memfree: z.optional(size('--memfree')),
  trim: z.optional(oneOf('--trim', trims)),
  progress: z.optional(flag('--progress')),
  logFile: z.optional(text('--log-file')),
  logLevel: z.optional(oneOf('--log-level', logLevels)),
  quiet: z.optional(flag('--quiet')),
  silent: z.optional(flag('--silent')),
  grace: z.optional(grace()),
  lock: z.optional(text('--lock')),
  lockWait: z.optional(duration('--lock-wait', true)),
  annotate: z.optional(oneOf('--annotate', annotations)),
  metricsFile: z.optional(text('--metrics-file')),
  report: z.optional(text('--report')),
  executor: z.optional(oneOf('--executor', executors)),
  link: z.optional(flag('--link')),
  pipe: z.optional(flag('--pipe')),
  pipePart: z.optional(flag('--pipe-part')),
  pipepart: z.optional(flag('--pipepart')),
  block: z.optional(size('--block')),
  blockSize: z.optional(size('--block-size')),
  recstart: z.optional(separator('--recstart')),
  recend: z.optional(separator('--recend')),
  maxArgs: z.optional(wholeNumber('-n', 0)),
  maxReplaceArgs: z.optional(wholeNumber('-N', 0)),
  sources: z.optional(z.custom<ArgSource[]>((value) => Array.isArray(value))),
  argFile: z.optional(z.array(text('--arg-file'))),
  null: z.optional(flag('--null')),
  command: z.optional(z.array(z.string())),
  ndjson: z.optional(flag('--ndjson')),
  joblog: z.optional(text('--joblog')),
  resume: z.optional(flag('--resume')),
  resumeFailed: z.optional(flag('--resume-failed')),
  retries: z.optional(wholeNumber('--retries', 0)),
  retryDelay: z.optional(duration('--retry-delay', true)),
  halt: z.optional(halt()),
  haltOnError: z.optional(halt('--halt-on-error')),
  delay: z.optional(duration('--delay', true)),
  dryRun: z.optional(flag('--dry-run')),
  dryrun: z.optional(flag('--dryrun')),
  xapply: z.optional(flag('--xapply')),
  results: z.optional(text('--results')),
  res: z.optional(text('--res')),
  resultsSeq: z.optional(text('--results-seq')),
  summaryJson: z.optional(text('--summary-json')),
  redis: z.optional(text('--redis')),
  queue: z.optional(text('--queue')),
  waitWorkers: z.optional(duration('--wait-workers', false)),
  runTtl: z.optional(duration('--run-ttl', false)),
  reconnectTimeout: z.optional(duration('--reconnect-timeout', false)),
  redisPasswordFile: z.optional(text('--redis-password-file')),
});

/** Options as given before validation (CLI strings, or typed values from the library). */
export type RawOptions = z.input<typeof rawSchema>;

/** Options as validated, before defaults and other spellings are resolved. */
type ParsedOptions = z.output<typeof rawSchema>;

/**
 * Validates raw options and fills in defaults; throws UsageError naming the first bad option.
 * `names` gives another name for options that did not come from the command line (QRUN_X).
 */
export function parseOptions(
  raw: Record<string, unknown>,
  cpus: number = availableParallelism(),
  names: Record<string, string> = {},
  env: NodeJS.ProcessEnv = {},
  openFiles: () => number | undefined = openFileLimit,
): RunOptions {
  const parsed = rawSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? '');
    const message = issue?.message ?? 'invalid options';
    const name = names[key];
    throw new UsageError(name === undefined ? message : message.replace(/^--[a-z-]+/, name));
  }
  // GNU parallel's other spellings: --pipepart is --pipe-part; -n0 is -N0.
  const o = { ...parsed.data, pipePart: parsed.data.pipePart ?? parsed.data.pipepart, ...(parsed.data.maxArgs === 0 && parsed.data.maxReplaceArgs === undefined ? { maxArgs: undefined, maxReplaceArgs: 0 } : {}) };
  refuseConflicts(o);
  // -c given to a submitter would not say how many run; QRUN_CONCURRENCY is the workers' (the same environment may serve both).
  const slotsGiven = (['concurrency', 'jobs'] as const).find((key) => o[key] !== undefined && names[key] === undefined);
  if (slotsGiven !== undefined && o.redis !== undefined) {
    throw new UsageError(`--${slotsGiven} sets how many jobs run at once on this machine; with --redis each worker sets its own (qrun worker -c N), and --queue-size how many jobs are in flight`);
  }
  const slotsOf = (spec: SlotSpec | undefined): number | undefined => (spec === undefined ? undefined : slotCount(spec, cpus, openFiles));
  const [asConcurrency, asJobs] = [slotsOf(o.concurrency), slotsOf(o.jobs)];
  if (asConcurrency !== undefined && asJobs !== undefined && asConcurrency !== asJobs) {
    throw new UsageError(`--jobs is another name for --concurrency; give one, got ${asConcurrency} and ${asJobs}`);
  }
  const output = o.output ?? 'group';
  const haltSpec = o.halt ?? o.haltOnError;
  const haltPercent = haltSpec !== undefined && haltSpec.when !== 'never' && haltSpec.percent;
  if (haltPercent && (o.pipe === true || o.pipePart === true || o.m === true || o.X === true || o.xargs === true)) {
    const name = o.pipe === true ? '--pipe' : o.pipePart === true ? '--pipe-part' : o.m === true ? '-m' : o.X === true ? '-X' : '--xargs';
    throw new UsageError(`--halt with a percentage needs the number of jobs up front; with ${name} it is known only at the end (give --halt a number instead)`);
  }
  const pipe = pipeOptions({ ...o, block: o.block ?? o.blockSize });
  if (o.lockWait !== undefined && o.lock === undefined) throw new UsageError('--lock-wait needs --lock <file>');
  const redis = redisOptions(o, env);
  // Through Redis, the window of jobs in flight is --queue-size; workers take -c each.
  const concurrency = redis !== undefined ? (o.queueSize ?? redisWindow) : (asConcurrency ?? asJobs ?? cpus);
  // GNU parallel's `--joblog +file`: rows appended to the file, never a header.
  const joblogAppend = o.joblog !== undefined && o.joblog.length > 1 && o.joblog.startsWith('+');
  return {
    concurrency,
    queueSize: o.queueSize ?? (redis !== undefined ? redisWindow : 2 * concurrency),
    timeoutMs: typeof o.timeout === 'number' ? o.timeout : undefined,
    timeoutPercent: typeof o.timeout === 'object' ? o.timeout.percent : undefined,
    termSeq: o.termSeq ?? killAfterSeq(o.killAfter ?? 2000),
    shell: o.shell ?? '/bin/sh',
    output,
    keepOrder: o.keepOrder ?? false,
    tag: o.tag ?? false,
    tagString: o.tagstring,
    // --header without --colsep cuts the records at tabs, as GNU parallel does.
    colsep: o.colsep ?? (o.header !== undefined && (o.sources?.length ?? 0) === 0 ? /\t/ : undefined),
    header: o.header,
    headerPattern: o.pipe === true || o.pipePart === true ? pipeHeaderPattern(raw.header) : undefined,
    shuffle: o.shuf ?? false,
    fill: fillOptions(o),
    // --load N%: a share of the CPUs, as GNU parallel's -j N% spelling.
    maxLoad: o.load === undefined ? undefined : typeof o.load === 'number' ? o.load : (o.load.percent / 100) * cpus,
    memFree: o.memfree,
    // --colsep trims spaces around columns unless --trim says otherwise, as GNU parallel does.
    trim: o.trim ?? (o.colsep !== undefined ? 'lr' : 'n'),
    progress: o.progress,
    logFile: o.logFile,
    logLevel: o.logLevel ?? 'info',
    quiet: o.quiet ?? false,
    silent: o.silent ?? false,
    graceMs: o.grace === undefined ? defaultGraceMs : o.grace === 'unlimited' ? undefined : o.grace,
    lock: o.lock,
    lockWaitMs: o.lockWait ?? 0,
    // GitHub Actions sets GITHUB_ACTIONS=true in every step.
    annotate: o.annotate ?? (env.GITHUB_ACTIONS === 'true' ? 'github' : 'none'),
    metricsFile: o.metricsFile,
    report: o.report,
    executor: o.executor ?? 'auto',
    sources: o.sources ?? [],
    link: o.link ?? o.xapply ?? false,
    // With --pipe, -N counts records per block instead; with -m/-X, -n is the most per job.
    perJob: pipe === undefined && o.m !== true && o.X !== true && o.xargs !== true ? (o.maxReplaceArgs ?? o.maxArgs) : undefined,
    pipe,
    argFiles: o.argFile ?? [],
    separator: o.null === true ? 'null' : 'newline',
    command: o.command ?? [],
    ndjson: o.ndjson ?? false,
    joblog: joblogAppend ? o.joblog?.slice(1) : o.joblog,
    joblogAppend,
    resume: o.resume === true ? 'resume' : o.resumeFailed === true ? 'resume-failed' : undefined,
    retries: o.retries ?? 0,
    retryDelayMs: o.retryDelay ?? 0,
    halt: o.halt ?? o.haltOnError ?? { when: 'never' },
    delayMs: o.delay ?? 0,
    dryRun: o.dryRun ?? o.dryrun ?? false,
    // -X, and -N as GNU parallel has it: a word holding {} is repeated per argument.
    contextReplace: o.X === true || (o.maxReplaceArgs !== undefined && o.m !== true && o.xargs !== true),
    results: o.results ?? o.res ?? o.resultsSeq,
    resultsBySeq: o.resultsSeq !== undefined,
    summaryJson: o.summaryJson,
    redis,
  };
}

/** Options that cannot be given together, or one without the other it needs: a UsageError naming them. */
function refuseConflicts(o: ParsedOptions): void {
  if (o.resume === true && o.resumeFailed === true) throw new UsageError('--resume and --resume-failed cannot be used together');
  if ((o.resume === true || o.resumeFailed === true) && o.joblog === undefined) {
    throw new UsageError(`${o.resume === true ? '--resume' : '--resume-failed'} needs --joblog <file> (the log of the run to resume)`);
  }
  if ((o.resume === true || o.resumeFailed === true) && o.joblog === '-') {
    throw new UsageError(`${o.resume === true ? '--resume' : '--resume-failed'} needs a --joblog file to read; --joblog - writes the log to stdout`);
  }
  if (o.maxArgs !== undefined && o.maxReplaceArgs !== undefined) throw new UsageError('-n and -N both set how many arguments a job takes; give one');
  if (o.ndjson === true && (o.maxArgs !== undefined || o.maxReplaceArgs !== undefined)) throw new UsageError('-n and -N group plain records; --ndjson records are one job each');
  if (o.header !== undefined && o.ndjson === true) throw new UsageError('--header names columns of plain records or input sources; it cannot be used with --ndjson');
  if (o.shuf === true && (o.pipe === true || o.pipePart === true)) throw new UsageError(`--shuf shuffles jobs; ${o.pipe === true ? '--pipe' : '--pipe-part'} blocks keep the input's order`);
  if (o.shuf === true && (o.resume === true || o.resumeFailed === true)) {
    throw new UsageError(`--shuf numbers jobs in a new random order each run, so ${o.resume === true ? '--resume' : '--resume-failed'} could not tell which are done`);
  }
  if (o.ndjson === true && o.colsep !== undefined) throw new UsageError('--colsep cuts plain records into columns; --ndjson records have fields');
  if (o.ndjson === true && (o.sources?.length ?? 0) > 0) {
    throw new UsageError('--ndjson reads records from stdin or -a files; ::: and :::: input sources cannot be used with it');
  }
  if (o.halt !== undefined && o.haltOnError !== undefined) throw new UsageError('--halt-on-error is another name for --halt; give one');
  if (o.results !== undefined && o.res !== undefined) throw new UsageError('--res is another name for --results; give one');
  if (o.resultsSeq !== undefined && (o.results ?? o.res) !== undefined) throw new UsageError('--results-seq and --results both say where results go; give one');
  if (o.resultsSeq !== undefined && /\.(json|csv|tsv)$/i.test(o.resultsSeq)) throw new UsageError(`--results-seq takes a directory; for a table give --results ${o.resultsSeq}`);
  if (o.output === 'ungroup' && o.keepOrder === true) {
    throw new UsageError('--keep-order cannot be used with --output ungroup (ungrouped output has no order to keep)');
  }
  if (o.output === 'ungroup' && o.progress === true) {
    throw new UsageError('--progress cannot be used with --output ungroup (jobs write straight to the terminal)');
  }
  if (o.termSeq !== undefined && o.killAfter !== undefined) throw new UsageError('--kill-after is a short form of --term-seq TERM,<ms>,KILL; give one');
  if (o.block !== undefined && o.blockSize !== undefined) throw new UsageError('--block-size is another name for --block; give one');
  if (o.memfree !== undefined && o.memfree < 0) throw new UsageError(`--memfree must be a size of 1 byte or more, got ${o.memfree}`);
  if ((o.load !== undefined || o.memfree !== undefined) && o.redis !== undefined) {
    throw new UsageError(`${o.load !== undefined ? '--load' : '--memfree'} watches this machine; with --redis jobs run on the workers' machines (give it to qrun worker)`);
  }
}

function redisOptions(o: {
  redis?: string | undefined;
  queue?: string | undefined;
  waitWorkers?: number | undefined;
  runTtl?: number | undefined;
  reconnectTimeout?: number | undefined;
  redisPasswordFile?: string | undefined;
}, env: NodeJS.ProcessEnv): RedisOptions | undefined {
  if (o.redis === undefined) {
    for (const [name, value] of [['--queue', o.queue], ['--wait-workers', o.waitWorkers], ['--run-ttl', o.runTtl], ['--reconnect-timeout', o.reconnectTimeout], ['--redis-password-file', o.redisPasswordFile]] as const) {
      if (value !== undefined) throw new UsageError(`${name} needs --redis <url>`);
    }
    return undefined;
  }
  const queue = queueName(o.queue);
  return { target: parseRedisUrl(o.redis, { file: o.redisPasswordFile, env }), queue, waitWorkersMs: o.waitWorkers, runTtlMs: o.runTtl ?? 10_000, reconnectMs: o.reconnectTimeout ?? defaultReconnectMs };
}

/** The number of jobs at once a --jobs form stands for, on `cpus` CPUs (at least 1); the open-file limit is read only for 0. */
export function slotCount(spec: SlotSpec, cpus: number, openFiles: () => number | undefined): number {
  switch (spec.kind) {
    case 'count':
      return spec.n;
    case 'plus':
      return cpus + spec.n;
    case 'minus':
      return Math.max(1, cpus - spec.n);
    case 'percent':
      return Math.max(1, Math.floor((cpus * spec.n) / 100));
    case 'most':
      return mostConcurrency(openFiles());
  }
}
