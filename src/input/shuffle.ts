// --shuf: every record read first, then run in random order, in flat memory: the records are
// dealt at random into bucket files, and each bucket, small enough to hold, is shuffled in turn.

import { closeSync, openSync, readFileSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { PrivateDir } from '../private-dir.js';
import type { InputRecord } from './split-records.js';

/** Buckets per split; a bucket over `holdBytes` is split again. */
const bucketCount = 64;
/** Bytes written to a bucket at once. */
const flushBytes = 64 * 1024;

/** What shuffling needs. */
export interface ShuffleOptions {
  readonly tmpDir: string | undefined;
  /** A bucket up to this size is read whole and shuffled in memory. */
  readonly holdBytes?: number;
  readonly random?: () => number;
}

/**
 * Yields every record of `records` in a uniformly random order, numbered again from 1 (as GNU
 * parallel numbers shuffled jobs). Dealing each record into a random bucket, then shuffling each
 * bucket, gives every order the same chance; no more than one bucket is held in memory.
 */
export async function* shuffled(records: AsyncIterable<InputRecord>, options: ShuffleOptions): AsyncGenerator<InputRecord> {
  const random = options.random ?? Math.random;
  const hold = options.holdBytes ?? 32 * 1024 * 1024;
  const privateDir = new PrivateDir(options.tmpDir, 'the --shuf buckets');
  try {
    const dir = privateDir.path();
    const first = await deal(records, dir, 'b', random);
    let line = 0;
    for (const bucket of first) {
      for (const record of shuffleBucket(bucket, dir, hold, random)) {
        line++;
        yield { ...record, line };
      }
    }
  } finally {
    privateDir.dispose();
  }
}

/** One bucket file: its path and size. */
interface Bucket {
  readonly path: string;
  readonly bytes: number;
}

/** Deals the records at random into bucket files named `<prefix>-<n>`. */
async function deal(records: AsyncIterable<InputRecord> | Iterable<InputRecord>, dir: string, prefix: string, random: () => number): Promise<Bucket[]> {
  const paths = Array.from({ length: bucketCount }, (_, i) => join(dir, `${prefix}-${i}`));
  const fds = paths.map((path) => openSync(path, 'w', 0o600));
  const pending: string[][] = paths.map(() => []);
  const pendingBytes = paths.map(() => 0);
  const bytes = paths.map(() => 0);
  const flush = (i: number): void => {
    const chunk = Buffer.from((pending[i] as string[]).join(''));
    let written = 0;
    while (written < chunk.length) written += writeSync(fds[i] as number, chunk, written);
    bytes[i] = (bytes[i] ?? 0) + chunk.length;
    pending[i] = [];
    pendingBytes[i] = 0;
  };
  try {
    for await (const record of records) {
      const i = Math.floor(random() * bucketCount);
      // One JSON line per record: any byte of a record (newlines with -0) survives.
      const line = `${JSON.stringify({ t: record.text, a: record.args })}\n`;
      (pending[i] as string[]).push(line);
      pendingBytes[i] = (pendingBytes[i] ?? 0) + line.length;
      if ((pendingBytes[i] ?? 0) >= flushBytes) flush(i);
    }
    for (let i = 0; i < bucketCount; i++) flush(i);
  } finally {
    for (const fd of fds) closeSync(fd);
  }
  return paths.map((path, i) => ({ path, bytes: bytes[i] ?? 0 }));
}

/** A bucket's records in random order: shuffled in memory if it is small enough, else dealt again. */
function* shuffleBucket(bucket: Bucket, dir: string, hold: number, random: () => number): Generator<InputRecord> {
  if (bucket.bytes <= hold) {
    const lines = readFileSync(bucket.path, 'utf8').split('\n');
    unlinkSync(bucket.path);
    lines.pop();
    // Fisher-Yates.
    for (let i = lines.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [lines[i], lines[j]] = [lines[j] as string, lines[i] as string];
    }
    for (const line of lines) {
      const { t, a } = JSON.parse(line) as { t: string; a?: string[] };
      yield { text: t, line: 0, ...(a === undefined ? {} : { args: a }) };
    }
    return;
  }
  // Too big to hold: deal it again into smaller buckets (synchronously: it is a file already).
  const parts = dealSync(bucket, dir, random);
  unlinkSync(bucket.path);
  for (const part of parts) yield* shuffleBucket(part, dir, hold, random);
}

/** `deal` for a bucket file, read in chunks and cut at newline bytes (JSON lines hold none inside). */
function dealSync(bucket: Bucket, dir: string, random: () => number): Bucket[] {
  const prefix = `${bucket.path.slice(dir.length + 1)}.`;
  const paths = Array.from({ length: bucketCount }, (_, i) => join(dir, `${prefix}${i}`));
  const fds = paths.map((path) => openSync(path, 'w', 0o600));
  const bytes = paths.map(() => 0);
  const input = openSync(bucket.path, 'r');
  try {
    const chunk = Buffer.alloc(flushBytes);
    let rest = Buffer.alloc(0);
    for (let at = 0; ; ) {
      const got = readSync(input, chunk, 0, chunk.length, at);
      if (got === 0) break;
      at += got;
      const data = Buffer.concat([rest, chunk.subarray(0, got)]);
      let start = 0;
      for (let end = data.indexOf(10, start); end !== -1; end = data.indexOf(10, start)) {
        const i = Math.floor(random() * bucketCount);
        const line = data.subarray(start, end + 1);
        let written = 0;
        while (written < line.length) written += writeSync(fds[i] as number, line, written);
        bytes[i] = (bytes[i] ?? 0) + line.length;
        start = end + 1;
      }
      rest = Buffer.from(data.subarray(start));
    }
  } finally {
    closeSync(input);
    for (const fd of fds) closeSync(fd);
  }
  return paths.map((path, i) => ({ path, bytes: bytes[i] ?? 0 }));
}
