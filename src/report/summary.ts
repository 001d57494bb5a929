// The end-of-run summary printed on stderr.

import { formatDuration } from '../duration.js';
import { describeEnd } from '../jobs/job.js';
import type { RunStats } from './stats.js';

/** How many failed jobs the summary text names. */
const shownFailures = 5;

/** The summary text: counts, elapsed time, and the first failed commands. */
export function formatSummary(stats: RunStats, elapsedMs: number, why: { interruptedBy: string | undefined; haltedBy: string | undefined }): string {
  const total = stats.finished + stats.notStarted;
  const parts = [`${stats.succeeded} succeeded`, `${stats.failed} failed`];
  if (stats.timedOut > 0) parts.push(`${stats.timedOut} timed out`);
  if (stats.canceled > 0) parts.push(`${stats.canceled} canceled`);
  parts.push(`${stats.notStarted} not started`);
  if (stats.retried > 0) parts.push(`${stats.retried} retried`);
  if (stats.skipped > 0) parts.push(`${stats.skipped} skipped (done in the joblog)`);
  const head = why.interruptedBy ? `interrupted by ${why.interruptedBy}: ` : why.haltedBy ? `halted (${why.haltedBy}): ` : '';
  const lines = [`qrun: ${head}${total} ${total === 1 ? 'job' : 'jobs'} in ${formatDuration(elapsedMs)}: ${parts.join(', ')}`];
  if (stats.notStarted > 0) {
    const range = stats.firstNotStarted === stats.lastNotStarted ? `#${stats.firstNotStarted}` : `#${stats.firstNotStarted}-#${stats.lastNotStarted}`;
    lines.push(`  not started: ${range}`);
  }
  for (const failure of stats.failures.slice(0, shownFailures)) {
    lines.push(`  failed #${failure.job.seq}, ${describeEnd(failure)}${failure.command === '' ? '' : `: ${oneLine(failure.command)}`}`);
  }
  const shown = Math.min(stats.failures.length, shownFailures);
  if (stats.failed > shown) lines.push(`  ... and ${stats.failed - shown} more failed`);
  return `${lines.join('\n')}\n`;
}

function oneLine(command: string): string {
  const flat = command.replace(/\s*\n\s*/g, ' ');
  return flat.length > 120 ? `${flat.slice(0, 117)}...` : flat;
}
