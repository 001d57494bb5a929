// Counting the records before a run (needed by --halt with a percentage, as GNU parallel does).

import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type InputSource } from './sources.js';
import { atProcessExit } from '../exit-hooks.js';
import { splitRecords, type RecordSeparator } from './split-records.js';

/** Sources that can be read twice (stdin copied to a private temp file), and their record count. */
export interface CountedInput {
  readonly sources: InputSource[];
  readonly count: number;
  /** Removes the copy of stdin, if one was made. */
  readonly dispose: () => void;
}

/**
 * Counts the non-blank records of all sources; stdin and pipes are copied to disk first so memory
 * stays flat. The copy holds the user's records: it is removed by `dispose`, when `stop` aborts
 * the counting, and at process exit whatever happens.
 */
export async function countRecords(sources: InputSource[], stdin: Readable, separator: RecordSeparator, stop: AbortSignal, tempParent: string = tmpdir(), keepBlank = false): Promise<CountedInput> {
  let dir: string | undefined;
  let forgetExitHook = (): void => undefined;
  const dispose = (): void => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
    forgetExitHook();
  };
  try {
    const replayable: InputSource[] = [];
    for (const source of sources) {
      if (source.kind === 'file' && source.regular) {
        replayable.push(source);
        continue;
      }
      // stdin, a pipe or a FIFO can be read once only: copy it to a private file.
      if (dir === undefined) {
        dir = mkdtempSync(join(tempParent, 'qrun-input-'));
        forgetExitHook = atProcessExit(dispose);
      }
      const path = join(dir, `input-${replayable.length}`);
      const from = source.kind === 'stdin' ? stdin : source.handle.createReadStream();
      await pipeline(from, createWriteStream(path, { mode: 0o600 }), { signal: stop });
      replayable.push({ kind: 'file', path, handle: await open(path, 'r'), regular: true });
    }
    let count = 0;
    for (const source of replayable) {
      if (source.kind !== 'file') continue;
      // Read by path: the handle stays untouched for the run itself.
      const records = splitRecords(createReadStream(source.path), separator, keepBlank);
      while (!(await records.next()).done) {
        count++;
        if (stop.aborted) throw stop.reason;
      }
    }
    return { sources: replayable, count, dispose };
  } catch (error) {
    dispose();
    throw error;
  }
}

/**
 * Counts the non-blank records of regular files by path, in flat memory, for the progress bar's
 * total while the run goes on. Undefined if `stop` aborts first or a file cannot be read.
 */
export async function countFiles(paths: readonly string[], separator: RecordSeparator, stop: AbortSignal, keepBlank = false): Promise<number | undefined> {
  let count = 0;
  for (const path of paths) {
    const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
    const onStop = (): void => void stream.destroy();
    stop.addEventListener('abort', onStop, { once: true });
    try {
      const records = splitRecords(stream, separator, keepBlank);
      while (!(await records.next()).done) {
        count++;
        if (stop.aborted) return undefined;
      }
    } catch {
      return undefined;
    } finally {
      stop.removeEventListener('abort', onStop);
      stream.destroy();
    }
  }
  return stop.aborted ? undefined : count;
}
