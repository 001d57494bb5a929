// What travels through Redis: a job's data (submitter -> worker, validated by the worker) and the
// records of the output stream (worker -> submitter): start, stdout/stderr chunks, end.

import { constants } from 'node:os';
import * as z from 'zod/mini';
import type { ExecResult, JobSpec } from '../runner/executor.js';

/**
 * --halt as workers apply it, the moment a job ends (before they take the next): a count of
 * failures, successes or ended jobs. Failures count on a job's last attempt only.
 */
export interface FleetHalt {
  readonly now: boolean;
  readonly why: 'fail' | 'success' | 'done';
  readonly count: number;
}

/** The BullMQ job data of one attempt of one job. */
export interface JobData {
  readonly run: string;
  readonly seq: number;
  readonly attempt: number;
  /** The attempt after which a failure is final. */
  readonly lastAttempt?: number | undefined;
  /** The submitter's --run-ttl: how long its liveness key lasts without a refresh. */
  readonly ttl?: number | undefined;
  /** The submitter's Redis client id when it queued the job (a worker sees whether it is still connected). */
  readonly client?: string | undefined;
  readonly halt?: FleetHalt | undefined;
  readonly spec: Omit<JobSpec, 'seq' | 'slot' | 'attempt' | 'lastAttempt'>;
}

const specSchema = z.object({
  command: z.string(),
  shell: z.string().check(z.minLength(1)),
  timeoutMs: z.optional(z.int().check(z.gte(1), z.lte(2 ** 31 - 1))),
  termSeq: z.array(z.object({
    signal: z.custom<NodeJS.Signals>((value) => typeof value === 'string' && value in constants.signals),
    waitMs: z.int().check(z.gte(0), z.lte(2 ** 31 - 1)),
  })).check(z.minLength(1), z.maxLength(64)),
  env: z.record(z.string(), z.string()),
  cwd: z.optional(z.string()),
});

const dataSchema = z.object({
  run: z.string().check(z.regex(/^[A-Za-z0-9]+$/)),
  seq: z.int().check(z.gte(1)),
  attempt: z.int().check(z.gte(1)),
  ttl: z.optional(z.int().check(z.gte(1))),
  client: z.optional(z.string().check(z.regex(/^\d+$/))),
  halt: z.optional(z.object({ now: z.boolean(), why: z.enum(['fail', 'success', 'done']), count: z.int().check(z.gte(1)) })),
  lastAttempt: z.optional(z.int().check(z.gte(1))),
  spec: specSchema,
});

/** The job data for a spec: what a worker needs to run it, nothing of the submitter's machine. */
export function jobData(run: string, submitter: { ttl: number; client: string | undefined; halt?: FleetHalt | undefined }, spec: JobSpec): JobData {
  const { seq, attempt, lastAttempt, command, shell, timeoutMs, termSeq, env, cwd } = spec;
  const { ttl, client, halt } = submitter;
  return { run, seq, attempt, ...(lastAttempt === undefined ? {} : { lastAttempt }), ttl, ...(client === undefined ? {} : { client }), ...(halt === undefined ? {} : { halt }), spec: { command, shell, timeoutMs, termSeq, env, cwd } };
}

/** A job's data as a worker reads it from Redis: checked, since anything can be written there. */
export function parseJobData(value: unknown): JobData | undefined {
  const parsed = dataSchema.safeParse(value);
  return parsed.success ? (parsed.data as JobData) : undefined;
}

/** The BullMQ job id of an attempt (BullMQ refuses integer ids and ids with ':'). */
export function jobId(run: string, seq: number, attempt: number): string {
  return `${run}.${seq}.${attempt}`;
}

/** One record of a run's output stream. */
export type StreamRecord =
  | { readonly kind: 'start'; readonly key: string; readonly exec: string; readonly host: string }
  /** `at`: the bytes of the same stream this run wrote before the chunk (a chunk stored twice, or one missing, shows). */
  | { readonly kind: 'stdout' | 'stderr'; readonly key: string; readonly exec: string; readonly data: Buffer; readonly at?: number | undefined }
  /** `sent`: the bytes of stdout and stderr the worker wrote into the stream for this run. */
  | { readonly kind: 'end'; readonly key: string; readonly exec: string; readonly result: ExecResult; readonly sent?: readonly [number, number] | undefined };

/** The key that ties stream records to an attempt: "<seq>.<attempt>". */
export function attemptKey(seq: number, attempt: number): string {
  return `${seq}.${attempt}`;
}

const kinds = { start: 's', stdout: 'o', stderr: 'e', end: 'z' } as const;

/** The XADD field list of a record. */
export function encodeRecord(record: StreamRecord): (string | Buffer)[] {
  const fields: (string | Buffer)[] = ['k', kinds[record.kind], 'j', record.key, 'x', record.exec];
  if (record.kind === 'start') fields.push('h', record.host);
  else if (record.kind === 'end') fields.push('r', JSON.stringify(record.result), ...(record.sent === undefined ? [] : ['b', record.sent.join(',')]));
  else fields.push('d', record.data, ...(record.at === undefined ? [] : ['p', String(record.at)]));
  return fields;
}

/** A record from XREAD's field list (as Buffers), or undefined if it is not one of qrun's. */
export function decodeRecord(fields: readonly Buffer[]): StreamRecord | undefined {
  const map = new Map<string, Buffer>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set((fields[i] as Buffer).toString(), fields[i + 1] as Buffer);
  const kind = map.get('k')?.toString();
  const key = map.get('j')?.toString();
  const exec = map.get('x')?.toString();
  if (key === undefined || exec === undefined) return undefined;
  if (kind === kinds.start) return { kind: 'start', key, exec, host: map.get('h')?.toString() ?? '?' };
  if (kind === kinds.stdout || kind === kinds.stderr) {
    const chunk = { kind: kind === kinds.stdout ? 'stdout' : 'stderr', key, exec, data: map.get('d') ?? Buffer.alloc(0) } as const;
    const at = /^\d+$/.exec(map.get('p')?.toString() ?? '')?.[0];
    return at === undefined ? chunk : { ...chunk, at: Number(at) };
  }
  if (kind === kinds.end) {
    try {
      const sent = /^(\d+),(\d+)$/.exec(map.get('b')?.toString() ?? '');
      const result = JSON.parse(map.get('r')?.toString() ?? '') as ExecResult;
      return sent === null ? { kind: 'end', key, exec, result } : { kind: 'end', key, exec, result, sent: [Number(sent[1]), Number(sent[2])] };
    } catch {
      return undefined;
    }
  }
  return undefined;
}
