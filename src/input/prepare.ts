// Where a run's records come from (files and stdin, or a library caller's list), made ready to read.

import type { Readable } from 'node:stream';
import { UsageError } from '../errors.js';
import { combineSources, type ArgSource } from './arg-sources.js';
import { countFiles, countRecords } from './count.js';
import { closeSources, openSources, readSources, type InputSource } from './sources.js';
import { splitRecords, type InputRecord, type RecordSeparator } from './split-records.js';

/** The input of a run: files (`-` or none: stdin), or records given by a library caller. */
export type RunInput =
  | {
      readonly kind: 'files';
      readonly paths: readonly string[];
      readonly stdin: Readable;
      /** A path that reads stdin again from its start, when stdin is a regular file (`< jobs.txt`). */
      readonly stdinFile?: string | undefined;
      /** stdin is a terminal: records are typed by a person. */
      readonly stdinTerminal?: boolean | undefined;
    }
  | { readonly kind: 'records'; readonly records: Iterable<string> | AsyncIterable<string> }
  /** GNU parallel's input sources (`:::`, `::::`, `-a` files with them): argument tuples. */
  | { readonly kind: 'sources'; readonly sources: readonly ArgSource[]; readonly link: boolean; readonly stdin: Readable };

/** Records ready to be read, how many there are (when counted first), and how to let go of them. */
export interface PreparedInput {
  readonly records: AsyncIterable<InputRecord>;
  readonly total: number | undefined;
  /** Counts the records while the run goes on (for a progress bar); undefined when they cannot be counted again. */
  readonly countTotal: (stop: AbortSignal) => Promise<number | undefined>;
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
  if (input.kind === 'sources') {
    if (options.count) throw new UsageError('--halt with a percentage cannot be used with ::: or :::: input sources yet');
    // Every file is opened once up front, so an unreadable one is refused before any job starts.
    await closeSources(await openSources(input.sources.flatMap((source) => (source.kind === 'file' && source.path !== '-' ? [source.path] : []))));
    return { records: combineSources(input.sources, input.link, options.separator, input.stdin), total: undefined, countTotal: async () => undefined, close: async () => undefined };
  }
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
  const again = total === undefined ? rereadable(opened, input.stdinFile) : undefined;
  return {
    records: splitRecords(readSources(opened, input.stdin), options.separator),
    total,
    countTotal: async (stop) => (total !== undefined ? total : again === undefined ? undefined : countFiles(again, options.separator, stop)),
    close: async () => {
      await closeSources(opened).catch(() => undefined);
      dispose();
    },
  };
}

/** Paths that read every source again from its start, if all of them can be. */
function rereadable(sources: readonly InputSource[], stdinFile: string | undefined): string[] | undefined {
  const paths: string[] = [];
  for (const source of sources) {
    if (source.kind === 'stdin') {
      if (stdinFile === undefined) return undefined;
      paths.push(stdinFile);
    } else if (source.regular) paths.push(source.path);
    else return undefined;
  }
  return paths;
}

function prepareRecords(records: Iterable<string> | AsyncIterable<string>, count: boolean): PreparedInput {
  let total: number | undefined;
  if (count) {
    // A percentage needs the number of jobs up front; a list the caller holds can be counted as is.
    if (!Array.isArray(records)) throw new UsageError('--halt with a percentage needs `records` as an array');
    total = (records as string[]).filter((record) => record.trim() !== '').length;
  }
  const known = total ?? (Array.isArray(records) ? (records as string[]).filter((record) => record.trim() !== '').length : undefined);
  return { records: numbered(records), total, countTotal: async () => known, close: async () => undefined };
}

/** Numbers a caller's records from 1, blank ones included (they keep their number and run nothing). */
async function* numbered(records: Iterable<string> | AsyncIterable<string>): AsyncGenerator<InputRecord> {
  let line = 0;
  for await (const text of records) {
    line++;
    if (text.trim() !== '') yield { text, line };
  }
}
