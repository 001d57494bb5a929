// The composition root: builds each stage of a run and wires them in flow order.
//   records -> producer -> bounded queue -> workers -> runner (execa) -> events -> sinks

import type { Writable } from 'node:stream';
import type { RedisOptions, RunOptions } from './run-options.js';
import { ExitCode, UsageError, messageOf } from './errors.js';
import type { Job } from './jobs/job.js';
import { makeJobs } from './jobs/make-jobs.js';
import { cutJoblog, readResumeSet } from './recording/resume.js';
import { parseTemplate, renderContext, renderPlain, renderTemplate, templateFieldNames } from './jobs/template.js';
import { lineMeter } from './jobs/line-meter.js';
import { columnSplitter, trimmed } from './jobs/columns.js';
import { prepareInput, type PreparedInput, type RunInput } from './input/prepare.js';
import { checkShell } from './runner/check-shell.js';
import { fitConcurrency, openFileLimit } from './runner/fd-budget.js';
import { listenForInterrupt } from './shutdown/interrupt.js';
import { takeLock, type RunLock } from './lock/run-lock.js';
import { importFleet } from './fleet-import.js';
import { createExecute } from './pool/execute.js';
import { Pacer } from './pool/pacer.js';
import { startPool } from './pool/pool.js';
import { fanOut, type EventSink, type RunEvent } from './report/events.js';
import { Joblog } from './recording/joblog.js';
import { createRecorder } from './recording/recorder.js';
import { githubAnnotations } from './report/annotations.js';
import { outputFrames } from './output/frames.js';
import { ResultsWriter, type Results } from './recording/results.js';
import { isStdoutTable, ResultsTable, resultsFile, tableFormat } from './recording/results-table.js';
import { StreamWriteError, writeChunk } from './output/serial-writer.js';
import { StdioGuard } from './output/stdio-guard.js';
import { atProcessExit } from './exit-hooks.js';
import { HaltMonitor, type HaltSpec } from './shutdown/halt.js';
import { appendStepSummary } from './report/step-summary.js';
import type { FleetHalt } from './redis/wire.js';
import { atDebug, noLog, openLog, type RunLog } from './report/logger.js';
import { MemoryBudget } from './output/output-buffer.js';
import { LineEnds, OutputSink } from './output/output-sink.js';
import { CaptureFiles } from './output/capture-files.js';
import { PrivateDir } from './private-dir.js';
import { SpillFile } from './output/spill-file.js';
import { wantsProgress, type TerminalStream } from './report/progress.js';
import { noDisplay, startDisplay, type Display } from './report/terminal/display.js';
import { interruptedBeforeStart, readerGoneBeforeStart, summarize, type RunSummary } from './report/run-summary.js';
import { openSummaryJson, writeSummaryJsonOf } from './report/summary-json.js';
import { RunStats } from './report/stats.js';
import { QueueMetrics } from './report/metrics/queue-metrics.js';
import { startMetricsReporter, type MetricsReporter } from './report/metrics/metrics-reporter.js';
import { summaryText } from './report/summary.js';
import { fitToTerminal } from './report/terminal/fit.js';
import { paint, wantsColor } from './report/terminal/colors.js';
import { createRunJob } from './pool/run-job.js';
import type { Executor, ExecutorFactory } from './runner/executor.js';
import { createLocalExecutor } from './runner/local-executor.js';
import { thisMachine, type SystemReadings } from './pool/system-load.js';
import { StartGate } from './pool/start-gate.js';
import { Evictions, watchMemory } from './pool/memory-watch.js';
import { termSeqMs } from './runner/term-seq.js';
import { MedianRuntime } from './report/median-runtime.js';
import { helperExecutor } from './runner/helper/helper-executor.js';
import { locateHelper } from './runner/helper/locate.js';
import { Shutdown, type SignalSource } from './shutdown/shutdown.js';
import { startRunReport } from './run-report/run-report.js';

export type { RunSummary };

/** The process-level things a run uses, passed in. */
export interface RunIO {
  readonly stdout: Writable;
  readonly stderr: TerminalStream;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Where SIGINT/SIGTERM/SIGHUP come from (the process, for the CLI); none for a library run. */
  readonly signals?: SignalSource | undefined;
  /** Aborting it acts like a first SIGINT (library use). */
  readonly abort?: AbortSignal | undefined;
  /** stdout/stderr are this process's fd 1 and 2, so ungrouped jobs may write to them directly. */
  readonly inheritable: boolean;
  /** Directory for the private spill directory (default: the OS temp dir). */
  readonly tmpDir?: string | undefined;
  /** What runs the jobs (default: the local execa executor). */
  readonly executor?: ExecutorFactory | undefined;
  /** Told of every event of the run (library use: react per job). */
  readonly onEvent?: EventSink | undefined;
  /** The machine's load and free memory, for --load and --memfree (default: this machine's). */
  readonly readings?: SystemReadings | undefined;
}

/** How often the queue metrics are sampled into the log and --metrics-file. */
const metricsIntervalMs = 1000;

/** Memory all held output may use before it spills to disk, and one job stream's share. */
const outputMemory = 32 * 1024 * 1024;
const perBufferMemory = 1024 * 1024;

/**
 * The one entry of every run, the CLI's and the library's: checks what can be checked before any
 * job starts (shell, open-file limit, input files), counts the input when --halt needs a total,
 * then runs every record as a job and resolves with the summary; never rejects for a failed job.
 * Throws a UsageError for a bad call.
 */
export async function runQrun(asked: RunOptions, input: RunInput, io: RunIO): Promise<RunSummary> {
  let options = asked;
  if (asked.redis === undefined) {
    // Jobs run here: the shell must exist, and each running job holds open files.
    checkShell(asked.shell, io.env.PATH);
    const fitted = fitConcurrency(asked.concurrency, openFileLimit());
    if (fitted.note !== undefined) io.stderr.write(`qrun: ${fitted.note}\n`);
    options = { ...asked, concurrency: fitted.concurrency };
  } else if (!asked.dryRun) {
    io = { ...io, executor: io.executor ?? (await fleetExecutor(asked.redis, termSeqMs(asked.termSeq), fleetHalt(asked.halt))), inheritable: false };
  }
  const lock = options.lock !== undefined && !options.dryRun ? await waitForLock(options.lock, options.lockWaitMs, io) : undefined;
  try {
    // Opened first: an unwritable --summary-json refuses before anything runs.
    const lineEnds = new LineEnds();
    const summaryJson = options.summaryJson !== undefined ? openSummaryJson(options.summaryJson, io.stdout, () => lineEnds.newlineFor('stdout')) : undefined;
    try {
      const summary = await runPrepared(options, input, io, lineEnds);
      // In GitHub Actions (--annotate github), the run's page shows the summary too.
      const stepSummary = io.env.GITHUB_STEP_SUMMARY;
      if (options.annotate !== 'none' && stepSummary && !options.dryRun) {
        const lost = appendStepSummary(stepSummary, summary);
        if (lost !== undefined) io.stderr.write(`qrun: warning: ${lost}\n`);
      }
      return await writeSummaryJsonOf(summaryJson, summary);
    } finally {
      summaryJson?.close();
    }
  } finally {
    await lock?.release();
  }
}

/** Takes --lock, waiting at most --lock-wait (a signal or the caller's abort ends the wait). */
async function waitForLock(path: string, waitMs: number, io: RunIO): Promise<RunLock> {
  const interrupt = listenForInterrupt(io.signals);
  try {
    const stop = io.abort === undefined ? interrupt.signal : AbortSignal.any([interrupt.signal, io.abort]);
    return await takeLock(path, waitMs, stop, (text) => void io.stderr.write(`qrun: warning: ${text}\n`));
  } finally {
    interrupt.dispose();
  }
}

/** Prepares the input (counting it for --halt N%), then runs it. */
async function runPrepared(options: RunOptions, input: RunInput, io: RunIO, lineEnds: LineEnds): Promise<RunSummary> {
  // Before the run's shutdown exists, a signal can only cut the counting short: nothing has started.
  const interrupt = listenForInterrupt(io.signals);
  let prepared: PreparedInput;
  try {
    prepared = await prepareInput(input, {
      separator: options.separator,
      count: options.halt.when !== 'never' && options.halt.percent,
      stop: interrupt.signal,
      tmpDir: io.tmpDir,
      header: options.header,
      shuffle: options.shuffle,
      // With a command template a blank line is an empty argument (GNU parallel); as a shell line it runs nothing.
      keepBlank: options.command.length > 0 && !options.ndjson,
      pipe: options.pipe && { ...options.pipe, headerLines: options.headerPattern ?? options.header, slots: options.concurrency, warn: (text) => void io.stderr.write(`qrun: warning: ${text}\n`) },
    });
  } catch (error) {
    const signal = interrupt.received();
    if (signal === undefined) throw error;
    io.stderr.write(`qrun: interrupted by ${signal} while counting the input for --halt: no job started\n`);
    return interruptedBeforeStart(signal);
  } finally {
    interrupt.dispose();
  }
  try {
    return await runJobs(options, prepared, io, input.kind === 'files' && input.stdinTerminal === true, lineEnds);
  } finally {
    await prepared.close();
  }
}

/** Runs the prepared records as jobs: the pipeline, wired in flow order. */
async function runJobs(options: RunOptions, input: PreparedInput, io: RunIO, fromTerminal: boolean, lineEnds: LineEnds): Promise<RunSummary> {
  // The executor comes first: one that cannot start (a Redis that cannot be reached) refuses
  // before anything is written, the joblog included.
  const failures: { fail: (error: Error) => void } = { fail: () => undefined };
  // The number of jobs, counted while the run goes on (when the input can be read again): for
  // the progress line, and for the fleet's status view.
  const counting = new AbortController();
  const showProgress = wantsProgress(options.progress, io.stderr, io.env, options.output === 'ungroup');
  const countable = (showProgress || options.redis !== undefined) && options.fill === undefined && options.pipe === undefined;
  const total = countable ? input.countTotal(counting.signal).then((records) => jobsOf(records, options.perJob)) : Promise.resolve(undefined);
  try {
    const executor = await (io.executor ?? localJobs(options, io))({
      env: io.env,
      cwd: io.cwd,
      fail: (error) => failures.fail(error),
      notice: (text) => void io.stderr.write(`${text}\n`),
      total: total.catch(() => undefined),
    });
    try {
      return await runWith(executor, failures, options, input, io, fromTerminal, lineEnds, { total, showProgress });
    } finally {
      await executor.close();
    }
  } finally {
    counting.abort();
  }
}

/** The pipeline around one executor. */
async function runWith(
  executor: Executor,
  failures: { fail: (error: Error) => void },
  options: RunOptions,
  input: PreparedInput,
  io: RunIO,
  fromTerminal: boolean,
  lineEnds: LineEnds,
  counted: { readonly total: Promise<number | undefined>; readonly showProgress: boolean },
): Promise<RunSummary> {
  const startedAt = Date.now();
  // Everything that can refuse to start (unreadable joblog, unwritable results) does so before any job runs.
  const report = options.report === undefined || options.dryRun ? undefined : startRunReport(options.report, startedAt, `qrun ${options.command.join(' ')}`.trimEnd());
  const resumed = options.resume !== undefined && options.joblog !== undefined ? readResumeSet(options.joblog, options.resume, options.joblogAppend) : undefined;
  if (resumed?.cutRow !== undefined && options.joblog !== undefined && !options.dryRun) {
    // Rows are appended after it: the cut row goes, or the next row would be glued onto it.
    cutJoblog(options.joblog, resumed.cutRow.offset);
    io.stderr.write(`qrun: warning: --joblog '${options.joblog}' line ${resumed.cutRow.line} was cut off (no newline at its end): removed, and its job runs again\n`);
  }
  const table = options.results === undefined || options.dryRun ? undefined : tableFormat(options.results);
  // A --results file is opened (truncated) before any job runs; `-.json` etc. go to stdout.
  const tableFile = table !== undefined && options.results !== undefined && !isStdoutTable(options.results) ? resultsFile(options.results) : undefined;
  const dirResults = options.results !== undefined && !options.dryRun && table === undefined ? new ResultsWriter(options.results) : undefined;
  // A --log-file that cannot be written mid-run ends the run as an unwritable stdout does.
  let logLost: string | undefined;
  const log: RunLog =
    options.logFile !== undefined
      ? await openLog(options.logFile, options.logLevel, (error) => {
          logLost ??= error.message;
          failures.fail(error);
        })
      : noLog;
  const stats = new RunStats(startedAt);
  let display: Display = noDisplay;
  const color = wantsColor(io.stderr, io.env);
  const shutdown = new Shutdown(
    io.signals,
    (phase, reason) => {
      log.info({ phase, reason }, `shutdown: ${phase}`);
      display.onPhase(phase, reason);
    },
    options.graceMs,
  );
  shutdown.follow(io.abort);
  failures.fail = (error) => shutdown.fail(error);
  const stdio = new StdioGuard({
    stdout: io.stdout,
    stderr: io.stderr,
    terminate: (reason) => shutdown.terminate(reason),
    fail: (error) => shutdown.fail(error),
    kill: shutdown.kill,
    graceMs: termSeqMs(options.termSeq),
  });
  let joblog: Joblog | undefined;
  try {
    joblog =
      options.joblog === undefined || options.dryRun
        ? undefined
        : options.joblog === '-'
          ? await Joblog.toStdout(io.stdout, stdio.giveUp)
          : Joblog.open(options.joblog, options.resume !== undefined || options.joblogAppend, !options.joblogAppend);
  } catch (error) {
    stdio.dispose();
    shutdown.dispose();
    tableFile?.close();
    // `--joblog -` on a stdout whose reader is gone: 141, quietly (as GNU parallel); any other
    // failure to write it: qrun's one-line error, before any job.
    if (error instanceof StreamWriteError && error.code === 'EPIPE') return readerGoneBeforeStart();
    throw error instanceof StreamWriteError ? new UsageError(error.message) : error;
  }
  const tempDir = new PrivateDir(io.tmpDir);
  // The names {name} stands for: --ndjson fields a template uses, or --header's.
  const ndjsonFields = options.ndjson && options.command.length > 0 ? templateFieldNames(options.command) : undefined;
  const names = ndjsonFields ?? headerNames(input.header, options);
  const results: Results | undefined =
    table === undefined ? dirResults : new ResultsTable(table, tableFile?.sink ?? ((bytes) => writeChunk(io.stdout, bytes, 'stdout', stdio.giveUp)), tempDir, names);
  const spill = new SpillFile(tempDir);
  const captures = new CaptureFiles(tempDir);
  const removeTemp = (): void => {
    captures.close();
    spill.close();
    tempDir.dispose();
  };
  // Safety net for paths that skip the cleanup below (e.g. process.exit from elsewhere).
  const forgetExitHook = atProcessExit(() => {
    executor.close();
    removeTemp();
  });
  const tag = tagOf(options, names);
  const sink = new OutputSink({
    mode: options.output,
    keepOrder: options.keepOrder,
    tag,
    stdout: io.stdout,
    stderr: io.stderr,
    // --results needs every byte to pass through qrun (no inherited fds, no capture files).
    inheritable: io.inheritable && results === undefined,
    spill,
    captures,
    // Through Redis, output arrives as chunks: held in memory (then spilled), no files per job in flight.
    captureFiles: results === undefined && options.redis === undefined,
    budget: new MemoryBudget(outputMemory),
    perBufferLimit: perBufferMemory,
    maxLineBytes: perBufferMemory,
    beforeWrite: () => display.beforeWrite(),
    giveUp: stdio.giveUp,
    lineEnds,
  });
  const halt = new HaltMonitor(options.halt, jobsOf(input.total, options.perJob), (now) => shutdown.halt(now));
  const annotate = options.annotate === 'none' ? [] : [githubAnnotations((line) => void io.stderr.write(line))];
  const median = options.timeoutPercent === undefined ? undefined : new MedianRuntime();
  const timeLimit = median && (() => median.limitMs(options.timeoutPercent ?? 100));
  const emit = fanOut([stats.handle, halt.handle, ...(median ? [median.handle] : []), ...(options.pipe?.mode === 'pipe' ? [releaseStdin(input.release)] : []), log.handle, ...annotate, ...(report ? [report.handle] : []), ...(io.onEvent ? [io.onEvent] : [])]);
  const recorder = createRecorder({
    results,
    joblog,
    emit,
    onFailure: (error, job) => (error instanceof StreamWriteError ? stdio.failed(error) : crashed(error, job)),
  });
  const readings = io.readings ?? thisMachine;
  const evictions = options.memFree === undefined ? undefined : new Evictions();
  const stopWatching =
    options.memFree === undefined || evictions === undefined
      ? () => undefined
      : watchMemory(options.memFree, readings, evictions, (seq, free) => {
          if (!options.silent) void io.stderr.write(`qrun: --memfree: ${(free / 1024 / 1024).toFixed(0)} MB free, under half of ${(options.memFree ?? 0) / 1024 / 1024} MB: killing job #${seq}\n`);
          log.info({ seq, freeBytes: free }, 'memfree: killing the youngest job');
        });
  const runJob = createRunJob({
    evictions,
    executor,
    defaults: { shell: options.shell, timeoutMs: timeLimit ?? (() => options.timeoutMs), termSeq: options.termSeq, retries: options.retries, pid: process.pid },
    output: (job) => recorder.output(job, sink.target(job)),
    signals: { stop: shutdown.stop, kill: shutdown.kill, timeLimit },
  });
  // With --pipe the command gets no arguments: nothing is appended to it (GNU parallel's way).
  const template = options.command.length > 0 ? parseTemplate(options.command, options.pipe === undefined, names) : undefined;

  const notStarted = (job: Job): void => {
    emit({ kind: 'job-not-started', job });
    sink.skip(job);
  };
  const execute = createExecute({
    runJob,
    commandFor:
      template === undefined
        ? (job) => job.record
        : options.contextReplace
          ? (job, slot) => renderContext(template, job.seq, slot, job.args ?? [job.record])
          : (job, slot) => renderTemplate(template, job.record, job.seq, slot, job.args),
    retries: options.retries,
    retryDelayMs: options.retryDelayMs,
    stop: shutdown.stop,
    pacer: new Pacer(options.delayMs),
    emit,
    output: {
      finish: (job, written, frame) => sink.finish(job, written, frame),
      skip: (job) => sink.skip(job),
      discard: (job) => sink.discard(job),
      withhold: async (job) => {
        if (!sink.withhold(job)) return false;
        // Quiet when the reader of stdout left (exit 141, as GNU parallel) or with --silent.
        if (!stdio.brokenPipe && !options.silent) await sink.notice('stderr', `qrun: job #${job.seq} was killed: its output is not printed (it has no joblog row and runs again with --resume)\n`).catch(() => undefined);
        return true;
      },
      // A dry-run line or an invalid record's notice that cannot be written is qrun's stdout (or
      // stderr) failing: EPIPE ends the run quietly (141), as for job output.
      notice: (stream, text) =>
        sink.notice(stream, text).catch((error: unknown) => {
          if (!(error instanceof StreamWriteError)) throw error;
          stdio.failed(error);
        }),
    },
    recorder,
    frame: outputFrames({ githubGroups: options.annotate === 'github-group', labelFailures: !options.silent }),
    dryRun: options.dryRun,
    tag,
    dropCanceledOutput: joblog !== undefined,
    onNotStarted: notStarted,
    gate:
      options.maxLoad === undefined && options.memFree === undefined
        ? undefined
        : new StartGate({ maxLoad: options.maxLoad, memFree: options.memFree }, readings, (why) => {
            if (!options.silent) void io.stderr.write(`qrun: ${why}\n`);
          }),
  });
  const jobs = makeJobs(input.records, {
    // Cut untrimmed: --trim makes the arguments, the --results table shows the columns as cut.
    columns: options.colsep === undefined ? undefined : columnSplitter(options.colsep, 'n'),
    trim: options.trim === 'n' ? undefined : (text) => trimmed(text, options.trim),
    perJob: options.perJob,
    fill: options.fill && {
      // Without a template the arguments are the command: GNU parallel's `{}`, unquoted.
      meter: lineMeter(template ?? parseTemplate(['{}']), options.fill.mode === 'context'),
      maxLength: options.fill.maxChars,
      spreadOver: options.fill.mode === 'xargs' ? undefined : options.concurrency,
      maxRecords: options.fill.maxArgs,
    },
    ndjson: options.ndjson,
    ndjsonFields,
    stop: shutdown.stop,
    skip: (seq) => resumed?.done.has(seq) ?? false,
    onSkipped: (job) => {
      emit({ kind: 'job-skipped', job });
      sink.skip(job);
    },
    onBlank: (job) => sink.skip(job),
  });
  const crashed = (error: unknown, job: Job | undefined): void => {
    emit({ kind: 'run-error', message: messageOf(error), job } satisfies RunEvent);
    shutdown.fail(error);
  };

  // The Redis URL may hold a password: the log gets it as shown to the user.
  log.info({ options: { ...options, redis: options.redis && { ...options.redis, target: options.redis.target.shown } } }, 'run started');
  let queueDepth = (): number => 0;
  const metrics = new QueueMetrics(() => performance.now(), performance.now(), options.concurrency, options.queueSize, {
    queueDepth: () => queueDepth(),
    running: () => stats.running,
    finished: () => stats.finished,
  });
  let reporter: MetricsReporter | undefined;
  try {
    reporter = startMetricsReporter({
      metrics,
      intervalMs: metricsIntervalMs,
      log: (sample) => {
        log.info({ metrics: sample }, 'metrics');
        report?.sample(sample);
      },
      file: options.dryRun ? undefined : options.metricsFile,
      counts: () => ({ succeeded: stats.succeeded, failed: stats.failed, timedOut: stats.timedOut, notStarted: stats.notStarted }),
      fail: (error) => shutdown.fail(error),
    });
    const pool = startPool({
      waits: metrics,
      jobs,
      concurrency: options.concurrency,
      queueSize: options.queueSize,
      stop: shutdown.stop,
      execute,
      onNotStarted: notStarted,
      onCrash: crashed,
    });
    queueDepth = pool.queueDepth;
    display = startDisplay({
      stderr: io.stderr,
      stats,
      queueDepth: pool.queueDepth,
      total: counted.showProgress ? counted.total : Promise.resolve(undefined),
      showProgress: counted.showProgress,
      waitFor: fromTerminal ? pool.inputDone : undefined,
      color,
      silent: options.silent,
      graceMs: options.graceMs,
      graceEndsAt: () => shutdown.graceEndsAt,
    });
    await pool.done.catch((error: unknown) => crashed(new Error(`reading input failed: ${messageOf(error)}`, { cause: error }), undefined));
    await sink.close().catch((error: unknown) => crashed(error, undefined));
  } finally {
    reporter?.stop();
    display.stop();
    removeTemp();
    stopWatching();
    joblog?.close();
    tableFile?.close();
    forgetExitHook();
    stdio.dispose();
    shutdown.dispose();
  }

  const elapsedMs = Date.now() - startedAt;
  const ended = summarize(
    stats,
    elapsedMs,
    {
      haltedBy: halt.reason,
      haltStatus: halt.exitCode(),
      interruptedBy: shutdown.interruptedBy,
      failure: shutdown.failure,
      brokenPipe: stdio.brokenPipe,
    },
    metrics.totals(),
  );
  // The metrics file's last write can fail only now: qrun's failure, as during the run.
  const metricsLost = reporter?.finish(ended.exitCode);
  log.info({ ...ended }, 'run finished');
  log.flush();
  const reportLost = report?.finish({ exitCode: ended.exitCode, elapsedMs, queue: ended.queue });
  // A file that failed only at the end (the last metrics or log write, the report) is qrun's failure too.
  const lostAtEnd = ended.error ?? metricsLost ?? logLost ?? reportLost;
  const summary = lostAtEnd === ended.error ? ended : { ...ended, exitCode: ExitCode.error, error: lostAtEnd };
  const text = summaryText(options, stats, summary, {
    interruptedBy: shutdown.interruptedBy,
    haltedBy: halt.reason,
    joblog: options.joblog === '-' ? undefined : options.joblog,
    paint: paint(color),
  });
  if (text !== undefined) io.stderr.write(`${lineEnds.newlineFor('stderr')}${fitToTerminal(text, io.stderr)}`);
  return summary;
}

/** --tagstring (a template, values as they are) or --tag (the job's arguments, as GNU parallel). */
function tagOf(options: RunOptions, names: readonly string[]): ((job: Job) => string) | undefined {
  if (options.tagString !== undefined) {
    const template = parseTemplate([options.tagString], false, names);
    return (job) => renderPlain(template, job.record, job.seq, job.args);
  }
  return options.tag ? (job) => (job.args ?? [job.record]).join(' ') : undefined;
}

/** How jobs start on this machine: --executor auto (the spawn helper where it runs), helper or execa. */
function localJobs(options: RunOptions, io: RunIO): ExecutorFactory {
  if (options.executor === 'execa') return createLocalExecutor;
  const debug = atDebug(options.logLevel);
  return helperExecutor({
    binary: locateHelper(),
    required: options.executor === 'helper',
    fallback: createLocalExecutor,
    debug: (text) => void (debug && io.stderr.write(`qrun: debug: ${text}\n`)),
  });
}

/** The executor that sends jobs to `qrun worker`s through Redis (loaded only in fleet mode). */
async function fleetExecutor(redis: RedisOptions, killAfterMs: number, halt: FleetHalt | undefined): Promise<ExecutorFactory> {
  const { openRedisExecutor } = await importFleet(() => import('./redis/redis-executor.js'));
  return ({ fail, notice, total }) => openRedisExecutor({ ...redis, killAfterMs, halt, fail, notice, total });
}

/** --halt by a count, which workers apply as each job ends; a percentage stays with the submitter (it needs every count). */
function fleetHalt(halt: HaltSpec): FleetHalt | undefined {
  return halt.when === 'never' || halt.percent ? undefined : { now: halt.when === 'now', why: halt.why, count: halt.count };
}

/** A job that is over, or will never run, lets go of what it was given to read (--pipe blocks). */
function releaseStdin(release: PreparedInput['release']): EventSink {
  return (event) => {
    const job = event.kind === 'job-ended' ? event.result.job : event.kind === 'job-not-started' || event.kind === 'job-skipped' ? event.job : undefined;
    if (job?.stdin !== undefined) release(job.stdin);
  };
}

/** --header: the names {name} stands for: the input sources', or the header line cut into columns. */
function headerNames(header: PreparedInput['header'], options: RunOptions): readonly string[] {
  if (header === undefined) return [];
  // With --colsep, a source's first value is cut into names too.
  if (header.kind === 'names') return options.colsep === undefined ? header.names : header.names.flatMap((name) => columnSplitter(options.colsep as RegExp, options.trim)(name));
  return options.colsep === undefined ? [header.text] : columnSplitter(options.colsep, options.trim)(header.text);
}

/** The number of jobs `records` records make: -n/-N group them (-N0 still takes one each). */
function jobsOf(records: number | undefined, perJob: number | undefined): number | undefined {
  return records === undefined || perJob === undefined ? records : Math.ceil(records / Math.max(perJob, 1));
}
