// Where a run's records come from (files and stdin, or a library caller's list), made ready to read.

import type { Readable } from 'node:stream';
import { UsageError } from '../errors.js';
import { countRecords } from './count.js';
import { closeSources, openSources, readSources } from './sources.js';
import { splitRecords, type InputRecord, type RecordSeparator } from './split-records.js';

/** The input of a run: files (`-` or none: stdin), or records given by a library caller. */
export type RunInput =
  | { readonly kind: 'files'; readonly paths: readonly string[]; readonly stdin: Readable }
  | { readonly kind: 'records'; readonly records: Iterable<string> | AsyncIterable<string> };

/** Records ready to be read, how many there are (when counted first), and how to let go of them. */
export interface PreparedInput {
  readonly records: AsyncIterable<InputRecord>;
  readonly total: number | undefined;
  /** Closes input files and removes any copy of stdin; call on every path. */
  readonly close: () => Promise<void>;
}

/** What preparing the input needs to know. */
export interface PrepareOptions {
  readonly separator: RecordSeparator;
  /** Count the records before the run (--halt with a percentage, as GNU parallel does). */
  readonly count: boolean;
  /** Aborts the counting (a signal before the run starts). */
  readonly stop: AbortSignal;
  readonly tmpDir: string | undefined;
}

/** Opens every input file up front (an unreadable one is a UsageError before any job starts). */
export async function prepareInput(input: RunInput, options: PrepareOptions): Promise<PreparedInput> {
  if (input.kind === 'records') return prepareRecords(input.records, options.count);
  let sources = await openSources(input.paths);
  let dispose = (): void => undefined;
  let total: number | undefined;
  try {
    if (options.count) {
      const counted = await countRecords(sources, input.stdin, options.separator, options.stop, options.tmpDir);
      ({ sources, dispose } = counted);
      total = counted.count;
    }
  } catch (error) {
    await closeSources(sources).catch(() => undefined);
    throw error;
  }
  const opened = sources;
  return {
    records: splitRecords(readSources(opened, input.stdin), options.separator),
    total,
    close: async () => {
      await closeSources(opened).catch(() => undefined);
      dispose();
    },
  };
}

function prepareRecords(records: Iterable<string> | AsyncIterable<string>, count: boolean): PreparedInput {
  let total: number | undefined;
  if (count) {
    // A percentage needs the number of jobs up front; a list the caller holds can be counted as is.
    if (!Array.isArray(records)) throw new UsageError('--halt with a percentage needs `records` as an array');
    total = (records as string[]).filter((record) => record.trim() !== '').length;
  }
  return { records: numbered(records), total, close: async () => undefined };
}

/** Numbers a caller's records from 1, blank ones included (they keep their number and run nothing). */
async function* numbered(records: Iterable<string> | AsyncIterable<string>): AsyncGenerator<InputRecord> {
  let line = 0;
  for await (const text of records) {
    line++;
    if (text.trim() !== '') yield { text, line };
  }
}
