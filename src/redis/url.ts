// The --redis value: checked, and shown without its password (no Redis client is loaded here).

import { UsageError } from '../errors.js';

/** A checked --redis value. */
export interface RedisTarget {
  readonly url: string;
  /** The URL as it may be shown: the password replaced by ***. */
  readonly shown: string;
}

/** Checks a --redis value: redis://, rediss:// (TLS) or a unix socket path. */
export function parseRedisUrl(value: string): RedisTarget {
  if (value.startsWith('/')) return { url: value, shown: value };
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new UsageError(`--redis must be a URL like redis://host:6379 or rediss://host:6380, got '${redact(value)}'`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new UsageError(`--redis must be a URL like redis://host:6379 or rediss://host:6380, got '${redact(value)}'`);
  }
  if (parsed.password !== '') parsed.password = '***';
  return { url: value, shown: parsed.toString() };
}

/** Hides a password in something that may be a URL (for messages about a bad value). */
function redact(value: string): string {
  return value.replace(/:\/\/([^@/]*):[^@/]*@/, '://$1:***@');
}

