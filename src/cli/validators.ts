// Validators of raw option values (CLI strings, QRUN_* variables or library values), each naming its option.

import { statSync } from 'node:fs';
import * as z from 'zod/mini';
import { parseSlotSpec, slotForms, type SlotSpec } from '../pool/slot-spec.js';

export type { SlotSpec };
import { toDurationMs } from '../duration.js';
import { UsageError } from '../errors.js';
import { parseHalt } from '../shutdown/halt.js';
import { parseTermSeq } from '../runner/term-seq.js';

/** A value as an error message shows it. */
export function shown(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}

/** A whole number of `least` or more (1 unless said), given as a number or a numeric string. */
export function wholeNumber(flag: string, least = 1) {
  return z.pipe(z.unknown(), z.transform((value, ctx) => {
    const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
    if (Number.isSafeInteger(n) && n >= least) return n;
    ctx.issues.push({ code: 'custom', input: value, message: `${flag} must be a whole number of ${least} or more, got ${shown(value)}` });
    return z.NEVER;
  }));
}

/** -n, -N: a whole number, with GNU parallel's prefixes too (1k = 1000, 1K = 1ki = 1024). */
export function count(flag: string, least: number) {
  return z.pipe(z.unknown(), z.transform((value, ctx) => {
    const match = typeof value === 'string' ? /^\s*(\d+)([kmgtpKMGTP]?)(i?)\s*$/.exec(value) : null;
    const [, digits = '', unit = '', binary = ''] = match ?? [];
    const n = typeof value === 'number' ? value : match !== null ? Number(digits) * prefixScale(unit, binary) : NaN;
    if (Number.isSafeInteger(n) && n >= least) return n;
    ctx.issues.push({ code: 'custom', input: value, message: `${flag} must be a whole number of ${least} or more, got ${shown(value)}` });
    return z.NEVER;
  }));
}

/** A -j value: one of GNU parallel's forms, or a file that holds one (read again as it changes). */
export type SlotOption = SlotSpec | { readonly kind: 'file'; readonly path: string };

export function slots(flag: string) {
  return z.pipe(z.unknown(), z.transform((value, ctx): SlotOption => {
    const spec = parseSlotSpec(value);
    if (spec !== undefined) return spec;
    if (typeof value === 'string' && isFile(value)) return { kind: 'file', path: value };
    ctx.issues.push({ code: 'custom', input: value, message: `${flag} must be ${slotForms}, or a file holding one, got ${shown(value)}` });
    return z.NEVER;
  }));
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** A duration ("500ms", "30s", "5m", "1h", bare number = seconds) in milliseconds. */
export function duration(flag: string, allowZero: boolean) {
  return z.pipe(z.unknown(), z.transform((value, ctx) => {
    const ms = toDurationMs(value);
    if (ms !== undefined && (allowZero || ms > 0)) return ms;
    const least = allowZero ? '' : ' greater than 0';
    ctx.issues.push({ code: 'custom', input: value, message: `${flag} must be a duration${least} like 500ms, 30s, 5m or 1h (at most 24 days), got ${shown(value)}` });
    return z.NEVER;
  }));
}

/** --grace: a duration (0: kill at once), or "unlimited" (running jobs finish, however long). */
export function grace() {
  return z.pipe(z.unknown(), z.transform((value, ctx): number | 'unlimited' => {
    if (value === 'unlimited' || value === 'inf') return 'unlimited';
    const ms = toDurationMs(value);
    if (ms !== undefined) return ms;
    ctx.issues.push({ code: 'custom', input: value, message: `--grace must be a duration like 0, 500ms, 30s or 5m (at most 24 days), or unlimited, got ${shown(value)}` });
    return z.NEVER;
  }));
}

/** One of a fixed list of words. */
export function oneOf<T extends string>(flag: string, values: readonly T[]) {
  return z.pipe(z.unknown(), z.transform((value, ctx) => {
    if (typeof value === 'string' && (values as readonly string[]).includes(value)) return value as T;
    ctx.issues.push({ code: 'custom', input: value, message: `${flag} must be one of ${values.join(', ')}, got ${shown(value)}` });
    return z.NEVER;
  }));
}

/** A --halt spec in GNU parallel's grammar. */
export function halt(flag = '--halt') {
  return z.pipe(z.unknown(), z.transform((value, ctx) => {
    const spec = typeof value === 'string' ? parseHalt(value.trim()) : typeof value === 'number' ? parseHalt(String(value)) : undefined;
    if (spec) return spec;
    ctx.issues.push({
      code: 'custom',
      input: value,
      message: `${flag} must be never, or now|soon,fail|success|done=N or =N% (e.g. now,fail=1), got ${shown(value)}`,
    });
    return z.NEVER;
  }));
}

/** A regular expression (--colsep): a plain string is taken as one, as GNU parallel takes a Perl regex. */
export function regex(flag: string) {
  return z.pipe(z.unknown(), z.transform((value, ctx) => {
    if (typeof value === 'string' && value.length > 0) {
      try {
        return new RegExp(value);
      } catch (error) {
        ctx.issues.push({ code: 'custom', input: value, message: `${flag} must be a regular expression, got ${shown(value)}: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}` });
        return z.NEVER;
      }
    }
    ctx.issues.push({ code: 'custom', input: value, message: `${flag} must be a non-empty regular expression, got ${shown(value)}` });
    return z.NEVER;
  }));
}

/** A switch: true or false. */
export function flag(name: string) {
  return z.pipe(z.unknown(), z.transform((value, ctx) => {
    if (value === undefined || typeof value === 'boolean') return value;
    ctx.issues.push({ code: 'custom', input: value, message: `${name} must be true or false, got ${shown(value)}` });
    return z.NEVER;
  }));
}

/** A non-empty string. */
export function text(flag: string) {
  return z.pipe(z.unknown(), z.transform((value, ctx) => {
    if (typeof value === 'string' && value.length > 0) return value;
    ctx.issues.push({ code: 'custom', input: value, message: `${flag} must be a non-empty string, got ${shown(value)}` });
    return z.NEVER;
  }));
}


/** --timeout: a duration, or N% of the median runtime of the jobs that succeeded so far (GNU parallel). */
export function timeout() {
  return z.pipe(z.unknown(), z.transform((value, ctx): number | { readonly percent: number } => {
    const percent = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)%\s*$/.exec(value) : null;
    if (percent !== null && Number(percent[1]) > 0) return { percent: Number(percent[1]) };
    const ms = toDurationMs(value);
    if (ms !== undefined && ms > 0) return ms;
    ctx.issues.push({ code: 'custom', input: value, message: `--timeout must be a duration greater than 0 like 500ms, 30s, 5m or 1h (at most 24 days), or a percentage of the median runtime like 200%, got ${shown(value)}` });
    return z.NEVER;
  }));
}

/** --term-seq: GNU parallel's `SIGNAL,ms,SIGNAL,ms…`. */
export function termSeq() {
  return z.pipe(z.unknown(), z.transform((value, ctx) => {
    const seq = typeof value === 'string' ? parseTermSeq(value) : undefined;
    if (seq !== undefined) return seq;
    ctx.issues.push({ code: 'custom', input: value, message: `--term-seq must be signals and waits in ms like TERM,200,TERM,100,KILL,25, got ${shown(value)}` });
    return z.NEVER;
  }));
}

/** GNU parallel's unit prefixes: K M G T P (and Ki Mi…) are powers of 1024; k m g t p powers of 1000. */
const prefixes: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4, P: 1024 ** 5 };

/** What a prefix multiplies by: `k` 1000, `K` or `ki` 1024, none 1; NaN for `i` alone. */
function prefixScale(unit: string, binary: string): number {
  return binary === 'i' ? 1024 ** (' kmgtp'.indexOf(unit.toLowerCase()) || NaN) : (prefixes[unit] ?? NaN);
}

/** --block: a size in bytes like 1M, 10k or 1.5M (negative: parts per job slot, for --pipe-part). */
export function size(flag: string) {
  return z.pipe(z.unknown(), z.transform((value, ctx) => {
    const match = typeof value === 'string' ? /^\s*(-?)(\d+(?:\.\d+)?)([kmgtpKMGTP]?)(i?)\s*$/.exec(value) : null;
    if (match !== null) {
      const [, minus, digits, unit = '', binary = ''] = match;
      const bytes = Math.floor(Number(digits) * prefixScale(unit, binary)) * (minus === '-' ? -1 : 1);
      if (Number.isSafeInteger(bytes) && bytes !== 0) return bytes;
    }
    if (typeof value === 'number' && Number.isSafeInteger(value) && value !== 0) return value;
    ctx.issues.push({ code: 'custom', input: value, message: `${flag} must be a size in bytes like 1M (1024 × 1024), 500k (500 × 1000) or 65536, got ${shown(value)}` });
    return z.NEVER;
  }));
}

/** --recend, --recstart: a string in which \n \t \r \0 \\ \' \" are what they say, as GNU parallel reads them. */
export function separator(flag: string) {
  return z.pipe(z.unknown(), z.transform((value, ctx) => {
    if (typeof value === 'string') return value.replace(/\\([0rnt'"\\])/g, (_, c: string) => ({ 0: '\0', r: '\r', n: '\n', t: '\t' })[c] ?? c);
    ctx.issues.push({ code: 'custom', input: value, message: `${flag} must be a string, got ${shown(value)}` });
    return z.NEVER;
  }));
}

/**
 * --header: ":" or, as GNU parallel also takes, a regular expression or a number; outside --pipe
 * GNU parallel takes the first line as the header whatever is given, and so does qrun.
 */
export function headerLines() {
  return z.pipe(z.unknown(), z.transform((value, ctx) => {
    // With --pipe, a number is that many lines of header (GNU parallel's); anything else is one.
    if (typeof value === 'string' && /^\d+$/.test(value) && Number(value) >= 1) return Math.min(Number(value), 1_000_000);
    if (typeof value === 'string' && value !== '') return 1;
    ctx.issues.push({ code: 'custom', input: value, message: `--header must be : (the first line names the columns), got ${shown(value)}` });
    return z.NEVER;
  }));
}

/**
 * --header with --pipe, as GNU parallel reads it: ":" is the first line, a number that many lines,
 * anything else a regular expression matched at the input's start ('.*\\n.*\\n' is two lines).
 * Undefined for the line forms; a pattern that does not compile is a UsageError.
 */
export function pipeHeaderPattern(value: unknown): RegExp | undefined {
  if (typeof value !== 'string' || value === ':' || /^\d+$/.test(value)) return undefined;
  try {
    return new RegExp(`^(?:${value})`);
  } catch (error) {
    throw new UsageError(`--header '${value}' is not a regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`);
  }
}

/** --load: a load average (a number above 0), or N% of the CPUs. */
export function loadLimit() {
  return z.pipe(z.unknown(), z.transform((value, ctx): number | { readonly percent: number } => {
    const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
    const match = /^(\d+(?:\.\d+)?)(%?)$/.exec(text);
    if (match !== null && Number(match[1]) > 0) return match[2] === '%' ? { percent: Number(match[1]) } : Number(match[1]);
    ctx.issues.push({ code: 'custom', input: value, message: `--load must be a load average above 0 like 4 or 1.5, or a share of the CPUs like 80%, got ${shown(value)}` });
    return z.NEVER;
  }));
}

/** --nice: a niceness as nice(1) takes it, a whole number (nice keeps it within -20 to 19). */
export function niceness() {
  return z.pipe(z.unknown(), z.transform((value, ctx) => {
    const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : NaN;
    if (Number.isSafeInteger(n)) return n;
    ctx.issues.push({ code: 'custom', input: value, message: `--nice must be a whole number (a niceness, -20 to 19), got ${shown(value)}` });
    return z.NEVER;
  }));
}

/** --env: names of environment variables (a name, or `_` for all), given one per --env. */
export function envNames() {
  return z.pipe(z.unknown(), z.transform((value, ctx) => {
    const names = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [value];
    const bad = names.find((name) => typeof name !== 'string' || !/^(_|[A-Za-z_][A-Za-z0-9_]*)$/.test(name));
    if (bad === undefined) return names as string[];
    ctx.issues.push({ code: 'custom', input: value, message: `--env takes the name of an environment variable (or _ for all of them), got ${shown(bad)}` });
    return z.NEVER;
  }));
}

/** --process-slot-var: the name of one environment variable. */
export function envName(flag: string) {
  return z.pipe(z.unknown(), z.transform((value, ctx) => {
    if (typeof value === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) return value;
    ctx.issues.push({ code: 'custom', input: value, message: `${flag} takes the name of an environment variable, got ${shown(value)}` });
    return z.NEVER;
  }));
}
