// Writes a report where it was asked: a new file appears whole or not at all (written beside it,
// then renamed), through a symlink to its target, and straight into a device or a pipe.

import { lstatSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Writes `text` to `path`; throws the system's error. */
export function writeReportFile(path: string, text: string): void {
  let target = path;
  let kind: 'file' | 'other' = 'file';
  try {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) {
      target = realpathSync(path);
      kind = lstatSync(target).isFile() ? 'file' : 'other';
    } else if (!stat.isFile()) kind = 'other';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (kind === 'other') {
    writeFileSync(target, text);
    return;
  }
  const temporary = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, text, { mode: 0o644 });
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
