// The typed options of a run, and the zod schema that turns raw values (CLI strings or library values) into them.

import { availableParallelism } from 'node:os';
import * as z from 'zod/mini';
import { toDurationMs } from '../duration.js';
import { UsageError } from '../errors.js';
import type { RecordSeparator } from '../input/split-records.js';
import type { ResumeMode } from '../jobs/resume.js';
import { parseHalt, type HaltSpec } from '../shutdown/halt.js';
import type { OutputMode } from '../report/output/output-sink.js';

/** Everything a run is configured by, validated. */
export interface RunOptions {
  readonly concurrency: number;
  readonly queueSize: number;
  readonly timeoutMs: number | undefined;
  readonly killAfterMs: number;
  readonly shell: string;
  readonly output: OutputMode;
  readonly keepOrder: boolean;
  readonly tag: boolean;
  /** undefined: on when stderr is a terminal and CI is unset. */
  readonly progress: boolean | undefined;
  readonly logFile: string | undefined;
  readonly logLevel: LogLevel;
  readonly quiet: boolean;
  readonly argFiles: readonly string[];
  readonly separator: RecordSeparator;
  /** Command template words (empty: each record is a shell line). */
  readonly command: readonly string[];
  readonly ndjson: boolean;
  readonly joblog: string | undefined;
  readonly resume: ResumeMode | undefined;
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly halt: HaltSpec;
  readonly delayMs: number;
  readonly dryRun: boolean;
  readonly results: string | undefined;
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const outputModes = ['group', 'line', 'ungroup'] as const;
/** A pino level name. */
export type LogLevel = (typeof logLevels)[number];

function shown(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}

/** A whole number of `least` or more (1 unless said), given as a number or a numeric string. */
function wholeNumber(flag: string, least = 1) {
  return z.pipe(z.unknown(), z.transform((value, ctx) => {
    const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
    if (Number.isSafeInteger(n) && n >= least) return n;
    ctx.issues.push({ code: 'custom', input: value, message: `${flag} must be a whole number of ${least} or more, got ${shown(value)}` });
    return z.NEVER;
  }));
}

/** A duration ("500ms", "30s", "5m", "1h", bare number = seconds) in milliseconds. */
function duration(flag: string, allowZero: boolean) {
  return z.pipe(z.unknown(), z.transform((value, ctx) => {
    const ms = toDurationMs(value);
    if (ms !== undefined && (allowZero || ms > 0)) return ms;
    const least = allowZero ? '' : ' greater than 0';
    ctx.issues.push({ code: 'custom', input: value, message: `${flag} must be a duration${least} like 500ms, 30s, 5m or 1h (at most 24 days), got ${shown(value)}` });
    return z.NEVER;
  }));
}

function oneOf<T extends string>(flag: string, values: readonly T[]) {
  return z.pipe(z.unknown(), z.transform((value, ctx) => {
    if (typeof value === 'string' && (values as readonly string[]).includes(value)) return value as T;
    ctx.issues.push({ code: 'custom', input: value, message: `${flag} must be one of ${values.join(', ')}, got ${shown(value)}` });
    return z.NEVER;
  }));
}

function halt() {
  return z.pipe(z.unknown(), z.transform((value, ctx) => {
    const spec = typeof value === 'string' ? parseHalt(value.trim()) : typeof value === 'number' ? parseHalt(String(value)) : undefined;
    if (spec) return spec;
    ctx.issues.push({
      code: 'custom',
      input: value,
      message: `--halt must be never, or now|soon,fail|success|done=N or =N% (e.g. now,fail=1), got ${shown(value)}`,
    });
    return z.NEVER;
  }));
}

function flag(name: string) {
  return z.pipe(z.unknown(), z.transform((value, ctx) => {
    if (value === undefined || typeof value === 'boolean') return value;
    ctx.issues.push({ code: 'custom', input: value, message: `${name} must be true or false, got ${shown(value)}` });
    return z.NEVER;
  }));
}

function text(flag: string) {
  return z.pipe(z.unknown(), z.transform((value, ctx) => {
    if (typeof value === 'string' && value.length > 0) return value;
    ctx.issues.push({ code: 'custom', input: value, message: `${flag} must be a non-empty string, got ${shown(value)}` });
    return z.NEVER;
  }));
}

/** The raw options, as commander or a library caller gives them; every field may be missing. */
const rawSchema = z.strictObject({
  concurrency: z.optional(wholeNumber('--concurrency')),
  jobs: z.optional(wholeNumber('--jobs')),
  queueSize: z.optional(wholeNumber('--queue-size')),
  timeout: z.optional(duration('--timeout', false)),
  killAfter: z.optional(duration('--kill-after', true)),
  shell: z.optional(text('--shell')),
  output: z.optional(oneOf('--output', outputModes)),
  keepOrder: z.optional(flag('--keep-order')),
  tag: z.optional(flag('--tag')),
  progress: z.optional(flag('--progress')),
  logFile: z.optional(text('--log-file')),
  logLevel: z.optional(oneOf('--log-level', logLevels)),
  quiet: z.optional(flag('--quiet')),
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
  delay: z.optional(duration('--delay', true)),
  dryRun: z.optional(flag('--dry-run')),
  results: z.optional(text('--results')),
});

/** Options as given before validation (CLI strings, or typed values from the library). */
export type RawOptions = z.input<typeof rawSchema>;

/**
 * Validates raw options and fills in defaults; throws UsageError naming the first bad option.
 * `names` gives another name for options that did not come from the command line (QRUN_X).
 */
export function parseOptions(raw: Record<string, unknown>, cpus: number = availableParallelism(), names: Record<string, string> = {}): RunOptions {
  const parsed = rawSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? '');
    const message = issue?.message ?? 'invalid options';
    const name = names[key];
    throw new UsageError(name === undefined ? message : message.replace(/^--[a-z-]+/, name));
  }
  const o = parsed.data;
  if (o.resume === true && o.resumeFailed === true) throw new UsageError('--resume and --resume-failed cannot be used together');
  if ((o.resume === true || o.resumeFailed === true) && o.joblog === undefined) {
    throw new UsageError(`${o.resume === true ? '--resume' : '--resume-failed'} needs --joblog <file> (the log of the run to resume)`);
  }
  if ((o.resume === true || o.resumeFailed === true) && o.joblog === '-') {
    throw new UsageError(`${o.resume === true ? '--resume' : '--resume-failed'} needs a --joblog file to read; --joblog - writes the log to stdout`);
  }
  if (o.ndjson === true && (o.command?.length ?? 0) > 0) {
    throw new UsageError('--ndjson records carry their own cmd; a command template cannot be used with them');
  }
  if (o.concurrency !== undefined && o.jobs !== undefined && o.concurrency !== o.jobs) {
    throw new UsageError(`--jobs is another name for --concurrency; give one, got ${o.concurrency} and ${o.jobs}`);
  }
  const output = o.output ?? 'group';
  if (output === 'ungroup' && o.keepOrder === true) {
    throw new UsageError('--keep-order cannot be used with --output ungroup (ungrouped output has no order to keep)');
  }
  if (output === 'ungroup' && o.progress === true) {
    throw new UsageError('--progress cannot be used with --output ungroup (jobs write straight to the terminal)');
  }
  const concurrency = o.concurrency ?? o.jobs ?? cpus;
  return {
    concurrency,
    queueSize: o.queueSize ?? 2 * concurrency,
    timeoutMs: o.timeout,
    killAfterMs: o.killAfter ?? 2000,
    shell: o.shell ?? '/bin/sh',
    output,
    keepOrder: o.keepOrder ?? false,
    tag: o.tag ?? false,
    progress: o.progress,
    logFile: o.logFile,
    logLevel: o.logLevel ?? 'info',
    quiet: o.quiet ?? false,
    argFiles: o.argFile ?? [],
    separator: o.null === true ? 'null' : 'newline',
    command: o.command ?? [],
    ndjson: o.ndjson ?? false,
    joblog: o.joblog,
    resume: o.resume === true ? 'resume' : o.resumeFailed === true ? 'resume-failed' : undefined,
    retries: o.retries ?? 0,
    retryDelayMs: o.retryDelay ?? 0,
    halt: o.halt ?? { when: 'never' },
    delayMs: o.delay ?? 0,
    dryRun: o.dryRun ?? false,
    results: o.results,
  };
}
