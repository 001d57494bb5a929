// -j <file>: the number of jobs at once a file holds, in any -j form; read at the start (a bad
// one refuses the run) and again when it changes while the run goes on.

import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { UsageError, messageOf } from '../errors.js';
import { parseSlotSpec, slotCount, slotForms } from './slot-spec.js';

/** The number the file says now; a UsageError naming the file when it cannot be read or holds no -j form. */
export function slotsInFile(path: string, cpus: number, openFiles: () => number | undefined): number {
  let text: string;
  try {
    // A regular file only (a FIFO would block the run's every job completion), and its start only.
    if (!statSync(path).isFile()) throw new Error('not a regular file');
    const fd = openSync(path, 'r');
    try {
      const start = Buffer.alloc(64);
      text = start.subarray(0, readSync(fd, start, 0, start.length, 0)).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw new UsageError(`-j '${path}' cannot be read: ${messageOf(error)}`);
  }
  const spec = parseSlotSpec(text.trim());
  if (spec === undefined) throw new UsageError(`-j '${path}' must hold ${slotForms}, got '${text.trim().slice(0, 40)}'`);
  return slotCount(spec, cpus, openFiles);
}

/**
 * Reads the file again when it changed since the last look (size or modification time), as a job
 * completes; `warn` is told once of a file that no longer holds a number (the limit stays).
 */
export function slotFileWatcher(path: string, cpus: number, openFiles: () => number | undefined, warn: (text: string) => void): () => number | undefined {
  let seen = stamp(path);
  let warned = false;
  return () => {
    const now = stamp(path);
    if (now === seen) return undefined;
    seen = now;
    try {
      return slotsInFile(path, cpus, openFiles);
    } catch (error) {
      if (!warned) warn(`${messageOf(error)}: the number of jobs at once stays as it was`);
      warned = true;
      return undefined;
    }
  };
}

function stamp(path: string): string {
  try {
    const stat = statSync(path);
    return `${stat.size}:${stat.mtimeMs}`;
  } catch {
    return 'missing';
  }
}
