// The programmatic API: `import { run } from 'qrun'`. Its types are written out by hand, so the
// declarations a TypeScript caller sees are precise and name no schema library.

import type { Writable } from 'node:stream';
import { parseOptions } from './cli/options.js';
import { UsageError } from './errors.js';
import { LockedError } from './lock/run-lock.js';
import { runQrun, type RunSummary } from './main.js';
import type { RunEvent } from './report/events.js';
import type { OutputMode } from './output/output-sink.js';
import type { Annotate, LogLevel } from './run-options.js';

export { UsageError, LockedError };

export type { RunSummary, FailedJob } from './report/run-summary.js';
export type { RunEvent } from './report/events.js';
export type { Job, JobResult } from './jobs/job.js';
export type { OutputMode } from './output/output-sink.js';
export type { Annotate, LogLevel } from './run-options.js';

/** A duration: a number of seconds, or a string such as "500ms", "30s", "5m", "1h" ("90" is seconds). */
export type Duration = number | `${number}` | `${number}${'ms' | 's' | 'm' | 'h'}`;

type HaltWhen = 'now' | 'soon';
type HaltWhy = 'fail' | 'success' | 'done';
/** GNU parallel's --halt: "never", "now,fail=1", "soon,success=30%", or the older 0, 1, 2, -1, -2 and "N%". */
export type HaltSpecText = 'never' | `${HaltWhen},${HaltWhy}=${number}` | `${HaltWhen},${HaltWhy}=${number}%` | '0' | '1' | '2' | '-1' | '-2' | `${number}%` | 0 | 1 | 2 | -1 | -2;

/** Options of {@link run}: the CLI's options in camelCase, plus where things go. */
export interface RunParams {
  /** The job command lines (or, with `command`, the values substituted into it); blank ones keep their number and run nothing. */
  records: Iterable<string> | AsyncIterable<string>;
  /** Jobs at once (default: the number of CPUs). `jobs` is another name for it. */
  concurrency?: number;
  jobs?: number;
  /** Records read ahead (default: 2 × concurrency; with `redis`, jobs in flight, default 1000). */
  queueSize?: number;
  /** Per-job time limit (at most 24 days), or `"N%"` of the median runtime of the jobs that succeeded so far. */
  timeout?: Duration | `${number}%`;
  /** After SIGTERM to a job's process group, SIGKILL this much later (default 2 s). */
  killAfter?: Duration;
  /** How a job is killed, as GNU parallel's `--term-seq`: `"TERM,200,TERM,100,KILL,25"` (instead of `killAfter`). */
  termSeq?: string;
  /** The shell that runs each job as `<shell> -c <command>` (default /bin/sh). */
  shell?: string;
  output?: OutputMode;
  keepOrder?: boolean;
  tag?: boolean;
  /** A live status line on `stderr` (default: off for a library run). */
  progress?: boolean;
  logFile?: string;
  logLevel?: LogLevel;
  /** No summary on `stderr` when every job succeeded; a failed run still gets one. */
  quiet?: boolean;
  /** No summary on `stderr` at all, and no notices (default: true for a library run). */
  silent?: boolean;
  /** After `signal` aborts, running jobs get this long before they are terminated (default 5 s; "unlimited"). */
  grace?: Duration | 'unlimited';
  /** Refuse to start (a LockedError) while another qrun holds this lock file. */
  lock?: string;
  /** With `lock`: wait this long for it first (default 0). */
  lockWait?: Duration;
  /** GitHub workflow commands for failed jobs ("github"), and groups around job output ("github-group"). */
  annotate?: Annotate;
  /** Write the queue metrics as OpenMetrics text to this file when the run ends. */
  metricsFile?: string;
  /** Write an HTML report of the run to this file when it ends. */
  report?: string;
  /** A command template: each record is substituted into it (`{}`, `{.}`, `{/}`, `{//}`, `{/.}`, `{#}`, `{%}`). */
  command?: readonly string[];
  /** Each record is a JSON object `{"cmd", "id"?, "timeout"?, "retries"?, "env"?, "cwd"?}`. */
  ndjson?: boolean;
  /** GNU parallel's joblog; "-" writes it to `stdout`. */
  joblog?: string;
  resume?: boolean;
  resumeFailed?: boolean;
  retries?: number;
  retryDelay?: Duration;
  halt?: HaltSpecText;
  delay?: Duration;
  dryRun?: boolean;
  /** A results directory in GNU parallel's layout (`<dir>/1/<value>/{seq,stdout,stderr}`; job output then goes there only), or one table: `<file>.json`, `.csv` or `.tsv` (`-.json`: `stdout`). */
  results?: string;
  /** A results directory by job number: `<dir>/<seq>/{stdout,stderr,result.json}`; job output is printed too. */
  resultsSeq?: string;
  /** Start a job only while the 1-minute load average is below this (a number, or `"80%"` of the CPUs). */
  load?: number | `${number}%`;
  /** Start a job only while this much memory is free (`"2G"`); under half of it the youngest job is killed (and retried if `retries` allows). */
  memfree?: string | number;
  /** Run the jobs in random order (all records are read first, into files: flat memory). */
  shuf?: boolean;
  /** Cut each record into columns at this regular expression (`{1}`, `{2}`…). */
  colsep?: string;
  /** With `colsep`: the first record names the columns (`{name}`), as GNU parallel's `--header :`. */
  header?: ':';
  /** How many records per job (`-n`), their values `{1}`, `{2}`…; `maxReplaceArgs` is `-N`. */
  maxArgs?: number;
  maxReplaceArgs?: number;
  /** Prefix each output line with this and a tab (replacement strings work). */
  tagstring?: string;
  /** Write the summary as one JSON object to this file ("-": `stdout`). */
  summaryJson?: string;
  /** Fleet mode: run the jobs on `qrun worker`s through this Redis (redis://, rediss://, a socket path). */
  redis?: string;
  queue?: string;
  waitWorkers?: Duration;
  runTtl?: Duration;
  reconnectTimeout?: Duration;
  /** Fleet mode: a file whose first line is the Redis password (kept out of the URL). */
  redisPasswordFile?: string;
  /** Where job stdout goes (default: process.stdout). */
  stdout?: Writable;
  /** Where job stderr, progress and the summary go (default: process.stderr). */
  stderr?: Writable;
  /** The jobs' environment (default: process.env); QRUN_SEQ and QRUN_SLOT are added per job. */
  env?: NodeJS.ProcessEnv;
  /** The jobs' working directory (default: process.cwd()). */
  cwd?: string;
  /** Aborting it stops the run like a first Ctrl-C: no new jobs, running ones finish. */
  signal?: AbortSignal;
  /** Told of every event as it happens: a job started, ended, was recorded (`job-finished`), retried… */
  onEvent?: (event: RunEvent) => void;
}

/**
 * Runs each record as `<shell> -c <record>`, `concurrency` at a time, and resolves with the
 * summary (failed jobs are counted and listed, never thrown). Unlike the CLI, it prints no
 * summary and shows no progress unless asked (`silent: false`, `progress: true`), and does not
 * listen to process signals: use `signal`. Throws a UsageError for invalid options.
 */
export async function run(params: RunParams): Promise<RunSummary> {
  const { records, stdout = process.stdout, stderr = process.stderr, env = process.env, cwd = process.cwd(), signal, onEvent, ...raw } = params;
  const options = parseOptions({ silent: true, progress: false, ...raw });
  return runQrun(options, { kind: 'records', records }, {
    stdout,
    stderr,
    env,
    cwd,
    abort: signal,
    onEvent,
    inheritable: stdout === process.stdout && stderr === process.stderr,
  });
}
