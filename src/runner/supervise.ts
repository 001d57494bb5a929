// What every local executor does around one job's process group: its timeout, the kill phase,
// the leftover-group SIGTERM when the shell exits, and the rest of the --term-seq after it.

import { groupGone, type ProcessGroups, signalGroup } from './process-groups.js';
import type { TermSeq } from './term-seq.js';

/** How a supervised job ended, as far as qrun's own actions go. */
export interface Supervision {
  readonly timedOut: boolean;
  readonly canceled: boolean;
  /** Killed to free memory (--memfree). */
  readonly evicted: boolean;
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
  /** A limit that changes while the job runs (--timeout N%): read again at least every `recheckMs`. */
  readonly timeLimit?: (() => number | undefined) | undefined;
  /** How the group is killed: the first signal, then each next one if it is still there. */
  readonly termSeq: TermSeq;
  /** The run's kill phase (second signal, --halt now, a failure of qrun). */
  readonly kill: AbortSignal;
  /** This job alone is to be killed (--memfree). */
  readonly evict?: AbortSignal | undefined;
  readonly groups: ProcessGroups;
  readonly onGroup?: ((pgid: number, live: boolean) => void) | undefined;
}

/** How often a limit that changes (--timeout N%) is read again while a job runs. */
const recheckMs = 250;

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
  let evicted = false;
  let exited = false;
  let killTimer: NodeJS.Timeout | undefined;
  let killed: Promise<void> | undefined;
  // The sequence's first signal to the whole group now, each next one after its wait; once per job.
  // `killed` settles when the sequence is over (finish stops waiting sooner if the group is gone).
  const terminate = (): void => {
    const steps = options.termSeq;
    if (killed !== undefined || !signalGroup(pgid, steps[0]?.signal ?? 'SIGTERM')) return;
    killed = new Promise((resolve) => {
      const wait = (index: number): void => {
        killTimer = setTimeout(() => {
          const next = steps[index + 1];
          if (next === undefined || !signalGroup(pgid, next.signal)) return resolve();
          wait(index + 1);
        }, steps[index]?.waitMs ?? 0);
      };
      wait(0);
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
  const timeOut = (): void => {
    timedOut = true;
    terminate();
  };
  let timeoutTimer: NodeJS.Timeout | undefined;
  const { timeLimit } = options;
  if (timeLimit !== undefined) {
    const started = performance.now();
    const check = (): void => {
      const limit = timeLimit();
      const left = limit === undefined ? Infinity : limit - (performance.now() - started);
      if (left <= 0) return timeOut();
      timeoutTimer = setTimeout(check, Math.min(left, recheckMs));
    };
    check();
  } else if (options.timeoutMs !== undefined) {
    timeoutTimer = setTimeout(timeOut, options.timeoutMs);
  }
  const stopWaiting = whenAborted(options.kill, onKill);
  const onEvict = (): void => {
    if (exited) return;
    evicted = true;
    terminate();
  };
  options.evict?.addEventListener('abort', onEvict, { once: true });
  return {
    exited: (empty) => {
      exited = true;
      // Whatever the shell left in its group (e.g. `sleep 100 &`) must not hold the output, and qrun, open.
      if (empty !== true) terminate();
    },
    finish: async () => {
      clearTimeout(timeoutTimer);
      stopWaiting();
      options.evict?.removeEventListener('abort', onEvict);
      // Members that ignore SIGTERM get the rest of the sequence (by default SIGKILL after 2 s).
      if (killed !== undefined) await groupGone(pgid, 50, killed);
      clearTimeout(killTimer);
      options.groups.delete(pgid);
      options.onGroup?.(pgid, false);
      return { timedOut, canceled, evicted };
    },
  };
}
