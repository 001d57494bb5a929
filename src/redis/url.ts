// The --redis value: checked, and shown without its password (no Redis client is loaded here).
// The password may also come apart from the URL, where `ps` cannot show it: a file
// (--redis-password-file) or REDISCLI_AUTH, as redis-cli reads it.

import { readFileSync } from 'node:fs';
import { UsageError, messageOf } from '../errors.js';

/** A checked --redis value. */
export interface RedisTarget {
  readonly url: string;
  /** The URL as it may be shown: the password replaced by ***. */
  readonly shown: string;
  /** A password given apart from the URL, if any (it takes the place of one in the URL). */
  readonly password?: string | undefined;
}

/** Where a password apart from the URL may come from. */
export interface PasswordSources {
  /** --redis-password-file: its first line is the password. */
  readonly file?: string | undefined;
  /** The environment (REDISCLI_AUTH). */
  readonly env?: NodeJS.ProcessEnv | undefined;
}

/** Checks a --redis value: redis://, rediss:// (TLS) or a unix socket path. */
export function parseRedisUrl(value: string, sources: PasswordSources = {}): RedisTarget {
  const apart = passwordApart(sources);
  const password = apart === undefined ? {} : { password: apart };
  if (value.startsWith('/')) return { url: value, shown: value, ...password };
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new UsageError(`--redis must be a URL like redis://host:6379 or rediss://host:6380, got '${redact(value)}'`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new UsageError(`--redis must be a URL like redis://host:6379 or rediss://host:6380, got '${redact(value)}'`);
  }
  for (const part of [parsed.username, parsed.password]) {
    try {
      decodeURIComponent(part);
    } catch {
      throw new UsageError(`--redis has a malformed %-escape in its user or password (write % as %25), got '${redact(value)}'`);
    }
  }
  if (parsed.password !== '') parsed.password = '***';
  // ioredis also reads ?password=…: hidden as well.
  if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
  return { url: value, shown: parsed.toString(), ...password };
}

/** Whether a --redis value holds a password (in its user part or as ?password=). */
export function holdsPassword(value: string): boolean {
  if (value.startsWith('/')) return false;
  return /^[a-z]+:\/\/[^/@]*:[^@]*@/.test(value) || /[?&]password=/.test(value);
}

/** The password from --redis-password-file, else REDISCLI_AUTH, else none. */
function passwordApart(sources: PasswordSources): string | undefined {
  if (sources.file !== undefined) {
    try {
      return (readFileSync(sources.file, 'utf8').split(/\r?\n/)[0] ?? '').trim();
    } catch (error) {
      throw new UsageError(`--redis-password-file '${sources.file}' cannot be read: ${(error as NodeJS.ErrnoException).code ?? messageOf(error)}`);
    }
  }
  const fromEnv = sources.env?.REDISCLI_AUTH;
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}

/** Hides a password in something that may be a URL (for messages about a bad value), even one holding / or @. */
function redact(value: string): string {
  return value.replace(/:\/\/([^:@/]*):.*@/, '://$1:***@').replace(/([?&]password=)[^&]*/g, '$1***');
}

/** The variables that carry qrun's own connection settings: never passed on to jobs. */
export const connectionVariables = ['QRUN_REDIS', 'QRUN_REDIS_PASSWORD_FILE', 'REDISCLI_AUTH'] as const;

/** Said when the password is on the command line. */
export const passwordWarning = 'warning: the Redis password on the command line is visible to every user of this machine (ps); give it in QRUN_REDIS, QRUN_REDIS_PASSWORD_FILE (--redis-password-file) or REDISCLI_AUTH instead';
