// GNU parallel's input sources: `::: a b`, `:::: file`, `:::+`/`::::+` (linked to the previous
// source) and --link. Every combination of unlinked sources runs, the last varying fastest;
// linked sources pair by position. Files are read again for each pass, so memory stays flat; a
// source that cannot be read twice comes here already copied (source-spool.ts) or marked `once`.

import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { UsageError } from '../errors.js';
import { countFiles } from './count.js';
import { splitRecords, type InputRecord, type RecordSeparator } from './split-records.js';

/** One input source as the command line gives it. */
export type ArgSource =
  | { readonly kind: 'args'; readonly values: readonly string[]; readonly linked: boolean }
  | {
      readonly kind: 'file';
      readonly path: string;
      readonly linked: boolean;
      /** Read once from this stream or handle (a pipe or stdin that is not read again). */
      readonly once?: Readable | FileHandle | undefined;
      /** The name the user gave, when `path` is qrun's private copy of it. */
      readonly shown?: string | undefined;
    };

/** Something that can be read from its start as many times as needed. */
type Replayable = () => AsyncIterable<string>;

/**
 * The argument tuples of `sources`: a product of the groups (a source with `linked`, or every
 * source with `link`, joins the group before it), the last group varying fastest. In a group,
 * `:::+` pairs values up to the shortest source; --link pairs up to the longest, shorter ones
 * starting over, as GNU parallel 20221122 does. A source marked `once` (stdin, a pipe) is read
 * only once: source-spool.ts copies the others that cannot be read twice.
 */
export async function combineSources(sources: readonly ArgSource[], link: boolean, separator: RecordSeparator, header = false): Promise<CombinedSources> {
  const groups: { readonly sources: Replayable[]; readonly wrap: boolean }[] = [];
  const names: string[] = [];
  for (const [index, source] of sources.entries()) {
    let replay: Replayable;
    if (source.kind === 'args') {
      // --header: a source's first value is its name, not a value.
      const values = header ? source.values.slice(1) : source.values;
      if (header) names.push(source.values[0] ?? '');
      replay = async function* () {
        yield* values;
      };
    } else if (source.once !== undefined) {
      const from = source.once;
      let read = false;
      replay = () => {
        if (read) throw new Error(`input source ${source.path} was read twice`);
        read = true;
        return texts(splitRecords('createReadStream' in from ? from.createReadStream({ autoClose: true }) : from, separator, true));
      };
    } else {
      const path = source.path;
      if (header) names.push(await firstRecord(path, separator));
      replay = () => {
        const records = texts(splitRecords(createReadStream(path), separator, true));
        return header ? withoutFirst(records) : records;
      };
    }
    const joins = index > 0 && (link || source.linked);
    if (joins) groups.at(-1)?.sources.push(replay);
    else groups.push({ sources: [replay], wrap: link });
  }
  return { names: header ? names : undefined, records: tuples(groups) };
}

/** The combined sources: their names (--header) and the argument tuples. */
export interface CombinedSources {
  readonly names: readonly string[] | undefined;
  readonly records: AsyncIterable<InputRecord>;
}

async function* tuples(groups: readonly { readonly sources: Replayable[]; readonly wrap: boolean }[]): AsyncGenerator<InputRecord> {
  let line = 0;
  for await (const args of product(groups, 0)) {
    line++;
    yield { text: args.join(' '), line, args };
  }
}

/** The first record of a file ('' if it has none). */
async function firstRecord(path: string, separator: RecordSeparator): Promise<string> {
  for await (const record of splitRecords(createReadStream(path), separator, true)) return record.text;
  return '';
}

async function* withoutFirst(records: AsyncIterable<string>): AsyncGenerator<string> {
  let first = true;
  for await (const record of records) {
    if (!first) yield record;
    first = false;
  }
}

async function* texts(records: AsyncIterable<InputRecord>): AsyncGenerator<string> {
  for await (const record of records) yield record.text;
}

/** Every tuple of groups[from..]: the first group's values, each with every tuple of the rest. */
async function* product(groups: readonly { readonly sources: Replayable[]; readonly wrap: boolean }[], from: number): AsyncGenerator<string[]> {
  const group = groups[from];
  if (group === undefined) {
    yield [];
    return;
  }
  for await (const head of paired(group.sources, group.wrap)) {
    for await (const rest of product(groups, from + 1)) yield [...head, ...rest];
  }
}

/** A group's sources side by side: until the shortest ends, or (wrap) until each has ended once. */
async function* paired(sources: readonly Replayable[], wrap: boolean): AsyncGenerator<string[]> {
  const iterators = sources.map((source) => source()[Symbol.asyncIterator]());
  const ended = sources.map(() => false);
  try {
    for (;;) {
      const values: string[] = [];
      for (const [i, iterator] of iterators.entries()) {
        let next = await iterator.next();
        if (next.done === true) {
          if (!wrap) return;
          ended[i] = true;
          if (ended.every(Boolean)) return;
          iterators[i] = (sources[i] as Replayable)()[Symbol.asyncIterator]();
          next = await (iterators[i] as AsyncIterator<string>).next();
          if (next.done === true) return;
        }
        values.push(next.value);
      }
      yield values;
    }
  } finally {
    for (const iterator of iterators) await iterator.return?.(undefined);
  }
}

/** GNU parallel's --arg-sep and --arg-file-sep: the words that start `:::` and `::::` sources. */
export interface SourceSeparators {
  readonly args: string;
  readonly files: string;
}

/**
 * Splits the words after the options into the template and the input sources (`:::`, `::::`,
 * and their `+` forms, or the words --arg-sep and --arg-file-sep name instead).
 */
export function splitSources(words: readonly string[], given: SourceSeparators = { args: ':::', files: '::::' }): { template: string[]; sources: ArgSource[] } {
  const kinds = new Map<string, { kind: 'args' | 'files'; linked: boolean }>([
    [given.args, { kind: 'args', linked: false }],
    [`${given.args}+`, { kind: 'args', linked: true }],
    [given.files, { kind: 'files', linked: false }],
    [`${given.files}+`, { kind: 'files', linked: true }],
  ]);
  const first = words.findIndex((word) => kinds.has(word));
  if (first === -1) return { template: [...words], sources: [] };
  const sources: ArgSource[] = [];
  let current: { kind: 'args' | 'files'; linked: boolean; values: string[] } | undefined;
  const flush = (): void => {
    if (current === undefined) return;
    if (current.kind === 'args') sources.push({ kind: 'args', values: current.values, linked: current.linked });
    else {
      if (current.values.length === 0) throw new UsageError(`${given.files}${current.linked ? '+' : ''} needs a file name`);
      // `:::: a b` is two sources, as GNU parallel reads it; `::::+ a b` links both.
      const linked = current.linked;
      current.values.forEach((path) => sources.push({ kind: 'file', path, linked }));
    }
  };
  for (const word of words.slice(first)) {
    const starts = kinds.get(word);
    if (starts !== undefined) {
      flush();
      current = { ...starts, values: [] };
    } else current?.values.push(word);
  }
  flush();
  return { template: words.slice(0, first), sources };
}

/**
 * How many argument tuples `sources` make (for --halt N%): each source's values counted (a file's
 * records read once, in flat memory), then combined as combineSources combines them. Undefined if
 * the counting was stopped. Sources that cannot be read twice are spooled copies by now.
 */
export async function countTuples(sources: readonly ArgSource[], link: boolean, separator: RecordSeparator, header: boolean, stop: AbortSignal): Promise<number | undefined> {
  const groups: { sizes: number[]; wrap: boolean }[] = [];
  for (const [index, source] of sources.entries()) {
    let size: number;
    if (source.kind === 'args') size = source.values.length;
    else {
      const counted = await countFiles([source.path], separator, stop, true);
      if (counted === undefined) return undefined;
      size = counted;
    }
    if (header) size = Math.max(0, size - 1);
    if (index > 0 && (link || source.linked)) groups.at(-1)?.sizes.push(size);
    else groups.push({ sizes: [size], wrap: link });
  }
  // A group pairs its sources: up to the shortest (:::+), or the longest (--link, shorter ones start over).
  return groups.reduce((total, group) => total * (group.wrap ? Math.max(...group.sizes) : Math.min(...group.sizes)), 1);
}
