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

/** With a command template the fields are its values: cmd is not needed, and any other field may be there. */
const templatedSchema = z.looseObject({ ...recordSchema.shape, cmd: z.optional(z.string({ error: got('cmd must be a string') })) });

/** A parsed NDJSON record: the command and its settings (and, with a template, its values), or why it was refused. */
export type NdjsonRecord = { ok: true; cmd: string; args?: readonly string[]; settings: JobSettings } | { ok: false; reason: string };

/**
 * Parses one NDJSON record; never throws. `fields` (a command template's `{name}`s): the record's
 * fields of those names are the job's values, in that order; a record without one is refused.
 */
export function parseNdjsonRecord(text: string, fields?: readonly string[]): NdjsonRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not valid JSON: ${messageOf(error)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: `expected a JSON object like {"cmd": "..."}, got ${shown(value).slice(0, 60)}` };
  }
  if (fields !== undefined) return templated(value as Record<string, unknown>, fields);
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

function templated(value: Record<string, unknown>, fields: readonly string[]): NdjsonRecord {
  const parsed = templatedSchema.safeParse(value);
  if (!parsed.success) return { ok: false, reason: parsed.error.issues[0]?.message ?? 'invalid record' };
  const args: string[] = [];
  for (const field of fields) {
    const v = value[field];
    if (v === undefined) return { ok: false, reason: `field '${field}' is missing (the command template uses {${field}})` };
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      return { ok: false, reason: `field '${field}' must be a string, number or boolean for {${field}}, got ${shown(v).slice(0, 60)}` };
    }
    args.push(String(v));
  }
  const { id, timeout, retries, env, cwd } = parsed.data;
  return { ok: true, cmd: args.join(' '), args, settings: { id, timeoutMs: timeout, retries, env, cwd } };
}
