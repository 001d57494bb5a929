// What every local executor does around one job's process group: its timeout, the kill phase,
// the leftover-group SIGTERM when the shell exits, and SIGKILL after --kill-after.

import { groupGone, type ProcessGroups, signalGroup } from './process-groups.js';

/** How a supervised job ended, as far as qrun's own actions go. */
export interface Supervision {
  readonly timedOut: boolean;
  readonly canceled: boolean;
}

/** One job's group under watch, from its start to its end. */
export interface SupervisedGroup {
  /** The job's shell has exited: whatever it left in its group is terminated too (`empty`: nothing was left). */
  readonly exited: (empty?: boolean) => void;
  /** The job is over: stop watching; resolves once a group qrun terminated is gone (or SIGKILLed). */
  readonly finish: () => Promise<Supervision>;
}

/** What the supervision needs besides the group. */
export interface SuperviseOptions {
  readonly timeoutMs: number | undefined;
  readonly killAfterMs: number;
  /** The run's kill phase (second signal, --halt now, a failure of qrun). */
  readonly kill: AbortSignal;
  readonly groups: ProcessGroups;
  readonly onGroup?: ((pgid: number, live: boolean) => void) | undefined;
}

/** The jobs waiting on each kill signal: one 'abort' listener per run, not one per job. */
const waitingOn = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `onAbort` when `signal` aborts (at once if it has); returns how to stop waiting. */
function whenAborted(signal: AbortSignal, onAbort: () => void): () => void {
  if (signal.aborted) {
    onAbort();
    return () => undefined;
  }
  let waiting = waitingOn.get(signal);
  if (waiting === undefined) {
    const set = new Set<() => void>();
    waiting = set;
    waitingOn.set(signal, set);
    signal.addEventListener('abort', () => {
      for (const callback of set) callback();
      set.clear();
    }, { once: true });
  }
  waiting.add(onAbort);
  const set = waiting;
  return () => void set.delete(onAbort);
}

/** Watches the job whose process group is `pgid` (its shell is the group's leader). */
export function supervise(pgid: number, options: SuperviseOptions): SupervisedGroup {
  let timedOut = false;
  let canceled = false;
  let exited = false;
  let killTimer: NodeJS.Timeout | undefined;
  let killed: Promise<void> | undefined;
  // SIGTERM to the whole group now, SIGKILL after the grace period; once per job.
  const terminate = (): void => {
    if (killed !== undefined || !signalGroup(pgid, 'SIGTERM')) return;
    killed = new Promise((resolve) => {
      killTimer = setTimeout(() => {
        signalGroup(pgid, 'SIGKILL');
        resolve();
      }, options.killAfterMs);
    });
  };
  // A job is canceled only if the kill reached it while its shell still ran: one that
  // exited by itself as --halt now or a second signal came is not.
  const onKill = (): void => {
    if (exited) return;
    canceled = true;
    terminate();
  };
  options.groups.add(pgid);
  options.onGroup?.(pgid, true);
  const timeoutTimer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          terminate();
        }, options.timeoutMs);
  const stopWaiting = whenAborted(options.kill, onKill);
  return {
    exited: (empty) => {
      exited = true;
      // Whatever the shell left in its group (e.g. `sleep 100 &`) must not hold the output, and qrun, open.
      if (empty !== true) terminate();
    },
    finish: async () => {
      clearTimeout(timeoutTimer);
      stopWaiting();
      // Members that ignore SIGTERM get their grace period, then SIGKILL.
      if (killed !== undefined) await groupGone(pgid, 50, killed);
      clearTimeout(killTimer);
      options.groups.delete(pgid);
      options.onGroup?.(pgid, false);
      return { timedOut, canceled };
    },
  };
}
