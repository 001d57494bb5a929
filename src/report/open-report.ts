// The report stage: what the run tells about itself while it goes on and when it ends: counts,
// --halt, the median for --timeout N%, the log, annotations, metrics, the progress display and
// the summary.

import { ExitCode, messageOf } from '../errors.js';
import type { Disposals } from '../disposals.js';
import type { Job } from '../jobs/job.js';
import type { LineEnds } from '../output/line-ends.js';
import type { RunOptions } from '../run-options.js';
import type { QueueWaits } from '../pool/queue-waits.js';
import type { Shutdown } from '../shutdown/shutdown.js';
import { HaltMonitor } from '../shutdown/halt.js';
import type { RunReport } from '../run-report/run-report.js';
import { githubAnnotations } from './annotations.js';
import { fanOut, type EventSink } from './events.js';
import { noLog, openLog, type RunLog } from './logger.js';
import { MedianRuntime } from './median-runtime.js';
import { QueueMetrics } from './metrics/queue-metrics.js';
import { startMetricsReporter } from './metrics/metrics-reporter.js';
import type { TerminalStream } from './progress.js';
import { summarize, type RunSummary } from './run-summary.js';
import { RunStats } from './stats.js';
import { summaryText } from './summary.js';
import { paint, wantsColor } from './terminal/colors.js';
import { startDisplay } from './terminal/display.js';
import { fitToTerminal } from './terminal/fit.js';
import type { Notices } from './terminal/notices.js';

/** How often the queue metrics are sampled into the log and --metrics-file. */
const metricsIntervalMs = 1000;

/** The run's --log-file (or none), and why it failed mid-run if it did. */
export interface OpenLog {
  readonly log: RunLog;
  readonly lost: () => string | undefined;
}

/** Opens --log-file: a write that fails mid-run ends the run as an unwritable stdout does. */
export async function openRunLog(options: RunOptions, shutdown: Shutdown): Promise<OpenLog> {
  if (options.logFile === undefined) return { log: noLog, lost: () => undefined };
  let lost: string | undefined;
  const log = await openLog(options.logFile, options.logLevel, (error) => {
    lost ??= error.message;
    shutdown.fail(error);
  });
  shutdown.onPhase((phase, reason) => log.info({ phase, reason }, `shutdown: ${phase}`));
  // The Redis URL may hold a password: the log gets it as shown to the user.
  log.info({ options: { ...options, redis: options.redis && { ...options.redis, target: options.redis.target.shown } } }, 'run started');
  return { log, lost: () => lost };
}

/** What the report stage is given. */
export interface ReportDeps {
  readonly stderr: TerminalStream;
  readonly env: NodeJS.ProcessEnv;
  /** Where stdout and stderr stand (the summary starts on a line of its own). */
  readonly lineEnds: LineEnds;
  readonly startedAt: number;
  readonly shutdown: Shutdown;
  readonly notices: Notices;
  readonly log: OpenLog;
  /** The run's page (--report), if asked for. */
  readonly page: RunReport | undefined;
  /** The pool's queue, watched. */
  readonly pool: { readonly queueDepth: () => number; readonly inputDone: Promise<void> };
  /** The number of jobs in the input, if known before the run (for --halt N%). */
  readonly knownTotal: number | undefined;
  /** The number of jobs, counted while the run goes on (for the progress line). */
  readonly total: Promise<number | undefined>;
  readonly showProgress: boolean;
  /** Records come from a terminal: no status line until that input ends. */
  readonly fromTerminal: boolean;
  /** Whether stdout's reader went away (the run then ends with 141). */
  readonly brokenPipe: () => boolean;
  /** Other listeners to the run's events (a library's onEvent, --pipe's block release). */
  readonly listeners: readonly EventSink[];
}

/** The report of a running run. */
export interface ReportStage {
  /** Tells every listener of an event. */
  readonly emit: EventSink;
  /** --timeout N%: the time limit as it stands now. */
  readonly timeLimit: (() => number | undefined) | undefined;
  /** Told how long the pool waited on its queue. */
  readonly waits: QueueWaits;
  /** After the run: the summary, written on stderr as the options say, and returned. */
  readonly finish: () => RunSummary;
}

/** Starts the run's report; its timers and status line are stopped by `disposals`. */
export function openReport(options: RunOptions, deps: ReportDeps, disposals: Disposals): ReportStage {
  const { shutdown, log, page } = deps;
  const stats = new RunStats(deps.startedAt);
  const halt = new HaltMonitor(options.halt, deps.knownTotal, (now) => shutdown.halt(now));
  const median = options.timeoutPercent === undefined ? undefined : new MedianRuntime();
  const timeLimit = median && (() => median.limitMs(options.timeoutPercent ?? 100));
  const annotate = options.annotate === 'none' ? [] : [githubAnnotations(deps.notices.command)];
  const emit = fanOut([stats.handle, halt.handle, ...(median ? [median.handle] : []), log.log.handle, ...annotate, ...(page ? [page.handle] : []), ...deps.listeners]);
  const metrics = new QueueMetrics(() => performance.now(), performance.now(), options.concurrency, options.queueSize, {
    queueDepth: deps.pool.queueDepth,
    running: () => stats.running,
    finished: () => stats.finished,
  });
  const reporter = startMetricsReporter({
    metrics,
    intervalMs: metricsIntervalMs,
    log: (sample) => {
      log.log.info({ metrics: sample }, 'metrics');
      page?.sample(sample);
    },
    file: options.dryRun ? undefined : options.metricsFile,
    counts: () => ({ succeeded: stats.succeeded, failed: stats.failed, timedOut: stats.timedOut, notStarted: stats.notStarted }),
    fail: (error) => shutdown.fail(error),
  });
  disposals.defer(() => reporter.stop());
  const color = wantsColor(deps.stderr, deps.env);
  const display = startDisplay({
    stderr: deps.stderr,
    stats,
    queueDepth: deps.pool.queueDepth,
    total: deps.showProgress ? deps.total : Promise.resolve(undefined),
    showProgress: deps.showProgress,
    waitFor: deps.fromTerminal ? deps.pool.inputDone : undefined,
    color,
    notices: deps.notices,
    graceMs: options.graceMs,
    graceEndsAt: () => shutdown.graceEndsAt,
  });
  shutdown.onPhase(display.onPhase);
  disposals.defer(display.stop);
  const finish = (): RunSummary => {
    const elapsedMs = Date.now() - deps.startedAt;
    const ending = { haltedBy: halt.reason, haltStatus: halt.exitCode(), interruptedBy: shutdown.interruptedBy, failure: shutdown.failure, brokenPipe: deps.brokenPipe() };
    const ended = summarize(stats, elapsedMs, ending, metrics.totals());
    // The metrics file's last write can fail only now: qrun's failure, as during the run.
    const metricsLost = reporter.finish(ended.exitCode);
    log.log.info({ ...ended }, 'run finished');
    log.log.flush();
    const pageLost = page?.finish({ exitCode: ended.exitCode, elapsedMs, queue: ended.queue });
    // A file that failed only at the end (the last metrics or log write, the page) is qrun's failure too.
    const lostAtEnd = ended.error ?? metricsLost ?? log.lost() ?? pageLost;
    const summary = lostAtEnd === ended.error ? ended : { ...ended, exitCode: ExitCode.error, error: lostAtEnd };
    const text = summaryText(options, stats, summary, { interruptedBy: shutdown.interruptedBy, haltedBy: halt.reason, joblog: options.joblog === '-' ? undefined : options.joblog, paint: paint(color) });
    if (text !== undefined) deps.stderr.write(`${deps.lineEnds.newlineFor('stderr')}${fitToTerminal(text, deps.stderr)}`);
    return summary;
  };
  return { emit, timeLimit, waits: metrics, finish };
}

/** A crash of qrun's own (not a job's) while the run goes on, reported and ending the run. */
export function crashReporter(emit: EventSink, shutdown: Shutdown): (error: unknown, job: Job | undefined) => void {
  return (error, job) => {
    emit({ kind: 'run-error', message: messageOf(error), job });
    shutdown.fail(error);
  };
}
