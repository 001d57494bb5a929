// --halt: GNU parallel's rules for stopping a run early, and the exit status they give.

import { constants } from 'node:os';
import { isFailure } from '../jobs/job.js';
import type { RunEvent } from '../report/events.js';

/** A parsed --halt value. */
export type HaltSpec =
  | { readonly when: 'never' }
  | { readonly when: 'soon' | 'now'; readonly why: 'fail' | 'success' | 'done'; readonly count: number; readonly percent: boolean };

const legacy: Record<string, string> = { '0': 'never', '1': 'soon,fail=1', '2': 'now,fail=1', '-1': 'soon,success=1', '-2': 'now,success=1' };

/** Parses "never", "now,fail=1", "soon,success=30%", and GNU parallel's older 0/1/2/-1/-2/N%. */
export function parseHalt(text: string): HaltSpec | undefined {
  let spec = legacy[text] ?? text;
  if (/^\d+%$/.test(spec)) spec = `soon,fail=${spec}`;
  if (spec === 'never') return { when: 'never' };
  const match = /^(soon|now),(fail|success|done)=(\d+)(%?)$/.exec(spec);
  if (!match) return undefined;
  const count = Number(match[3]);
  const percent = match[4] === '%';
  if (count < 1 || (percent && count > 100)) return undefined;
  return { when: match[1] as 'soon' | 'now', why: match[2] as 'fail' | 'success' | 'done', count, percent };
}

/**
 * Watches finished jobs and halts the run when the spec's condition is met: "soon" stops new
 * jobs, "now" also terminates running ones. Decides the exit status the way GNU parallel does.
 */
export class HaltMonitor {
  private failed = 0;
  private succeeded = 0;
  private started = 0;
  private status: number | undefined;
  /** What triggered the halt, for the summary. */
  reason: string | undefined;

  constructor(
    private readonly spec: HaltSpec,
    /** How many jobs the input holds (needed for percentages; counted before the run). */
    private readonly totalJobs: number | undefined,
    private readonly halt: (now: boolean) => void,
  ) {}

  readonly handle = (event: RunEvent): void => {
    if (event.kind === 'job-started') this.started++;
    // Decided as each job ends, not when its output is written (with -k that can be much later).
    if (event.kind !== 'job-ended' || this.spec.when === 'never') return;
    const { result } = event;
    // Jobs qrun itself terminated while halting are not counted towards the halt.
    if (result.canceled) return;
    const failed = isFailure(result);
    if (failed) this.failed++;
    else this.succeeded++;
    if (this.reason !== undefined) return;
    const spec = this.spec;
    const reached = spec.why === 'fail' ? (failed ? this.failed : undefined) : spec.why === 'success' ? (failed ? undefined : this.succeeded) : this.failed + this.succeeded;
    if (reached === undefined) return;
    const threshold = spec.percent ? ((this.totalJobs ?? 0) * spec.count) / 100 : spec.count;
    if (reached < threshold) return;
    if (spec.why === 'success') this.status = 0;
    else if (spec.percent) this.status = Math.ceil((this.failed / Math.max(this.totalJobs ?? 1, 1)) * 100);
    else if (spec.count === 1) this.status = result.exitCode ?? (result.signal !== null ? 128 + (constants.signals[result.signal] ?? 0) : 255);
    else this.status = Math.min(this.failed, 101);
    this.reason = `${spec.when},${spec.why}=${spec.count}${spec.percent ? '%' : ''} reached at job #${result.job.seq}`;
    this.halt(spec.when === 'now');
  };

  /** The exit status a --halt run ends with, or undefined to use the usual one. */
  exitCode(): number | undefined {
    if (this.spec.when === 'never') return undefined;
    if (this.status !== undefined) return this.status;
    if (this.spec.percent) return Math.ceil((this.failed / Math.max(this.started, 1)) * 100);
    return undefined;
  }
}

