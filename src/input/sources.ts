// Opens the input files (or stdin) up front, so an unreadable one fails before any job starts.

import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { UsageError, messageOf } from '../errors.js';

/** An opened input: a file handle, or stdin for "-". */
export type InputSource =
  | { kind: 'file'; path: string; handle: FileHandle; /** a regular file, which can be read again from the start */ regular: boolean }
  | { kind: 'stdin' };

/** Opens every `--arg-file` in order ("-" is stdin; none at all means stdin). */
export async function openSources(paths: readonly string[]): Promise<InputSource[]> {
  const sources: InputSource[] = [];
  try {
    for (const path of paths.length === 0 ? ['-'] : paths) {
      sources.push(path === '-' ? { kind: 'stdin' } : { kind: 'file', path, ...(await openFile(path)) });
    }
    return sources;
  } catch (error) {
    await closeSources(sources);
    throw error;
  }
}

async function openFile(path: string): Promise<{ handle: FileHandle; regular: boolean }> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new Error('it is a directory');
    return { handle, regular: stat.isFile() };
  } catch (error) {
    await handle?.close();
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : messageOf(error);
    throw new UsageError(`--arg-file '${path}' cannot be read: ${reason}`);
  }
}

/** Closes the file handles of sources that will not be read. */
export async function closeSources(sources: readonly InputSource[]): Promise<void> {
  await Promise.all(sources.map((source) => (source.kind === 'file' ? source.handle.close() : undefined)));
}

/** The bytes of every source, one after another; every file is closed when reading ends or stops. */
export async function* readSources(sources: readonly InputSource[], stdin: Readable): AsyncGenerator<Buffer | string> {
  let next = 0;
  try {
    for (; next < sources.length; next++) {
      const source = sources[next] as InputSource;
      if (source.kind === 'stdin') {
        yield* stdin;
        continue;
      }
      // autoClose: the stream closes the handle once it ends or is destroyed.
      const stream = source.handle.createReadStream({ start: source.regular ? 0 : undefined, highWaterMark: 64 * 1024, autoClose: true });
      try {
        for await (const chunk of stream) yield chunk as Buffer;
      } catch (error) {
        throw new Error(`reading '${source.path}' failed: ${messageOf(error)}`, { cause: error });
      } finally {
        stream.destroy();
      }
    }
  } finally {
    await closeSources(sources.slice(next + 1));
  }
}
