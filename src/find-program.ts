// Looking a program up as a shell would: a path with a slash as it is, a bare name on PATH.

import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Where `program` runs from (an executable file), or undefined if it is nowhere. */
export function findProgram(program: string, pathEnv: string | undefined): string | undefined {
  if (program.includes('/')) return isExecutableFile(program) ? program : undefined;
  return (pathEnv ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, program))
    .find(isExecutableFile);
}
