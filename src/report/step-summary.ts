// The GitHub Actions job summary: a short Markdown report of the run appended to
// $GITHUB_STEP_SUMMARY, so a failed step shows why on the run's page.

import { closeSync, openSync, writeSync } from 'node:fs';
import { formatDuration } from '../duration.js';
import { messageOf } from '../errors.js';
import type { RunSummary } from './run-summary.js';

/** Failed jobs listed in the table; the rest are counted. */
const listed = 20;
/** A command longer than this is cut (with …) in the table. */
const commandChars = 200;

/**
 * Text for a Markdown table cell: the characters Markdown or HTML would read as markup are
 * escaped, line breaks become spaces, and it is cut to `max` characters.
 */
export function markdownCell(text: string, max = Infinity): string {
  const flat = text.replace(/[\r\n\t]+/g, ' ');
  const cut = flat.length > max ? `${flat.slice(0, max)}…` : flat;
  return cut.replace(/[\\`*_[\]<>|&#~]/g, (char) => (char === '<' ? '&lt;' : char === '>' ? '&gt;' : char === '&' ? '&amp;' : `\\${char}`));
}

/** The summary as Markdown: a heading with the outcome, the counts, and the first failed jobs. */
export function stepSummaryMarkdown(summary: RunSummary): string {
  const total = summary.succeeded + summary.failed + summary.notStarted;
  const outcome = summary.exitCode === 0 ? 'succeeded' : `exit ${summary.exitCode}`;
  const lines = [`### qrun: ${total} ${total === 1 ? 'job' : 'jobs'} in ${formatDuration(summary.elapsedMs)}, ${outcome}`, ''];
  const why = [
    summary.haltedBy === undefined ? undefined : `halted: ${summary.haltedBy}`,
    summary.interruptedBy === undefined ? undefined : `interrupted by ${summary.interruptedBy}`,
    summary.error === undefined ? undefined : `qrun failed: ${summary.error}`,
  ].filter((line) => line !== undefined);
  for (const line of why) lines.push(`**${markdownCell(line)}**`, '');
  lines.push('| succeeded | failed | timed out | not started | retried | skipped (--resume) |', '| ---: | ---: | ---: | ---: | ---: | ---: |');
  lines.push(`| ${summary.succeeded} | ${summary.failed} | ${summary.timedOut} | ${summary.notStarted} | ${summary.retried} | ${summary.skipped} |`, '');
  if (summary.failures.length > 0) {
    lines.push('| job | how it ended | command |', '| ---: | --- | --- |');
    for (const failure of summary.failures.slice(0, listed)) lines.push(`| #${failure.seq} | ${markdownCell(failure.end, commandChars)} | ${failure.command === '' ? '' : `<code>${markdownCell(failure.command, commandChars)}</code>`} |`);
    const more = summary.failed - Math.min(summary.failures.length, listed);
    if (more > 0) lines.push('', `…and ${more} more failed ${more === 1 ? 'job' : 'jobs'} (the joblog or \`--summary-json\` has them).`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Appends the summary to the file GitHub Actions names in $GITHUB_STEP_SUMMARY. Returns a
 * one-line reason if it cannot (the run's outcome is not changed by it).
 */
export function appendStepSummary(path: string, summary: RunSummary): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'a', 0o644);
    const bytes = Buffer.from(stepSummaryMarkdown(summary));
    for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written);
    return undefined;
  } catch (error) {
    return `cannot append the job summary to GITHUB_STEP_SUMMARY '${path}': ${(error as NodeJS.ErrnoException).code ?? messageOf(error)}`;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
