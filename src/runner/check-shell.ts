// --shell must name a program that can run, checked before any job starts.

import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UsageError } from '../errors.js';

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Throws a UsageError unless `shell` is an executable path, or a name found on PATH. */
export function checkShell(shell: string, pathEnv: string | undefined): void {
  const found = shell.includes('/')
    ? isExecutableFile(shell)
    : (pathEnv ?? '').split(delimiter).some((dir) => dir !== '' && isExecutableFile(join(dir, shell)));
  if (!found) throw new UsageError(`--shell '${shell}' is not an executable program`);
}
