// --lock: one qrun at a time per lock file (cron runs must not overlap). The lock is flock(2) on
// the file itself, held by a small `flock(1)` process for as long as qrun runs: the kernel lets go
// when qrun ends in any way (SIGKILL, a reboot), the file may already exist (as `flock -n f cmd`
// leaves it), and cron scripts that use `flock(1)` on the same path are excluded too. Where
// util-linux's flock is missing, a directory lock beside the file (proper-lockfile) is used.

import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExitCode, UsageError, messageOf } from '../errors.js';
import { findProgram } from '../find-program.js';

/** Another qrun holds the lock: exit 254, before anything runs. */
export class LockedError extends UsageError {
  override readonly name = 'LockedError';
  readonly exitCode = ExitCode.locked;
}

/** A held lock; `release` is safe to call more than once. */
export interface RunLock {
  readonly release: () => Promise<void>;
}

/** flock's exit status when the lock stays held (-n, or -w ran out). */
const heldStatus = 75;

/**
 * Takes the lock at `path`, waiting up to `waitMs` for another holder to let go; `stop` aborts
 * the wait. Throws LockedError when it stays held, UsageError when it cannot be taken at all.
 */
export async function takeLock(path: string, waitMs: number, stop: AbortSignal | undefined, warn: (text: string) => void, searchPath = process.env.PATH): Promise<RunLock> {
  refuseFifo(path);
  const flock = findProgram('flock', searchPath);
  if (flock === undefined) return takeDirectoryLock(path, waitMs, stop, warn);
  const wait = waitMs > 0 ? ['-w', (waitMs / 1000).toFixed(3)] : ['-n'];
  // The holder prints a line once it has the lock, then waits for its stdin (qrun) to close. Its
  // own session: a Ctrl-C at the terminal is qrun's to handle, not the lock holder's.
  const holder = spawn(flock, ['-x', ...wait, '-E', String(heldStatus), path, '/bin/sh', '-c', 'echo taken; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  holder.stdin.on('error', () => undefined);
  let stderr = '';
  holder.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const ended = new Promise<number | null>((resolve) => {
    holder.on('close', (status) => resolve(status));
    holder.on('error', () => resolve(null));
  });
  const onStop = (): void => void holder.kill('SIGKILL');
  stop?.addEventListener('abort', onStop, { once: true });
  try {
    const taken = await new Promise<boolean>((resolve) => {
      holder.stdout.setEncoding('utf8').on('data', (text: string) => {
        if (text.includes('taken')) resolve(true);
      });
      void ended.then(() => resolve(false));
    });
    if (!taken) {
      const status = await ended;
      if (status === heldStatus || stop?.aborted === true) {
        const waited = waitMs > 0 ? ` (waited ${Math.round(waitMs / 1000)}s)` : '';
        throw new LockedError(`another process holds --lock '${path}'${waited}: not started`);
      }
      throw new UsageError(`--lock '${path}' cannot be taken: ${stderr.trim().replace(/^flock: /, '') || `flock exited ${status}`}`);
    }
  } finally {
    stop?.removeEventListener('abort', onStop);
  }
  let released: Promise<void> | undefined;
  return {
    release: () => (released ??= (async () => {
      holder.stdin.end();
      await ended;
    })()),
  };
}

/** A FIFO or a socket cannot be a lock: opening a FIFO would wait for a writer forever. */
function refuseFifo(path: string): void {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return;
  }
  if (stat.isFIFO() || stat.isSocket()) throw new UsageError(`--lock '${path}' cannot be taken: it is ${stat.isFIFO() ? 'a FIFO' : 'a socket'}; give a file path`);
}

/** How often a waiting qrun tries the directory lock again. */
const retryMs = 200;
/** A directory lock not refreshed for this long is stale (its holder refreshes it every stale/2). */
const staleMs = 10_000;

/** Without flock(1): a directory `<path>.lock` made atomically and refreshed while qrun runs. */
async function takeDirectoryLock(path: string, waitMs: number, stop: AbortSignal | undefined, warn: (text: string) => void): Promise<RunLock> {
  const { default: lockfile } = await import('proper-lockfile');
  const lockDir = `${path}.lock`;
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const release = await lockfile.lock(path, {
        realpath: false,
        lockfilePath: lockDir,
        stale: staleMs,
        // Losing the lock (its directory removed, the disk gone) is told, not thrown: jobs keep running.
        onCompromised: (error) => warn(`--lock '${path}' was lost while running: ${messageOf(error)}`),
      });
      let released = false;
      return {
        release: async () => {
          if (released) return;
          released = true;
          await release().catch(() => undefined);
        },
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ELOCKED') throw new UsageError(`--lock '${path}' cannot be taken: ${messageOf(error)}`);
      if (Date.now() >= deadline || stop?.aborted === true) {
        const waited = waitMs > 0 ? ` (waited ${Math.round(waitMs / 1000)}s)` : '';
        throw new LockedError(`another qrun holds --lock '${path}' (${lockDir})${waited}: not started`);
      }
      await sleep(Math.min(retryMs, Math.max(1, deadline - Date.now())), undefined, { signal: stop }).catch(() => undefined);
    }
  }
}
