// --ndjson: one JSON object per record, validated with zod, into a job's command and settings.

import * as z from 'zod/mini';
import { toDurationMs } from '../duration.js';
import { messageOf } from '../errors.js';
import type { JobSettings } from './job.js';

function shown(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

const duration = z.pipe(
  z.unknown(),
  z.transform((value, ctx) => {
    const ms = toDurationMs(value);
    if (ms !== undefined && ms > 0) return ms;
    ctx.issues.push({ code: 'custom', input: value, message: `timeout must be a duration like 30s (at most 24 days), got ${shown(value)}` });
    return z.NEVER;
  }),
);

/** An error message naming the field and the value it got. */
const got = (what: string) => (issue: { input?: unknown }) => `${what}, got ${shown(issue.input)}`;
const retriesError = got('retries must be a whole number of 0 or more');

const recordSchema = z.strictObject({
  cmd: z.string({ error: got('cmd must be a string') }).check(z.minLength(1, { error: 'cmd must not be empty' })),
  id: z.optional(z.string({ error: got('id must be a string') })),
  timeout: z.optional(duration),
  retries: z.optional(z.int({ error: retriesError }).check(z.gte(0, { error: retriesError }))),
  env: z.optional(z.record(z.string(), z.string({ error: got('env values must be strings') }), { error: got('env must be an object of strings') })),
  cwd: z.optional(z.string({ error: got('cwd must be a string') }).check(z.minLength(1, { error: 'cwd must not be empty' }))),
});

/** A parsed NDJSON record: the command and its settings, or why it was refused. */
export type NdjsonRecord = { ok: true; cmd: string; settings: JobSettings } | { ok: false; reason: string };

/** Parses one NDJSON record; never throws. */
export function parseNdjsonRecord(text: string): NdjsonRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not valid JSON: ${messageOf(error)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: `expected a JSON object like {"cmd": "..."}, got ${shown(value).slice(0, 60)}` };
  }
  const parsed = recordSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue?.code === 'unrecognized_keys') return { ok: false, reason: `unknown field ${issue.keys.map((k) => `'${k}'`).join(', ')}` };
    if (!('cmd' in value)) return { ok: false, reason: 'cmd is missing' };
    return { ok: false, reason: issue?.message ?? 'invalid record' };
  }
  const { cmd, id, timeout, retries, env, cwd } = parsed.data;
  return { ok: true, cmd, settings: { id, timeoutMs: timeout, retries, env, cwd } };
}
