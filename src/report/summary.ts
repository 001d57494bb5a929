// The end-of-run summary printed on stderr.

import { formatDuration } from '../duration.js';
import { describeEnd, type JobResult } from '../jobs/job.js';
import { atDebug } from './logger.js';
import { describeQueue } from './metrics/queue-metrics.js';
import type { RunSummary } from './run-summary.js';
import type { RunStats } from './stats.js';
import { paint as noPaint, type Paint } from './terminal/colors.js';

/** How many failed jobs the summary text names. */
const shownFailures = 5;

/** How the run ended besides its counts, and where a reader can find what the text leaves out. */
export interface SummaryContext {
  readonly interruptedBy: string | undefined;
  readonly haltedBy: string | undefined;
  /** The --joblog file, if any (not "-"): every failed job is there. */
  readonly joblog: string | undefined;
  readonly paint?: Paint;
}

/**
 * The summary text. Counts add up as read: "10 jobs: 4 succeeded, 6 failed (1 timed out), 0 not
 * started"; timed-out and signalled jobs are listed before plain failures.
 */
export function formatSummary(stats: RunStats, elapsedMs: number, context: SummaryContext): string {
  const paint = context.paint ?? noPaint(false);
  const total = stats.finished + stats.notStarted + stats.notRecorded;
  const how = [
    ...(stats.timedOut > 0 ? [`${stats.timedOut} timed out`] : []),
    ...(stats.canceled > 0 ? [`${stats.canceled} canceled`] : []),
  ];
  const failed = `${stats.failed} failed${how.length > 0 ? ` (${how.join(', ')})` : ''}`;
  const parts = [
    stats.succeeded > 0 ? paint.green(`${stats.succeeded} succeeded`) : `${stats.succeeded} succeeded`,
    stats.failed > 0 ? paint.red(failed) : failed,
    `${stats.notStarted} not started`,
  ];
  if (stats.notRecorded > 0) parts.push(`${stats.notRecorded} not recorded`);
  if (stats.retried > 0) parts.push(`${stats.retried} retried`);
  if (stats.skipped > 0) parts.push(`${stats.skipped} skipped (done in the joblog)`);
  const head = context.interruptedBy ? `interrupted by ${context.interruptedBy}: ` : context.haltedBy ? `halted (${context.haltedBy}): ` : '';
  const lines = [`qrun: ${head}${total} ${total === 1 ? 'job' : 'jobs'} in ${formatDuration(elapsedMs)}: ${parts.join(', ')}`];
  if (stats.notStarted > 0) {
    const range = stats.firstNotStarted === stats.lastNotStarted ? `#${stats.firstNotStarted}` : `#${stats.firstNotStarted}-#${stats.lastNotStarted}`;
    lines.push(`  not started: ${range}`);
  }
  const shown = [...stats.failures].sort((a, b) => severity(a) - severity(b)).slice(0, shownFailures);
  for (const failure of shown) {
    lines.push(`  ${paint.red(`failed #${failure.job.seq}`)}, ${describeEnd(failure)}${failure.command === '' ? '' : `: ${oneLine(failure.command)}`}`);
  }
  if (stats.failed > shown.length) {
    const where = context.joblog !== undefined ? `: every failed job is in --joblog ${context.joblog}` : ' (--joblog <file> or --summary-json <file> lists them)';
    lines.push(`  ... and ${stats.failed - shown.length} more failed${where}`);
  }
  return `${lines.join('\n')}\n`;
}

/** What decides whether the summary is printed. */
export interface SummaryChoice {
  readonly quiet: boolean;
  readonly silent: boolean;
  readonly dryRun: boolean;
  readonly logLevel: string;
}

/**
 * The text printed at the end of a run, or undefined for none: -q prints it only when the run did
 * not succeed (cron mails only failures), --silent and --dry-run never; at debug, a queue line.
 */
export function summaryText(choice: SummaryChoice, stats: RunStats, summary: RunSummary, context: SummaryContext): string | undefined {
  if (choice.silent || choice.dryRun || (choice.quiet && summary.exitCode === 0)) return undefined;
  // The reader of stdout left: 141, quietly (as GNU parallel), unless qrun itself failed.
  if (summary.brokenPipe && summary.error === undefined) return undefined;
  if (stats.finished + stats.notStarted + stats.notRecorded + stats.skipped === 0) return undefined;
  const text = formatSummary(stats, summary.elapsedMs, context);
  // At debug: whether the input or the workers held the run back.
  return atDebug(choice.logLevel) && summary.queue !== undefined ? `${text}  ${describeQueue(summary.queue)}\n` : text;
}

/** Timed-out jobs first, then those ended by a signal, then plain failures (stable within each). */
function severity(result: JobResult): number {
  if (result.timedOut) return 0;
  if (result.signal !== null) return 1;
  return 2;
}

/** A command on one line, at most 120 characters, as the summary and labels show it. */
export function oneLine(command: string): string {
  const flat = command.replace(/\s*\n\s*/g, ' ');
  return flat.length > 120 ? `${flat.slice(0, 117)}...` : flat;
}
