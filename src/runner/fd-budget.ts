// Open-file limit vs --concurrency: each running job needs a few file descriptors in qrun.

import { readFileSync } from 'node:fs';

/** File descriptors qrun may hold per running job (pipes or capture files, plus spawn's own). */
const perJob = 6;
/** Descriptors kept for qrun itself: stdio, input files, joblog, log, libuv. */
const reserve = 40;

/** The soft limit on open files (RLIMIT_NOFILE), or undefined where it cannot be read. */
export function openFileLimit(limits = '/proc/self/limits'): number | undefined {
  try {
    const match = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync(limits, 'utf8'));
    return match?.[1] === undefined || match[1] === 'unlimited' ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

/** -j 0: as many jobs at once as the open-file limit allows, at most `cap` (GNU parallel: "as many as possible"). */
export function mostConcurrency(limit: number | undefined, cap = 1000): number {
  return limit === undefined ? cap : Math.max(1, Math.min(cap, Math.floor((limit - reserve) / perJob)));
}

/**
 * The concurrency the open-file limit allows: as asked, or fewer with a note saying why. Running
 * out of descriptors mid-run would make spawns fail (EMFILE) in ways Node cannot always report.
 */
export function fitConcurrency(asked: number, limit: number | undefined): { concurrency: number; note: string | undefined } {
  if (limit === undefined || asked * perJob + reserve <= limit) return { concurrency: asked, note: undefined };
  const concurrency = Math.max(1, Math.floor((limit - reserve) / perJob));
  return {
    concurrency,
    note: `--concurrency ${asked} needs about ${asked * perJob + reserve} open files, over the limit of ${limit} (ulimit -n): running ${concurrency} at a time`,
  };
}
