// The composition root: builds each stage of a run and wires them, in the order each needs the
// one before (no stage is reached before it exists):
//   input (prepared records) -> jobs -> pool (bounded queue, workers) -> execution -> executor
//   -> output sink and recording -> events -> report (counts, log, metrics, display, summary)

import type { Writable } from 'node:stream';
import type { RunOptions } from './run-options.js';
import { Disposals } from './disposals.js';
import { checkLocal, chooseExecutor } from './executor-choice.js';
import type { EventSink } from './report/events.js';
import type { Job } from './jobs/job.js';
import { prepareInput, type PreparedInput, type RunInput } from './input/prepare.js';
import { commandsOf, jobCount, jobStream } from './jobs/job-source.js';
import { takeLock, type RunLock } from './lock/run-lock.js';
import { LineEnds } from './output/line-ends.js';
import { openOutput } from './output/open-output.js';
import { StreamWriteError } from './output/serial-writer.js';
import { StdioGuard } from './output/stdio-guard.js';
import { openExecution } from './pool/open-execution.js';
import { createPool } from './pool/pool.js';
import { thisMachine, type SystemReadings } from './pool/system-load.js';
import { PrivateDir } from './private-dir.js';
import { openRecording, ReaderGoneError } from './recording/open-recording.js';
import { createRecorder } from './recording/recorder.js';
import { atDebug } from './report/logger.js';
import { crashReporter, openReport, openRunLog } from './report/open-report.js';
import { wantsProgress, type TerminalStream } from './report/progress.js';
import { interruptedBeforeStart, readerGoneBeforeStart, type RunSummary } from './report/run-summary.js';
import { appendStepSummary } from './report/step-summary.js';
import { openSummaryJson, writeSummaryJsonOf } from './report/summary-json.js';
import { Notices } from './report/terminal/notices.js';
import type { ExecutorFactory, ExecutorPlan } from './runner/executor.js';
import type { CallerInheritance } from './runner/helper/helper-process.js';
import { copiedEnv } from './runner/job-env.js';
import { connectionVariables } from './redis/url.js';
import { termSeqMs } from './runner/term-seq.js';
import { startRunReport } from './run-report/run-report.js';
import { listenForInterrupt } from './shutdown/interrupt.js';
import { Shutdown, type SignalSource } from './shutdown/shutdown.js';
import { messageOf, signalNumbers, type InterruptSignal } from './errors.js';

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
  /** What runs the jobs (default: the spawn helper where it runs, else execa; the fleet with --redis). */
  readonly executor?: ExecutorFactory | undefined;
  /**
   * What the jobs inherit, as `sh -c` would, of what qrun's caller gave it and Node keeps from
   * them: fds 3 and up, the soft open-file limit (the CLI's, read before Node starts).
   */
  readonly caller?: CallerInheritance | undefined;
  /** Told of every event of the run (library use: react per job). */
  readonly onEvent?: EventSink | undefined;
  /** The machine's load and free memory, for --load and --memfree (default: this machine's). */
  readonly readings?: SystemReadings | undefined;
}

/** What every stage of one run shares. */
interface RunContext {
  readonly io: RunIO;
  readonly plan: ExecutorPlan;
  readonly notices: Notices;
  readonly lineEnds: LineEnds;
}

/**
 * The one entry of every run, the CLI's and the library's: checks what can be checked before any
 * job starts (shell, open-file limit, input files), counts the input when --halt needs a total,
 * then runs every record as a job and resolves with the summary; never rejects for a failed job.
 * Throws a UsageError for a bad call.
 */
export async function runQrun(asked: RunOptions, input: RunInput, io: RunIO): Promise<RunSummary> {
  const notices = new Notices(io.stderr, asked.silent, atDebug(asked.logLevel));
  const plan = await chooseExecutor(asked, io.executor, notices.debug, io.caller);
  const options = plan.traits.local ? checkLocal(asked, io.env, notices.say) : asked;
  const lock = options.lock !== undefined && !options.dryRun ? await waitForLock(options.lock, options.lockWaitMs, io, notices) : undefined;
  try {
    // Opened first: an unwritable --summary-json refuses before anything runs.
    const lineEnds = new LineEnds();
    const summaryJson = options.summaryJson !== undefined ? openSummaryJson(options.summaryJson, io.stdout, () => lineEnds.newlineFor('stdout')) : undefined;
    try {
      const summary = await runInput(options, input, { io, plan, notices, lineEnds });
      // In GitHub Actions (--annotate github), the run's page shows the summary too.
      const stepSummary = io.env.GITHUB_STEP_SUMMARY;
      if (options.annotate !== 'none' && stepSummary && !options.dryRun) {
        const lost = appendStepSummary(stepSummary, summary);
        if (lost !== undefined) notices.warn(lost);
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
async function waitForLock(path: string, waitMs: number, io: RunIO, notices: Notices): Promise<RunLock> {
  const interrupt = listenForInterrupt(io.signals);
  try {
    const stop = io.abort === undefined ? interrupt.signal : AbortSignal.any([interrupt.signal, io.abort]);
    return await takeLock(path, waitMs, stop, notices.warn);
  } finally {
    interrupt.dispose();
  }
}

/** Prepares the input (counting it for --halt N%), then runs it. */
async function runInput(options: RunOptions, input: RunInput, run: RunContext): Promise<RunSummary> {
  // Before the run's shutdown exists, a signal can only cut the counting short: nothing has started.
  const interrupt = listenForInterrupt(run.io.signals);
  let prepared: PreparedInput;
  try {
    prepared = await prepareInput(input, {
      separator: options.separator,
      count: options.countFirst,
      stop: interrupt.signal,
      tmpDir: run.io.tmpDir,
      header: options.header,
      shuffle: options.shuffle,
      // With a command template a blank line is an empty argument (GNU parallel); as a shell line it runs nothing.
      keepBlank: options.command.length > 0 && !options.ndjson,
      pipe: options.pipe && { ...options.pipe, headerLines: options.headerPattern ?? options.header, slots: options.concurrency, skipBlank: options.skipBlank, warn: run.notices.warn },
    });
  } catch (error) {
    const signal = interrupt.received();
    if (signal === undefined) throw error;
    run.notices.say(`interrupted by ${signal} while counting the input (for --halt N% or {##}): no job started`);
    return interruptedBeforeStart(signal);
  } finally {
    interrupt.dispose();
  }
  try {
    return await runJobs(options, prepared, input.kind === 'files' && input.stdinTerminal === true, run);
  } catch (error) {
    // `--joblog -` on a stdout whose reader is gone: 141, quietly (as GNU parallel).
    if (error instanceof ReaderGoneError) return readerGoneBeforeStart();
    throw error;
  } finally {
    await prepared.close();
  }
}

/**
 * Runs the prepared records as jobs. A signal while the run is torn down (the shutdown's own
 * listeners go with it) must not kill qrun before its summary: it is noted throughout, and one
 * the run did not see ends the run with that signal once the summary is written.
 */
async function runJobs(options: RunOptions, input: PreparedInput, fromTerminal: boolean, run: RunContext): Promise<RunSummary> {
  const late = listenForInterrupt(run.io.signals);
  try {
    return raisedLate(await runStages(options, input, fromTerminal, run), late.received());
  } finally {
    late.dispose();
  }
}

/** Runs the prepared records as jobs: each stage built once, disposed of in reverse. */
async function runStages(options: RunOptions, input: PreparedInput, fromTerminal: boolean, run: RunContext): Promise<RunSummary> {
  const { io, plan, notices } = run;
  const startedAt = Date.now();
  const disposals = new Disposals();
  let finish: () => RunSummary;
  try {
    const shutdown = disposals.add(new Shutdown(io.signals, options.graceMs), (phases) => phases.dispose());
    shutdown.follow(io.abort);
    // The number of jobs, counted while the run goes on (when the input can be read again): for the progress line and the fleet's status view.
    const counting = new AbortController();
    disposals.defer(() => counting.abort());
    const showProgress = wantsProgress(options.progress, io.stderr, io.env, options.output === 'ungroup');
    const countable = (showProgress || plan.traits.wantsTotal) && options.fill === undefined && options.pipe === undefined;
    const total = countable ? input.countTotal(counting.signal).then((records) => jobCount(records, options.perJob)) : Promise.resolve(undefined);
    // The executor comes first: one that cannot start (a Redis that cannot be reached) refuses before anything is written.
    const executorContext = { env: io.env, cwd: io.cwd, fail: (error: Error) => shutdown.fail(error), notice: (text: string) => notices.line(`${text}\n`), total: total.catch(() => undefined) };
    const executor = disposals.add(await plan.open(executorContext), (opened) => opened.close());
    // Everything else that can refuse to start (the report page, the log, the joblog, results) does so before any job runs.
    const page = options.report === undefined || options.dryRun ? undefined : startRunReport(options.report, startedAt, `qrun ${options.command.join(' ')}`.trimEnd());
    const log = await openRunLog(options, shutdown);
    const stdio = disposals.add(new StdioGuard({ stdout: io.stdout, stderr: io.stderr, terminate: (reason) => shutdown.terminate(reason), fail: (error) => shutdown.fail(error), kill: shutdown.kill, graceMs: termSeqMs(options.termSeq) }), (guard) => guard.dispose());
    const tempDir = disposals.add(new PrivateDir(io.tmpDir), (dir) => dir.dispose());
    const commands = commandsOf(options, input.header, io.env, jobCount(input.total, options.perJob));
    const recording = await openRecording(options, { stdout: io.stdout, stdio, tempDir, names: commands.names, warn: notices.warn }, disposals);
    // --results needs every byte to pass through qrun (no inherited fds, no capture files).
    const direct = plan.traits.local && recording.results === undefined;
    const sink = openOutput(options, { stdout: io.stdout, stderr: io.stderr, stdio, tempDir, lineEnds: run.lineEnds, tag: commands.tag, inheritable: direct && io.inheritable, captureFiles: direct, beforeWrite: notices.beforeWrite }, disposals);
    // Safety net for paths that skip the clean-up (a process.exit from elsewhere).
    disposals.coverExit();
    const pool = createPool(options.queueSize);
    const report = openReport(
      options,
      { stderr: io.stderr, env: io.env, lineEnds: run.lineEnds, startedAt, shutdown, notices, log, page, pool, knownTotal: jobCount(input.total, options.perJob), total, showProgress, fromTerminal, brokenPipe: () => stdio.brokenPipe, listeners: [...(options.pipe?.mode === 'pipe' ? [releaseStdin(input.release)] : []), ...(io.onEvent ? [io.onEvent] : [])] },
      disposals,
    );
    finish = report.finish;
    const crashed = crashReporter(report.emit, shutdown);
    const recorder = createRecorder({ results: recording.results, joblog: recording.joblog, emit: report.emit, onFailure: (error, job) => (error instanceof StreamWriteError ? stdio.failed(error) : crashed(error, job)) });
    const notStarted = (job: Job): void => {
      report.emit({ kind: 'job-not-started', job });
      sink.skip(job);
    };
    const execute = openExecution(
      options,
      { executor, sink, recorder, emit: report.emit, stop: shutdown.stop, kill: shutdown.kill, stdio, notices, log: log.log, readings: io.readings ?? thisMachine, commandFor: commands.commandFor, tag: commands.tag, timeLimit: report.timeLimit, notStarted, copiedEnv: copiedEnv(options.envNames, io.env, connectionVariables), dropCanceledOutput: recording.joblog !== undefined },
      disposals,
    );
    const jobs = jobStream(options, input.records, commands, {
      stop: shutdown.stop,
      skip: (seq) => recording.resumed?.done.has(seq) ?? false,
      onSkipped: (job) => {
        report.emit({ kind: 'job-skipped', job });
        sink.skip(job);
      },
      onBlank: (job) => sink.skip(job),
    });
    await pool
      .run({ waits: report.waits, jobs, concurrency: options.concurrency, stop: shutdown.stop, execute, onNotStarted: notStarted, onCrash: crashed })
      .catch((error: unknown) => crashed(new Error(`reading input failed: ${messageOf(error)}`, { cause: error }), undefined));
    await sink.close().catch((error: unknown) => crashed(error, undefined));
  } finally {
    await disposals.dispose();
  }
  return finish();
}

/** A run whose teardown a signal interrupted: it ends with that signal, as one interrupted earlier would. */
function raisedLate(summary: RunSummary, signal: InterruptSignal | undefined): RunSummary {
  if (signal === undefined || summary.interruptedBy !== undefined || summary.error !== undefined) return summary;
  return { ...summary, interruptedBy: signal, exitCode: 128 + signalNumbers[signal] };
}

/** A job that is over, or will never run, lets go of what it was given to read (--pipe blocks). */
function releaseStdin(release: PreparedInput['release']): EventSink {
  return (event) => {
    const job = event.kind === 'job-ended' ? event.result.job : event.kind === 'job-not-started' || event.kind === 'job-skipped' ? event.job : undefined;
    if (job?.stdin !== undefined) release(job.stdin);
  };
}
