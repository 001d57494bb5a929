// Input sources that cannot be read twice (a pipe, a FIFO, `<(cmd)`, a device, stdin) are copied
// once into a private file wherever they will be read again: for every combination with the
// sources before them, for --link's wrap-around, for --header's names or for counting. The copy
// is streamed (flat memory) and removed with the run's private directory.

import { createWriteStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UsageError, messageOf } from '../errors.js';
import type { PrivateDir } from '../private-dir.js';
import type { ArgSource } from './arg-sources.js';
import { openSources } from './sources.js';

/** What deciding and spooling needs to know. */
export interface SpoolOptions {
  readonly link: boolean;
  readonly stdin: Readable;
  /** The sources are read once more to count them (--halt N%). */
  readonly count: boolean;
  /** --header: each source's first value is read on its own. */
  readonly header: boolean;
  readonly dir: PrivateDir;
  /** Stops a copy that never ends (an endless pipe given as a later source). */
  readonly stop: AbortSignal;
}

/**
 * The sources, each readable as often as it will be read: regular files stay as they are; a
 * source that cannot be read twice is spooled when it will be, and otherwise read once from the
 * handle opened here (a named FIFO is opened once, so nothing written to it is lost).
 * Unreadable files are refused with a UsageError before anything is read.
 */
export async function readableSources(sources: readonly ArgSource[], options: SpoolOptions): Promise<ArgSource[]> {
  if (sources.filter((source) => source.kind === 'file' && source.path === '-').length > 1) throw new UsageError('stdin ("-") can be only one input source');
  const opened = await openSources(sources.flatMap((source) => (source.kind === 'file' && source.path !== '-' ? [source.path] : [])));
  const handles = opened.map((source) => (source.kind === 'file' ? source : undefined));
  const result: ArgSource[] = [];
  try {
    let next = 0;
    for (const [index, source] of sources.entries()) {
      if (source.kind === 'args') {
        result.push(source);
        continue;
      }
      const handle = source.path === '-' ? undefined : handles[next++];
      if (handle !== undefined && handle.regular) {
        await handle.handle.close();
        handles[handles.indexOf(handle)] = undefined;
        result.push(source);
        continue;
      }
      const from: Readable | FileHandle = handle?.handle ?? options.stdin;
      if (!readAgain(sources, index, options)) {
        if (handle !== undefined) handles[handles.indexOf(handle)] = undefined;
        result.push({ ...source, once: from });
        continue;
      }
      const path = join(options.dir.path(), `source-${index + 1}`);
      await spool(from, path, source.path, options.stop);
      if (handle !== undefined) handles[handles.indexOf(handle)] = undefined;
      result.push({ ...source, path, shown: source.path });
    }
    return result;
  } finally {
    await Promise.all(handles.map((handle) => handle?.handle.close()));
  }
}

/** Whether source `index` is read more than once: counted, named by its first value, or replayed. */
function readAgain(sources: readonly ArgSource[], index: number, options: SpoolOptions): boolean {
  if (options.count || options.header) return true;
  // Group of each source: a linked source (or every source with --link) joins the one before.
  const group = sources.map((_, i) => (i > 0 && (options.link || sources[i]?.linked === true) ? 0 : 1)).map(((sum) => (step: number) => (sum += step))(0));
  const mine = group[index] ?? 1;
  if (mine > 1) return true;
  // In the first group, --link starts a shorter source over.
  return options.link && group.filter((g) => g === mine).length > 1;
}

/** Copies a source to `path` (mode 0600), streamed. */
async function spool(from: Readable | FileHandle, path: string, shown: string, stop: AbortSignal): Promise<void> {
  const input = 'createReadStream' in from ? from.createReadStream({ autoClose: true }) : from;
  try {
    await pipeline(input, createWriteStream(path, { mode: 0o600, flags: 'wx' }), { signal: stop });
  } catch (error) {
    if (stop.aborted) throw error;
    const name = shown === '-' ? 'stdin' : `'${shown}'`;
    throw new Error(`reading input source ${name} into a private copy failed: ${messageOf(error)}`, { cause: error });
  }
}
