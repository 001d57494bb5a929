// The words of the live status line, from the run's counts: pure, so every state can be tested.

import type { RunStats } from '../stats.js';

/** What the status line shows. */
export interface ProgressState {
  readonly stats: RunStats;
  /** Jobs read ahead into the queue. */
  readonly queued: number;
  /** Jobs in the whole input, once known (input from regular files, or a library array). */
  readonly total: number | undefined;
  readonly elapsedMs: number;
  /** Set once the first signal stopped the run. */
  readonly stopping: StoppingState | undefined;
}

/** A run draining after its first signal. */
export interface StoppingState {
  readonly signal: string;
  /** When running jobs will be terminated (undefined: they may finish, however long). */
  readonly killInMs: number | undefined;
}

const barWidth = 20;

/**
 * "[#####---------------] 25% 10/40 done (1 failed), 4 running, 0:12, ETA 0:36" when the total
 * is known, else "10 done (1 failed), 4 running, 8 read ahead, 0:12, 0.8 jobs/s"; while stopping,
 * "stopping (SIGINT): 4 running, killed in 0:03, Ctrl-C again kills them now; 10 done (1 failed)".
 */
export function progressText(state: ProgressState): string {
  const { stats } = state;
  // Jobs skipped by --resume count as done: the bar then reaches its end.
  const done = stats.finished + stats.skipped;
  const failed = stats.failed > 0 ? ` (${stats.failed} failed)` : '';
  if (state.stopping !== undefined) {
    const again = state.stopping.signal === 'SIGINT' ? 'Ctrl-C' : state.stopping.signal;
    const when = state.stopping.killInMs === undefined ? 'they may finish' : `killed in ${clock(state.stopping.killInMs)}`;
    return `stopping (${state.stopping.signal}): ${stats.running} running, ${when}; ${again} again kills them now; ${done} done${failed}`;
  }
  const elapsed = clock(state.elapsedMs);
  if (state.total !== undefined && state.total > 0) {
    const total = Math.max(state.total, done + stats.running);
    const fraction = done / total;
    const filled = Math.round(fraction * barWidth);
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]`;
    const eta = done > 0 ? `, ETA ${clock((state.elapsedMs / done) * (total - done))}` : '';
    return `${bar} ${Math.floor(fraction * 100)}% ${done}/${total} done${failed}, ${stats.running} running, ${elapsed}${eta}`;
  }
  const seconds = state.elapsedMs / 1000;
  const rate = seconds > 0 ? (stats.finished / seconds).toFixed(1) : '0.0';
  return `${done} done${failed}, ${stats.running} running, ${state.queued} read ahead, ${elapsed}, ${rate} jobs/s`;
}

/** "0:07", "12:34", "1:02:03": a span as a clock shows it. */
export function clock(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}
