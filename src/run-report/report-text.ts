// The report as plain text, for a terminal: the totals, the slowest jobs and the failures.

import type { NamedJob, ReportModel } from './report-model.js';

const shown = 10;

/** The text view of a report. */
export function reportText(model: ReportModel): string {
  const q = model.quantiles;
  const lines = [
    model.title,
    `jobs ${model.jobs}: ${model.succeeded} succeeded, ${model.failed} failed, ${model.killed} killed or timed out`,
    `wall time ${seconds(model.wallSeconds)}, busy ${seconds(model.busySeconds)}, at most ${model.mostRunning} at once${model.hosts.length > 1 ? ` on ${model.hosts.length} hosts` : ''}`,
    `run times: median ${seconds(q.median)}, 90th percentile ${seconds(q.p90)}, 99th ${seconds(q.p99)}, longest ${seconds(q.max)}`,
  ];
  if (model.queue?.verdict !== undefined) lines.push(model.queue.verdict);
  if (model.exitCode !== undefined) lines.push(`exit status ${model.exitCode}`);
  lines.push('', 'slowest jobs:', ...model.slowest.slice(0, shown).map(jobLine));
  const failures = model.failed + model.killed;
  if (failures > 0) {
    lines.push('', `failures (${failures}${failures > shown ? `, the first ${shown}` : ''}):`, ...model.failures.slice(0, shown).map(jobLine));
  }
  return `${lines.join('\n')}\n`;
}

function jobLine(job: NamedJob): string {
  const end = job.signal !== 0 ? `signal ${job.signal}` : `exit ${job.exitval}`;
  // A command is one line here: its control characters are shown escaped.
  // eslint-disable-next-line no-control-regex
  const command = job.command.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `  #${job.seq}  ${seconds(job.runtime).padStart(9)}  ${end.padEnd(9)}  ${job.host === ':' ? '' : `${job.host}  `}${command}`;
}

/** Seconds as the report shows them: 0.250s, 12.5s, 3m05s, 1h02m. */
export function seconds(s: number): string {
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  if (s >= 10) return `${s.toFixed(1)}s`;
  return `${s.toFixed(3)}s`;
}
