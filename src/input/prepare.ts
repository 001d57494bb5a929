// Where a run's records come from (files and stdin, or a library caller's list), made ready to read.

import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { UsageError } from '../errors.js';
import { combineSources, countTuples, type ArgSource } from './arg-sources.js';
import { readableSources } from './source-spool.js';
import { PrivateDir } from '../private-dir.js';
import { countFiles, countRecords } from './count.js';
import { closeSources, openSources, readSources, type InputSource } from './sources.js';
import { splitRecords, type InputRecord, type RecordSeparator } from './split-records.js';
import { resolve } from 'node:path';
import { BlockSpool } from './block-spool.js';
import type { JobStdin } from './job-stdin.js';
import { partRanges } from './part-ranges.js';
import { withoutBlankLines } from './blank-lines.js';
import { headerOf, pipeBlocks, pipeBlocksWithHeader, type PipeHeader } from './pipe-blocks.js';
import { shuffled } from './shuffle.js';

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
  /** A job is over (or will never run): what it was given to read can go. */
  readonly release: (stdin: JobStdin) => void;
  /** --header: the sources' names, or the header line (to be cut into names like any record). */
  readonly header?: { readonly kind: 'names'; readonly names: readonly string[] } | { readonly kind: 'line'; readonly text: string } | undefined;
}

/** --pipe (stdin in blocks) or --pipe-part (a file's byte ranges): each job reads its part on stdin. */
export interface PipeInput {
  readonly mode: 'pipe' | 'part';
  /** --block: bytes per block; negative with --pipe-part: that many parts per job slot; undefined: GNU's default. */
  readonly blockSize: number | undefined;
  readonly recstart: string;
  readonly recend: string;
  /** -N with --pipe: records per block. */
  readonly records: number | undefined;
  /** Job slots (-j), for a negative --block. */
  readonly slots: number;
  /** --header: this many first lines (or what a pattern matches at the start) go in front of every block. */
  readonly headerLines?: PipeHeader | undefined;
  /** -r: a block of nothing but white space makes no job. */
  readonly skipBlank?: boolean | undefined;
  readonly warn: (text: string) => void;
}

/** What preparing the input needs to know. */
export interface PrepareOptions {
  readonly separator: RecordSeparator;
  /** Count the records before the run (--halt with a percentage, as GNU parallel does). */
  readonly count: boolean;
  /** Aborts the counting (a signal before the run starts). */
  readonly stop: AbortSignal;
  readonly tmpDir: string | undefined;
  readonly pipe?: PipeInput | undefined;
  /** --header: this many first records are the header, not jobs (with sources: each source's first value). */
  readonly header?: number | undefined;
  /** --shuf: every record is read first, then they run in random order. */
  readonly shuffle?: boolean | undefined;
  /** A command template is given: a blank record is an empty argument, a job (GNU parallel's way). */
  readonly keepBlank?: boolean | undefined;
}

/** Opens every input file up front (an unreadable one is a UsageError before any job starts). */
export async function prepareInput(input: RunInput, options: PrepareOptions): Promise<PreparedInput> {
  const prepared = await prepareInOrder(input, options);
  if (options.shuffle !== true) return prepared;
  return { ...prepared, records: shuffled(prepared.records, { tmpDir: options.tmpDir }) };
}

async function prepareInOrder(input: RunInput, options: PrepareOptions): Promise<PreparedInput> {
  if (input.kind === 'records') {
    const prepared = prepareRecords(input.records, options.count);
    if (options.header === undefined) return prepared;
    // --header: the caller's first record names the columns.
    const taken = await takeHeader(prepared.records, 1);
    return { ...prepared, records: taken.rest, header: { kind: 'line', text: taken.line }, total: prepared.total === undefined ? undefined : Math.max(0, prepared.total - 1) };
  }
  if (input.kind === 'sources') {
    // Unreadable files are refused before any job starts; a source that cannot be read twice is
    // copied once where it will be (every combination, --header, counting).
    const spoolDir = new PrivateDir(options.tmpDir, 'input sources');
    try {
      const sources = await readableSources(input.sources, { link: input.link, stdin: input.stdin, count: options.count, header: options.header !== undefined, dir: spoolDir, stop: options.stop });
      const total = options.count ? await countTuples(sources, input.link, options.separator, options.header !== undefined, options.stop) : undefined;
      if (options.count && total === undefined) throw new UsageError('counting the input sources was interrupted');
      const combined = await combineSources(sources, input.link, options.separator, options.header !== undefined);
      return { records: combined.records, header: combined.names && { kind: 'names', names: combined.names }, total, countTotal: async () => undefined, close: async () => spoolDir.dispose(), release: () => undefined };
    } catch (error) {
      spoolDir.dispose();
      throw error;
    }
  }
  if (options.pipe !== undefined) return preparePipe(input, options.pipe, options.tmpDir);
  let sources = await openSources(input.paths);
  let dispose = (): void => undefined;
  let total: number | undefined;
  try {
    if (options.count) {
      const counted = await countRecords(sources, input.stdin, options.separator, options.stop, options.tmpDir, options.keepBlank);
      ({ sources, dispose } = counted);
      total = counted.count;
    }
  } catch (error) {
    await closeSources(sources).catch(() => undefined);
    throw error;
  }
  const opened = sources;
  const again = total === undefined ? rereadable(opened, input.stdinFile) : undefined;
  let records: AsyncIterable<InputRecord> = splitRecords(readSources(opened, input.stdin), options.separator, options.keepBlank);
  let header: PreparedInput['header'];
  if (options.header !== undefined) {
    // Outside --pipe the header is the first line, whatever --header says (as GNU parallel).
    const taken = await takeHeader(records, 1);
    records = taken.rest;
    header = { kind: 'line', text: taken.line };
    // The header is no job: counted totals leave it out too.
    if (total !== undefined) total = Math.max(0, total - 1);
  }
  return {
    records,
    header,
    total,
    countTotal: async (stop) => (total !== undefined ? total : again === undefined ? undefined : countFiles(again, options.separator, stop, options.keepBlank)),
    close: async () => {
      await closeSources(opened).catch(() => undefined);
      dispose();
    },
    release: () => undefined,
  };
}

/** GNU parallel's default --block: 1M for --pipe; for --pipe-part, 10 parts per job slot. */
const defaultBlock = { pipe: 1024 * 1024, part: -10 };

/** --pipe and --pipe-part: one job per block, its block as stdin, no arguments. */
async function preparePipe(input: Extract<RunInput, { kind: 'files' }>, pipe: PipeInput, tmpDir: string | undefined): Promise<PreparedInput> {
  const sources = await openSources(input.paths);
  const none = async (): Promise<undefined> => undefined;
  if (pipe.mode === 'pipe') {
    const spool = new BlockSpool(tmpDir);
    const blockSize = pipe.blockSize ?? defaultBlock.pipe;
    if (blockSize <= 0) throw new UsageError(`--block must be 1 byte or more with --pipe, got ${blockSize}`);
    const chunks = pipe.skipBlank === true ? withoutBlankLines(readSources(sources, input.stdin)) : readSources(sources, input.stdin);
    const blocks = pipe.headerLines === undefined ? pipeBlocks(chunks, { ...pipe, blockSize }) : pipeBlocksWithHeader(chunks, { ...pipe, blockSize }, pipe.headerLines);
    return {
      records: spooled(blocks, spool),
      total: undefined,
      countTotal: none,
      close: async () => {
        await closeSources(sources).catch(() => undefined);
        spool.dispose();
      },
      release: (stdin) => spool.release(stdin),
    };
  }
  const files: PartFile[] = [];
  try {
    for (const source of sources) {
      if (source.kind !== 'file' || !source.regular) {
        throw new UsageError(`--pipe-part reads parts of regular files given with -a; ${source.kind === 'file' ? `'${source.path}' is not one` : 'stdin cannot be'}`);
      }
      const size = (await source.handle.stat()).size;
      files.push({ path: resolve(source.path), handle: source.handle, size, header: pipe.headerLines === undefined ? 0 : await headerBytes(source.handle, pipe.headerLines) });
    }
  } catch (error) {
    await closeSources(sources);
    throw error;
  }
  const asked = pipe.blockSize ?? defaultBlock.part;
  const total = files.reduce((sum, file) => sum + file.size, 0);
  // A negative --block: that many parts per job slot, over all the files together.
  const blockSize = asked > 0 ? asked : 1 + Math.floor(total / pipe.slots / -asked);
  return {
    records: parts(files, { ...pipe, blockSize }),
    total: undefined,
    countTotal: none,
    close: async () => void (await closeSources(sources).catch(() => undefined)),
    release: () => undefined,
  };
}

/** Each block written to its file as the job it becomes is wanted. */
async function* spooled(blocks: AsyncIterable<Buffer>, spool: BlockSpool): AsyncGenerator<InputRecord> {
  let line = 0;
  for await (const block of blocks) {
    line++;
    yield { text: '', line, args: [], stdin: await spool.write(line, block) };
  }
}

/** Every file's parts, in order. */
async function* parts(files: readonly PartFile[], options: { blockSize: number; recstart: string; recend: string }): AsyncGenerator<InputRecord> {
  let line = 0;
  for (const file of files) {
    // --header: every job reads the file's header first, then its part.
    const header = file.header > 0 ? [{ start: 0, length: file.header }] : [];
    for await (const range of partRanges(file.handle, file.size, { ...options, skip: file.header })) {
      line++;
      yield { text: '', line, args: [], stdin: { path: file.path, ranges: [...header, range], temporary: false } };
    }
  }
}

/** A --pipe-part file: where it is, its handle and size, and how many bytes its header takes (0: none). */
interface PartFile {
  readonly path: string;
  readonly handle: FileHandle;
  readonly size: number;
  readonly header: number;
}

/** The length of a file's header: its first `header` lines (the whole file if it has fewer), or what the pattern matches. */
async function headerBytes(file: FileHandle, header: PipeHeader): Promise<number> {
  let data = Buffer.alloc(0);
  for (;;) {
    const chunk = Buffer.allocUnsafe(64 * 1024);
    const { bytesRead } = await file.read(chunk, 0, chunk.length, data.length);
    if (bytesRead === 0) return headerOf(data, header, true);
    data = Buffer.concat([data, chunk.subarray(0, bytesRead)]);
    const end = headerOf(data, header, false);
    if (end !== -1) return end;
  }
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
  return { records: numbered(records), total, countTotal: async () => known, close: async () => undefined, release: () => undefined };
}

/** Numbers a caller's records from 1, blank ones included (they keep their number and run nothing). */
async function* numbered(records: Iterable<string> | AsyncIterable<string>): AsyncGenerator<InputRecord> {
  let line = 0;
  for await (const text of records) {
    line++;
    if (text.trim() !== '') yield { text, line };
  }
}

/**
 * --header: the first `lines` records are the header (its first line names the columns), and the
 * records after it are numbered from 1, as GNU parallel numbers its jobs.
 */
async function takeHeader(records: AsyncIterable<InputRecord>, lines: number): Promise<{ readonly line: string; readonly rest: AsyncIterable<InputRecord> }> {
  const iterator = records[Symbol.asyncIterator]();
  let line: string | undefined;
  let skipped = 0;
  let offset = 0;
  while (skipped < lines) {
    const next = await iterator.next();
    if (next.done === true) break;
    line ??= next.value.text;
    skipped++;
    offset = next.value.line;
  }
  async function* rest(): AsyncGenerator<InputRecord> {
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) return;
      yield { ...next.value, line: next.value.line - offset };
    }
  }
  return { line: line ?? '', rest: rest() };
}
