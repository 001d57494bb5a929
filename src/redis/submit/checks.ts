// The submitter's periodic checks: reconciliation (a job BullMQ failed or lost never sends its
// end record) and the watch for workers (jobs wait or run and no worker is connected).

import { formatDuration } from '../../duration.js';
import { failure, type Pending, type PendingJobs } from './pending.js';
import type { SubmitterSession } from './session.js';
import type { Submissions } from './submissions.js';

const noWorkerNoticeMs = 3000;
/** Each job in flight has its BullMQ state looked up this often, at most `reconcileBatch` a second. */
const reconcileEveryMs = 5000;
const reconcileBatch = 100;
/**
 * How often a job lost from the queue with no Redis restart to explain it is queued again. A loss
 * after a reconnect since it was queued (Redis restarted without its data) is always queued again:
 * each such resubmission spends one reconnect, so they are as many as the restarts at most.
 */
const maxResubmits = 3;

/** What the checks need to know and may do. */
export interface ChecksDeps {
  readonly session: SubmitterSession;
  readonly pending: PendingJobs;
  readonly submissions: Submissions;
  readonly queueName: string;
  readonly shown: string;
  /** Give up when no worker has been connected this long; undefined: only say so. */
  readonly waitWorkersMs: number | undefined;
  readonly notice: (text: string) => void;
  readonly fail: (error: Error) => void;
}

/** Runs both checks once a second, one round at a time (a slow Redis must not pile them up); returns the stop. */
export function startChecks(deps: ChecksDeps): () => void {
  const watch = workerWatch(deps);
  let checking = false;
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    void Promise.all([reconcile(deps).catch(() => undefined), watch().catch(() => undefined)]).finally(() => (checking = false));
  }, 1000);
  return () => clearInterval(timer);
}

/** Looks up the BullMQ state of the attempts due for a check, and settles those that cannot end otherwise. */
export async function reconcile(deps: Pick<ChecksDeps, 'session' | 'pending' | 'submissions'>): Promise<void> {
  const { session, pending } = deps;
  const now = Date.now();
  const due: Pending[] = [];
  for (const entry of pending.all()) {
    if (due.length >= reconcileBatch) break;
    if (entry.batched || now - entry.checkedAt < reconcileEveryMs) continue;
    entry.checkedAt = now;
    due.push(entry);
  }
  const states = await Promise.all(due.map((entry) => session.queue.getJobState(entry.id).catch(() => 'error' as const)));
  for (const [index, entry] of due.entries()) {
    const state = states[index];
    if (state === 'failed') {
      const job = await session.queue.getJob(entry.id).catch(() => undefined);
      pending.finish(entry, failure(`failed in the queue: ${job?.failedReason ?? 'unknown reason'}`, entry.queuedAt));
      void session.queue.remove(entry.id).catch(() => undefined);
    } else if (state === 'unknown' || state === 'completed') {
      // Give the stream a moment: the end record may still be on its way.
      if (++entry.orphanChecks < 3) continue;
      // Gone from the queue with no result (Redis restarted without its data).
      if (state === 'unknown' && (session.reconnects > entry.reconnectsAtQueue || entry.resubmits < maxResubmits)) await deps.submissions.queueAgain(entry, 'lost');
      else pending.finish(entry, failure(state === 'unknown' ? 'lost from the Redis queue' : 'finished on its worker, but its result never arrived', entry.queuedAt));
    }
  }
}

/** Whenever jobs wait or run and no worker is connected (none started yet, or every one died): said once, and --wait-workers gives up. */
function workerWatch(deps: ChecksDeps): () => Promise<void> {
  const { session, pending } = deps;
  let noWorkersSince: number | undefined;
  let noticed = false;
  return async () => {
    if (pending.size === 0 || (await session.queue.getWorkersCount()) > 0) {
      noWorkersSince = undefined;
      return;
    }
    noWorkersSince ??= Date.now();
    const waited = Date.now() - noWorkersSince;
    if (!noticed && waited >= noWorkerNoticeMs) {
      noticed = true;
      deps.notice(`qrun: no worker is taking jobs from queue '${deps.queueName}' on ${deps.shown}; start one with: qrun worker --redis ${deps.shown} --queue ${deps.queueName}`);
    }
    if (deps.waitWorkersMs === undefined || waited < deps.waitWorkersMs) return;
    const started = pending.all().some((entry) => entry.exec !== undefined);
    const limit = formatDuration(deps.waitWorkersMs);
    deps.fail(new Error(started ? `no worker has been connected to queue '${deps.queueName}' for --wait-workers ${limit} (the workers running this run's jobs stopped)` : `no worker took a job from queue '${deps.queueName}' within --wait-workers ${limit}`));
    // Jobs that never started: not started, taken back from the queue; jobs whose worker died
    // with them: canceled with the reason. Neither gets a joblog row: --resume runs them.
    for (const entry of pending.all()) void session.queue.remove(entry.id).catch(() => undefined);
    pending.giveUp('its worker is gone and no other worker is connected', true);
  };
}
