// GitHub Actions workflow commands: an `::error::` line for each failed job, shown on the run's page.

import { describeEnd, isFailure } from '../jobs/job.js';
import type { EventSink } from './events.js';

/** A workflow command's message: %, CR and LF escaped as the runner expects. */
export function escapeWorkflowData(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

/** A workflow command's property value: also ':' and ','. */
function escapeProperty(text: string): string {
  return escapeWorkflowData(text).replaceAll(':', '%3A').replaceAll(',', '%2C');
}

/** The `::error::` line of a failed job. */
export function errorAnnotation(seq: number, end: string, command: string): string {
  const title = escapeProperty(`qrun job #${seq} failed (${end})`);
  return `::error title=${title}::${escapeWorkflowData(command === '' ? end : `${end}: ${command}`)}\n`;
}

/** Writes an `::error::` line for each job recorded as failed (after its output). */
export function githubAnnotations(write: (line: string) => void): EventSink {
  return (event) => {
    if (event.kind !== 'job-finished' || !isFailure(event.result)) return;
    write(errorAnnotation(event.result.job.seq, describeEnd(event.result), event.result.command));
  };
}
