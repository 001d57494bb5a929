// --shell must name a program that can run, checked before any job starts.

import { UsageError } from '../errors.js';
import { findProgram } from '../find-program.js';

/** Throws a UsageError unless `shell` is an executable path, or a name found on PATH. */
export function checkShell(shell: string, pathEnv: string | undefined): void {
  if (findProgram(shell, pathEnv) === undefined) throw new UsageError(`--shell '${shell}' is not an executable program`);
}
