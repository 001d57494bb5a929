// The typed options of a run, and the zod schema that turns raw values (CLI strings or library values) into them.

import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { parseDuration } from '../duration.js';
import { UsageError } from '../errors.js';
import type { RecordSeparator } from '../input/split-records.js';
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
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const outputModes = ['group', 'line', 'ungroup'] as const;
/** A pino level name. */
export type LogLevel = (typeof logLevels)[number];

function shown(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}

/** A whole number of 1 or more, given as a number or a numeric string. */
function wholeNumber(flag: string) {
  return z.unknown().transform((value, ctx) => {
    const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
    if (Number.isSafeInteger(n) && n >= 1) return n;
    ctx.addIssue({ code: 'custom', message: `${flag} must be a whole number of 1 or more, got ${shown(value)}` });
    return z.NEVER;
  });
}

/** A duration ("500ms", "30s", "5m", "1h", bare number = seconds) in milliseconds. */
function duration(flag: string, allowZero: boolean) {
  return z.unknown().transform((value, ctx) => {
    const ms = typeof value === 'number' ? (value >= 0 ? Math.round(value * 1000) : undefined) : typeof value === 'string' ? parseDuration(value) : undefined;
    if (ms !== undefined && (allowZero || ms > 0)) return ms;
    const least = allowZero ? '' : ' greater than 0';
    ctx.addIssue({ code: 'custom', message: `${flag} must be a duration${least} like 500ms, 30s, 5m or 1h, got ${shown(value)}` });
    return z.NEVER;
  });
}

function oneOf<T extends string>(flag: string, values: readonly T[]) {
  return z.unknown().transform((value, ctx) => {
    if (typeof value === 'string' && (values as readonly string[]).includes(value)) return value as T;
    ctx.addIssue({ code: 'custom', message: `${flag} must be one of ${values.join(', ')}, got ${shown(value)}` });
    return z.NEVER;
  });
}

function flag(name: string) {
  return z.unknown().transform((value, ctx) => {
    if (value === undefined || typeof value === 'boolean') return value;
    ctx.addIssue({ code: 'custom', message: `${name} must be true or false, got ${shown(value)}` });
    return z.NEVER;
  });
}

function text(flag: string) {
  return z.unknown().transform((value, ctx) => {
    if (typeof value === 'string' && value.length > 0) return value;
    ctx.addIssue({ code: 'custom', message: `${flag} must be a non-empty string, got ${shown(value)}` });
    return z.NEVER;
  });
}

/** The raw options, as commander or a library caller gives them; every field may be missing. */
const rawSchema = z.strictObject({
  concurrency: wholeNumber('--concurrency').optional(),
  jobs: wholeNumber('--jobs').optional(),
  queueSize: wholeNumber('--queue-size').optional(),
  timeout: duration('--timeout', false).optional(),
  killAfter: duration('--kill-after', true).optional(),
  shell: text('--shell').optional(),
  output: oneOf('--output', outputModes).optional(),
  keepOrder: flag('--keep-order').optional(),
  tag: flag('--tag').optional(),
  progress: flag('--progress').optional(),
  logFile: text('--log-file').optional(),
  logLevel: oneOf('--log-level', logLevels).optional(),
  quiet: flag('--quiet').optional(),
  argFile: z.array(text('--arg-file')).optional(),
  null: flag('--null').optional(),
});

/** Options as given before validation (CLI strings, or typed values from the library). */
export type RawOptions = z.input<typeof rawSchema>;

/** Validates raw options and fills in defaults; throws UsageError naming the first bad option. */
export function parseOptions(raw: Record<string, unknown>, cpus: number = availableParallelism()): RunOptions {
  const parsed = rawSchema.safeParse(raw);
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues[0]?.message ?? 'invalid options');
  }
  const o = parsed.data;
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
  };
}
