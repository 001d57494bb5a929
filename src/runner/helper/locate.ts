// Where the prebuilt spawn helper for this machine is, if there is one.

import { accessSync, constants, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The helper binaries ship for these (Linux only: it reopens capture files through /proc). */
const supported = new Set(['x64', 'arm64']);

/** The binary's file name for a CPU architecture. */
export function helperName(arch: string): string {
  return `qrun-spawn-linux-${arch}`;
}

/**
 * The helper for this platform: `native/bin/qrun-spawn-linux-<arch>` in qrun's package (found by
 * walking up from this module: it runs from dist/bundle/ or dist/src/…), or why there is none.
 */
export function locateHelper(platform: string = process.platform, arch: string = process.arch, from: string = dirname(fileURLToPath(import.meta.url))): { path: string } | { reason: string } {
  if (platform !== 'linux' || !supported.has(arch)) return { reason: `no helper is built for ${platform}-${arch}` };
  let dir = from;
  for (let up = 0; up < 6; up++) {
    const path = join(dir, 'native', 'bin', helperName(arch));
    try {
      accessSync(path, constants.X_OK);
      return { path };
    } catch (error) {
      // There, but not runnable: say why (a noexec mount refuses X_OK too), rather than "not built".
      if (existsSync(path)) return { reason: `${path} cannot be run here: ${(error as NodeJS.ErrnoException).code ?? 'EACCES'} (a file system mounted noexec, or no execute permission)` };
      dir = dirname(dir);
    }
  }
  return { reason: `${helperName(arch)} is not in this installation (built without a C compiler?)` };
}
