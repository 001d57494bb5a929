// Lines qrun writes around one job's grouped output: GitHub Actions log groups, and a label
// before a failed job's stderr (so a cron mail says whose error it is).

import { describeEnd, isFailure, type JobResult } from '../jobs/job.js';
import { escapeWorkflowData } from '../report/annotations.js';
import { oneLine } from '../report/summary.js';

/** What goes around a job's output in group mode (each piece a whole line, or absent). */
export interface OutputFrame {
  /** Written to stdout before the job's output. */
  readonly open?: string | undefined;
  /** Written to stderr right before the job's stderr, if it wrote any. */
  readonly stderrLabel?: string | undefined;
  /** Written to stdout after the job's output. */
  readonly close?: string | undefined;
}

/** Which frames a run wants. */
export interface FrameOptions {
  /** `::group::` / `::endgroup::` around each job (GitHub Actions folds them in its log). */
  readonly githubGroups: boolean;
  /** A "qrun: job #3 failed, exit 3: <command>; its stderr:" line before a failed job's stderr. */
  readonly labelFailures: boolean;
}

/** The frame of each job, or undefined when a run wants none. */
export function outputFrames(options: FrameOptions): ((result: JobResult) => OutputFrame | undefined) | undefined {
  if (!options.githubGroups && !options.labelFailures) return undefined;
  return (result) => {
    const failed = isFailure(result);
    // The common case, on every job: a job that succeeded, and no groups asked for.
    if (!failed && !options.githubGroups) return undefined;
    const command = result.command === '' ? '' : oneLine(result.command);
    const end = failed ? describeEnd(result) : '';
    const what = `#${result.job.seq}${command === '' ? '' : ` ${command}`}`;
    return {
      open: options.githubGroups ? `::group::${escapeWorkflowData(failed ? `${what} (${end})` : what)}\n` : undefined,
      stderrLabel: options.labelFailures && failed ? `qrun: job #${result.job.seq} failed, ${end}${command === '' ? '' : `: ${command}`}; its stderr:\n` : undefined,
      close: options.githubGroups ? '::endgroup::\n' : undefined,
    };
  };
}
