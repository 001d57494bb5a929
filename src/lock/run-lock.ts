// --lock: one qrun at a time per lock file (cron runs must not overlap), with stale-lock handling
// by proper-lockfile: a lock whose holder stopped refreshing it (killed, machine reset) is stale.

import { setTimeout as sleep } from 'node:timers/promises';
import { ExitCode, UsageError, messageOf } from '../errors.js';

/** Another qrun holds the lock: exit 254, before anything runs. */
export class LockedError extends UsageError {
  override readonly name = 'LockedError';
  readonly exitCode = ExitCode.locked;
}

/** A held lock; `release` is safe to call more than once. */
export interface RunLock {
  readonly release: () => Promise<void>;
}

/** How often a waiting qrun tries the lock again. */
const retryMs = 200;
/** A lock not refreshed for this long is stale (its holder refreshes it every stale/2). */
const staleMs = 10_000;

/**
 * Takes the lock at `path` (a directory created atomically), waiting up to `waitMs` for another
 * holder to let go; `stop` aborts the wait. Throws LockedError when it stays held.
 */
export async function takeLock(path: string, waitMs: number, stop: AbortSignal | undefined, warn: (text: string) => void): Promise<RunLock> {
  const { default: lockfile } = await import('proper-lockfile');
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const release = await lockfile.lock(path, {
        realpath: false,
        lockfilePath: path,
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
        throw new LockedError(`another qrun holds --lock '${path}'${waited}: not started`);
      }
      await sleep(Math.min(retryMs, Math.max(1, deadline - Date.now())), undefined, { signal: stop }).catch(() => undefined);
    }
  }
}
