// The zod schema that turns raw option values (CLI strings or library values) into a run's typed options.

import { availableParallelism } from 'node:os';
import { UsageError } from '../errors.js';
import { parseRedisUrl } from '../redis/url.js';
import type { LogLevel, RedisOptions, RunOptions } from '../run-options.js';
import { fillOptions, pipeOptions } from './job-modes.js';
import { pipeHeaderPattern, type SlotOption } from './validators.js';
import { slotCount } from '../pool/slot-spec.js';
import { slotsInFile } from '../pool/slot-file.js';
import { rawSchema, type ParsedOptions, type RawOptions } from './option-schema.js';
import { outputMode, refuseConflicts, refuseNotBuilt } from './option-rules.js';
import { defaultReconnectMs, queueName } from './fleet-options.js';
import { mostConcurrency, openFileLimit } from '../runner/fd-budget.js';
import { killAfterSeq } from '../runner/term-seq.js';
import { parseReplacement, plusReplacements, usesTotal } from '../jobs/user-replacements.js';

export type { LogLevel, RawOptions, RedisOptions, RunOptions };
export { annotations, executors, logLevels, outputModes, trims } from './option-schema.js';
export { slotCount };

/** Jobs in flight through Redis at once, unless --queue-size says otherwise. */
const redisWindow = 1000;

/** How long running jobs get after the first signal unless --grace says otherwise. */
const defaultGraceMs = 5000;

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
  const o = validated(raw, names);
  // -j <file>: as many workers as the machine allows; the file's number limits how many run (slotsFile).
  const slotsFile = [o.concurrency, o.jobs].find((given) => given?.kind === 'file') as { readonly path: string } | undefined;
  const slotsOf = (given: SlotOption | undefined): number | undefined => (given === undefined ? undefined : given.kind === 'file' ? mostConcurrency(openFiles()) : slotCount(given, cpus, openFiles));
  const [asConcurrency, asJobs] = [slotsOf(o.concurrency), slotsOf(o.jobs)];
  if (asConcurrency !== undefined && asJobs !== undefined && asConcurrency !== asJobs) {
    throw new UsageError(`--jobs is another name for --concurrency; give one, got ${asConcurrency} and ${asJobs}`);
  }
  const output = outputMode(o);
  const haltSpec = o.halt ?? o.haltOnError;
  const haltPercent = haltSpec !== undefined && haltSpec.when !== 'never' && haltSpec.percent;
  if (haltPercent && (o.pipe === true || o.pipePart === true || o.m === true || o.X === true || o.xargs === true)) {
    const name = o.pipe === true ? '--pipe' : o.pipePart === true ? '--pipe-part' : o.m === true ? '-m' : o.X === true ? '-X' : '--xargs';
    throw new UsageError(`--halt with a percentage needs the number of jobs up front; with ${name} it is known only at the end (give --halt a number instead)`);
  }
  const pipe = pipeOptions({ ...o, block: o.block ?? o.blockSize });
  const replacements = [...(o.plus === true ? plusReplacements : []), ...(o.rpl === undefined ? [] : Array.isArray(o.rpl) ? o.rpl : [o.rpl]).map(parseReplacement)];
  // {##} and total_jobs(): the number of jobs is needed before the first starts.
  const needsTotal = usesTotal(o.command ?? [], replacements);
  if (pipe !== undefined && needsTotal) {
    throw new UsageError(`{##} and total_jobs() need the number of jobs before the first starts; with ${pipe.mode === 'part' ? '--pipe-part' : '--pipe'} it is known only at the end`);
  }
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
    // --ctag is --tag in colour, --ctagstring --tagstring (GNU's).
    tag: o.tag ?? o.ctag ?? false,
    tagString: o.tagstring ?? o.ctagstring,
    colourTag: o.ctag === true || o.ctagstring !== undefined,
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
    progress: o.progress ?? (o.bar === true || o.eta === true ? true : undefined),
    nice: o.nice,
    renamedStrings: renamedStrings(o),
    quoteCommand: o.quote ?? false,
    slotVariable: o.processSlotVar,
    skipBlank: o.runIfEmpty === false,
    showCommand: { stdout: o.v ?? false, stderr: o.verbose ?? false },
    replacements,
    countFirst: needsTotal || haltPercent === true,
    slotsFile: slotsFile === undefined ? undefined : { path: slotsFile.path, initial: slotsInFile(slotsFile.path, cpus, openFiles) },
    envNames: o.env ?? [],
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

/** The raw options validated, GNU's other spellings resolved, and the rules between them checked. */
function validated(raw: Record<string, unknown>, names: Record<string, string>): ParsedOptions {
  const parsed = rawSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? '');
    const message = issue?.message ?? 'invalid options';
    const name = names[key];
    throw new UsageError(name === undefined ? message : message.replace(/^--[a-z-]+/, name));
  }
  // GNU parallel's other spellings: --pipepart is --pipe-part; -n0 is -N0.
  const given = { ...parsed.data, pipePart: parsed.data.pipePart ?? parsed.data.pipepart, ...(parsed.data.maxArgs === 0 && parsed.data.maxReplaceArgs === undefined ? { maxArgs: undefined, maxReplaceArgs: 0 } : {}) };
  // --pipe-part :::: file is --pipe-part -a file, as GNU parallel reads it.
  const partFiles = given.pipePart === true && (given.sources?.length ?? 0) > 0 && given.sources?.every((source) => source.kind === 'file') ? given.sources.map((source) => (source.kind === 'file' ? source.path : '')) : undefined;
  const o = partFiles === undefined ? given : { ...given, argFile: [...(given.argFile ?? []), ...partFiles], sources: undefined };
  refuseConflicts(o);
  refuseNotBuilt(o);
  // -c given to a submitter would not say how many run; QRUN_CONCURRENCY is the workers' (the same environment may serve both).
  const slotsGiven = (['concurrency', 'jobs'] as const).find((key) => o[key] !== undefined && names[key] === undefined);
  if (slotsGiven !== undefined && o.redis !== undefined) {
    throw new UsageError(`--${slotsGiven} sets how many jobs run at once on this machine; with --redis each worker sets its own (qrun worker -c N), and --queue-size how many jobs are in flight`);
  }
  return o;
}

/** -I and GNU's other --*replace options: [qrun's replacement string, the user's spelling of it]. */
function renamedStrings(o: ParsedOptions): [string, string][] {
  const given: [string, string | undefined][] = [
    ['{}', o.replace],
    ['{.}', o.extensionreplace],
    ['{/}', o.basenamereplace],
    ['{//}', o.dirnamereplace],
    ['{/.}', o.basenameextensionreplace],
    ['{#}', o.seqreplace],
    ['{%}', o.slotreplace],
  ];
  return given.filter((pair): pair is [string, string] => pair[1] !== undefined);
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
