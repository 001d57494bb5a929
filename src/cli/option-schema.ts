// Every option of a run as it may be given (commander's strings, QRUN_* variables or a library's
// values), each with its validator: the table the rest of the option handling reads.

import * as z from 'zod/mini';
import type { ArgSource } from '../input/arg-sources.js';
import type { LogLevel } from '../run-options.js';
import { count, duration, envName, envNames, flag, grace, halt, headerLines, loadLimit, niceness, oneOf, regex, separator, size, slots, termSeq, text, timeout, wholeNumber } from './validators.js';

/** The words options take from a fixed list (validation here, shell completions in completion.ts). */
export const logLevels: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
export const outputModes = ['group', 'line', 'ungroup'] as const;
export const annotations = ['github', 'github-group', 'none'] as const;
export const executors = ['auto', 'helper', 'execa'] as const;
export const trims = ['n', 'l', 'r', 'lr', 'rl'] as const;

/** The raw options, as commander or a library caller gives them; every field may be missing. */
export const rawSchema = z.strictObject({
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
  // GNU parallel's spellings of --output and --progress.
  ungroup: z.optional(flag('--ungroup')),
  lineBuffer: z.optional(flag('--line-buffer')),
  lb: z.optional(flag('--lb')),
  group: z.optional(flag('--group')),
  bar: z.optional(flag('--bar')),
  eta: z.optional(flag('--eta')),
  nice: z.optional(niceness()),
  env: z.optional(envNames()),
  // GNU parallel's options qrun does not build: refused with the reason.
  ctag: z.optional(flag('--ctag')),
  ctagstring: z.optional(text('--ctagstring')),
  plus: z.optional(flag('--plus')),
  rpl: z.optional(z.union([z.string(), z.array(z.string())])),
  fg: z.optional(z.unknown()),
  semaphore: z.optional(z.unknown()),
  argSep: z.optional(text('--arg-sep')),
  argFileSep: z.optional(text('--arg-file-sep')),
  runIfEmpty: z.optional(flag('--no-run-if-empty')),
  replace: z.optional(text('--replace')),
  extensionreplace: z.optional(text('--extensionreplace')),
  basenamereplace: z.optional(text('--basenamereplace')),
  dirnamereplace: z.optional(text('--dirnamereplace')),
  basenameextensionreplace: z.optional(text('--basenameextensionreplace')),
  seqreplace: z.optional(text('--seqreplace')),
  slotreplace: z.optional(text('--slotreplace')),
  quote: z.optional(flag('--quote')),
  processSlotVar: z.optional(envName('--process-slot-var')),
  v: z.optional(flag('-v')),
  verbose: z.optional(flag('--verbose')),
  colsep: z.optional(regex('--colsep')),
  header: z.optional(headerLines()),
  shuf: z.optional(flag('--shuf')),
  m: z.optional(flag('-m')),
  X: z.optional(flag('-X')),
  xargs: z.optional(flag('--xargs')),
  maxChars: z.optional(count('-s', 1)),
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
  maxArgs: z.optional(count('-n', 0)),
  maxReplaceArgs: z.optional(count('-N', 0)),
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
export type ParsedOptions = z.output<typeof rawSchema>;
