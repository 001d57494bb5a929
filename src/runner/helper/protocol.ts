// The spawn helper's wire format (see native/qrun-spawn.c): length-prefixed messages to it,
// fixed 16-byte event records from it. Strings may hold any byte but NUL; nothing has a size limit.

import type { JobStdin } from '../../input/job-stdin.js';
import { encodeText, holdsBytes } from '../../byte-text.js';

/**
 * Where a job's stdout or stderr goes: qrun's own, a file the helper opens, or a pipe the helper
 * reads and forwards to qrun chunk by chunk ('output' events, each answered with an ack).
 */
export type HelperStdio = { readonly kind: 'inherit' } | { readonly kind: 'path'; readonly path: string } | { readonly kind: 'pipe' };

/** The byte that says a stdio kind on the wire. */
const stdioKind = { inherit: 0, path: 1, pipe: 2 } as const;

/** One job as the helper starts it. */
export interface HelperJob {
  readonly id: number;
  readonly shell: string;
  readonly command: string;
  /** "" for the helper's own directory. */
  readonly cwd: string;
  readonly stdout: HelperStdio;
  readonly stderr: HelperStdio;
  /** Added to the base environment, replacing variables of the same name. */
  readonly env: Readonly<Record<string, string>>;
  /** What the job reads (undefined: /dev/null). */
  readonly stdin?: JobStdin | undefined;
}

/** A string field, refused if it holds a NUL (the field separator, which exec could not carry either). */
function field(name: string, value: string): string {
  if (value.includes('\0')) throw new Error(`${name} contains a NUL byte`);
  return `${value}\0`;
}

/** `type` then the fields, after a u32 length: one string, encoded once (a message per job). */
function message(type: 'E' | 'J' | 'V' | 'Q' | 'A', head: string, fields: string): Buffer {
  // Written straight in as UTF-8, unless a field holds bytes that are not (see byte-text.ts).
  const body = holdsBytes(fields) ? encodeText(fields) : undefined;
  const size = body?.length ?? Buffer.byteLength(fields);
  const bytes = Buffer.allocUnsafe(5 + head.length + size);
  bytes.writeUInt32LE(1 + head.length + size);
  bytes[4] = type.charCodeAt(0);
  bytes.write(head, 5, 'latin1');
  if (body === undefined) bytes.write(fields, 5 + head.length, 'utf8');
  else body.copy(bytes, 5 + head.length);
  return bytes;
}

function envFields(env: Readonly<Record<string, string | undefined>>): string {
  let text = '';
  for (const name in env) {
    const value = env[name];
    // Names with '=' or NUL cannot be passed to exec (Node drops them too).
    if (value === undefined || name === '' || name.includes('=') || name.includes('\0') || value.includes('\0')) continue;
    text += `${name}=${value}\0`;
  }
  return text;
}

/** A u32, little-endian, as latin1 characters (one byte each) for a message's head. */
function u32(n: number): string {
  return String.fromCharCode(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
}

/** The protocol this qrun speaks; the helper says its own ('H'), and another is refused. */
export const helperProtocol = 3;

/** qrun's protocol version, the first message: the helper answers with its own. */
export function encodeVersion(version: number = helperProtocol): Buffer {
  return message('V', u32(version), '');
}

/** qrun closes the helper on purpose (its input ends next): the helper leaves the jobs to qrun. Input ending without it means qrun died. */
export function encodeBye(): Buffer {
  return message('Q', '', '');
}

/**
 * The base environment every job starts from: variables, or their exact bytes ("NAME=value\0"
 * each, as `rawEnvironment` keeps them: values that are not UTF-8 pass unchanged).
 */
export function encodeBaseEnv(env: Readonly<Record<string, string | undefined>> | Buffer): Buffer {
  if (!Buffer.isBuffer(env)) return message('E', '', envFields(env));
  const bytes = Buffer.allocUnsafe(5 + env.length);
  bytes.writeUInt32LE(1 + env.length);
  bytes[4] = 0x45;
  env.copy(bytes, 5);
  return bytes;
}

/** qrun has taken the last chunk of job `id`'s stream (1: stdout, 2: stderr): the helper reads the next. */
export function encodeAck(id: number, stream: 1 | 2): Buffer {
  return message('A', u32(id) + String.fromCharCode(stream), '');
}

/** A job to start. Throws if a field holds a NUL byte. */
export function encodeJob(job: HelperJob): Buffer {
  // id (u32 little-endian) and the two stdio kinds, as latin1 characters (one byte each).
  const id = job.id;
  const stdin = job.stdin;
  const stdinKind = stdin === undefined ? 0 : 1;
  const head = u32(id) + String.fromCharCode(stdioKind[job.stdout.kind], stdioKind[job.stderr.kind], stdinKind);
  let fields = field('the shell', job.shell) + field('the command', job.command) + field('the cwd', job.cwd);
  if (job.stdout.kind === 'path') fields += field('the stdout path', job.stdout.path);
  if (job.stderr.kind === 'path') fields += field('the stderr path', job.stderr.path);
  if (stdin !== undefined) {
    fields += field('the stdin path', stdin.path) + field('the stdin ranges', stdin.ranges.flatMap((range) => [range.start, range.length]).join(','));
  }
  return message('J', head, fields + envFields(job.env));
}

/** What the helper reports of a job. */
export type HelperEvent =
  | { readonly kind: 'started'; readonly id: number; readonly pid: number }
  | { readonly kind: 'ended'; readonly id: number; readonly status: number; /** nothing was left in the job's group */ readonly groupEmpty: boolean }
  | { readonly kind: 'failed'; readonly id: number; readonly errno: number }
  | { readonly kind: 'hello'; readonly version: number }
  /** What a job wrote to a stream of kind 'pipe' (1: stdout, 2: stderr). */
  | { readonly kind: 'output'; readonly id: number; readonly stream: 1 | 2; readonly data: Buffer }
  /** That stream ended: every process that held it has closed it. */
  | { readonly kind: 'closed'; readonly id: number; readonly stream: 1 | 2 };

const recordSize = 16;
/** The helper forwards at most this much output in one record. */
const maxChunk = 65536;

/** Splits the helper's byte stream into events (records may arrive cut anywhere). */
export class EventDecoder {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): HelperEvent[] {
    const data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const events: HelperEvent[] = [];
    let at = 0;
    for (; at + recordSize <= data.length; at += recordSize) {
      const kind = data.readInt32LE(at);
      const id = data.readUInt32LE(at + 4);
      const value = data.readInt32LE(at + 8);
      const extra = data.readInt32LE(at + 12);
      if (kind === 0x4f) {
        if ((value !== 1 && value !== 2) || extra <= 0 || extra > maxChunk) throw new Error(`the spawn helper sent a malformed output record (stream ${value}, ${extra} bytes)`);
        // The chunk follows its record: wait for all of it.
        if (at + recordSize + extra > data.length) break;
        events.push({ kind: 'output', id, stream: value, data: data.subarray(at + recordSize, at + recordSize + extra) });
        at += extra;
      } else if (kind === 0x43 && (value === 1 || value === 2)) events.push({ kind: 'closed', id, stream: value });
      else if (kind === 0x53) events.push({ kind: 'started', id, pid: value });
      else if (kind === 0x58) events.push({ kind: 'ended', id, status: value, groupEmpty: extra === 1 });
      else if (kind === 0x46) events.push({ kind: 'failed', id, errno: value });
      else if (kind === 0x48) events.push({ kind: 'hello', version: value });
      else throw new Error(`the spawn helper sent an unknown record (${kind})`);
    }
    // Kept apart from the chunk it came in: output handed on must not pin a larger buffer's copy.
    this.pending = at === data.length ? Buffer.alloc(0) : Buffer.from(data.subarray(at));
    return events;
  }
}

/** A wait status as Node reports a child's end: an exit code, or the signal that ended it. */
export function decodeStatus(status: number, signalName: (signo: number) => NodeJS.Signals | undefined): { exitCode: number | null; signal: NodeJS.Signals | null } {
  const signo = status & 0x7f;
  if (signo === 0) return { exitCode: (status >> 8) & 0xff, signal: null };
  return { exitCode: null, signal: signalName(signo) ?? null };
}
