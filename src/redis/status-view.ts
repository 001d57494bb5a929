// `qrun status` as text: the workers, the runs in progress and the queue, in aligned columns.

import type { FleetStatus } from './fleet-status.js';

/** The status as lines of text. */
export function statusText(status: FleetStatus, shown: string): string {
  const ago = (at: number): string => `${Math.max(0, Math.round((status.at - at) / 1000))}s ago`;
  const lines = [`queue '${status.queue}' on ${shown}: ${status.jobs.waiting} waiting, ${status.jobs.active} active${status.jobs.delayed > 0 ? `, ${status.jobs.delayed} delayed` : ''}`, ''];
  if (status.workers.length === 0) lines.push('workers: none');
  else {
    lines.push(`workers: ${status.workers.length}`);
    lines.push(
      ...table(
        ['NAME', 'HOST', 'PID', '-c', 'RUNNING', 'DONE', 'FAILED', 'UP', 'SEEN', 'VERSION'],
        status.workers.map((w) => [w.name, w.host, String(w.pid), String(w.concurrency), String(w.running), String(w.done), String(w.failed), duration(status.at - w.startedAt), ago(w.seenAt), w.version]),
      ),
    );
  }
  lines.push('');
  if (status.runs.length === 0) lines.push('runs in progress: none');
  else {
    lines.push(`runs in progress: ${status.runs.length}`);
    lines.push(
      ...table(
        ['RUN', 'HOST', 'PID', 'STARTED', 'DONE', 'RATE', 'FAILED', 'QUEUED'],
        status.runs.map((r) => {
          const seconds = Math.max(1, (status.at - r.startedAt) / 1000);
          return [r.run, r.host, String(r.pid), `${duration(status.at - r.startedAt)} ago`, r.total === null ? String(r.done) : `${r.done}/${r.total}`, `${(r.done / seconds).toFixed(1)}/s`, String(r.failed), String(r.queued)];
        }),
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Columns padded to their widest cell; control characters in names shown escaped. */
function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  // eslint-disable-next-line no-control-regex
  const clean = (cell: string): string => cell.replace(/[\u0000-\u001f\u007f]/g, '?');
  const all = [head, ...rows.map((row) => row.map(clean))];
  const widths = head.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all.map((row) => `  ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd());
}

function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
