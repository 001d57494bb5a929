// The execution stage: how a worker runs one job (pacing, --load/--memfree gate, retries, time
// limits, evictions), its output handed to the sink and its end to the recorder.

import type { Disposals } from '../disposals.js';
import type { Job } from '../jobs/job.js';
import type { RunOptions } from '../run-options.js';
import type { Executor } from '../runner/executor.js';
import type { EventSink } from '../report/events.js';
import type { RunLog } from '../report/logger.js';
import type { Notices } from '../report/terminal/notices.js';
import { outputFrames } from '../output/frames.js';
import type { OutputSink } from '../output/output-sink.js';
import { StreamWriteError } from '../output/serial-writer.js';
import type { StdioGuard } from '../output/stdio-guard.js';
import type { Recorder } from '../recording/recorder.js';
import { createExecute } from './execute.js';
import { Evictions, watchMemory } from './memory-watch.js';
import { Pacer } from './pacer.js';
import { createRunJob } from './run-job.js';
import { StartGate } from './start-gate.js';
import { SlotLimit } from './slot-limit.js';
import { slotFileWatcher } from './slot-file.js';
import { openFileLimit } from '../runner/fd-budget.js';
import { availableParallelism } from 'node:os';
import type { SystemReadings } from './system-load.js';

/** What the execution stage is given. */
export interface ExecutionDeps {
  readonly executor: Executor;
  readonly sink: OutputSink;
  readonly recorder: Recorder;
  readonly emit: EventSink;
  readonly stop: AbortSignal;
  readonly kill: AbortSignal;
  readonly stdio: StdioGuard;
  readonly notices: Notices;
  readonly log: RunLog;
  readonly readings: SystemReadings;
  readonly commandFor: (job: Job, slot: number) => string;
  readonly tag: ((job: Job) => string) | undefined;
  /** --timeout N%: the time limit as it stands now. */
  readonly timeLimit: (() => number | undefined) | undefined;
  /** A job that will never run: reported, its output place given up. */
  readonly notStarted: (job: Job) => void;
  /** --env: the variables copied into every job's environment. */
  readonly copiedEnv: Readonly<Record<string, string>>;
  /** A joblog is kept: output of a job qrun killed is not printed (it runs again with --resume). */
  readonly dropCanceledOutput: boolean;
}

/** The workers' `execute(job, slot)`; the --memfree watch is stopped by `disposals`. */
export function openExecution(options: RunOptions, deps: ExecutionDeps, disposals: Disposals): (job: Job, slot: number) => Promise<void> {
  const { sink, stdio, notices } = deps;
  const evictions = options.memFree === undefined ? undefined : new Evictions();
  if (options.memFree !== undefined && evictions !== undefined) {
    const memFree = options.memFree;
    disposals.defer(
      watchMemory(memFree, deps.readings, evictions, (seq, free) => {
        notices.say(`--memfree: ${(free / 1024 / 1024).toFixed(0)} MB free, under half of ${memFree / 1024 / 1024} MB: killing job #${seq}`);
        deps.log.info({ seq, freeBytes: free }, 'memfree: killing the youngest job');
      }),
    );
  }
  const runJob = createRunJob({
    evictions,
    executor: deps.executor,
    defaults: { shell: options.shell, timeoutMs: deps.timeLimit ?? (() => options.timeoutMs), termSeq: options.termSeq, retries: options.retries, pid: process.pid, nice: options.nice, env: deps.copiedEnv, slotVariable: options.slotVariable },
    output: (job) => deps.recorder.output(job, sink.target(job)),
    signals: { stop: deps.stop, kill: deps.kill, timeLimit: deps.timeLimit },
    echoCommand: options.showCommand.stdout && options.output === 'line',
  });
  const execute = createExecute({
    runJob,
    commandFor: deps.commandFor,
    retries: options.retries,
    retryDelayMs: options.retryDelayMs,
    stop: deps.stop,
    pacer: new Pacer(options.delayMs),
    emit: deps.emit,
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
    recorder: deps.recorder,
    frame: outputFrames({ githubGroups: options.annotate === 'github-group', labelFailures: !options.silent }),
    dryRun: options.dryRun,
    // -v: in group mode in front of the held output, in line mode through the job's own stdout (runJob), ungrouped as it starts.
    showCommand: { stdout: !options.showCommand.stdout ? undefined : options.output === 'group' ? 'frame' : options.output === 'ungroup' ? 'start' : undefined, stderr: options.showCommand.stderr },
    tag: deps.tag,
    dropCanceledOutput: deps.dropCanceledOutput,
    onNotStarted: deps.notStarted,
    gate: options.maxLoad === undefined && options.memFree === undefined ? undefined : new StartGate({ maxLoad: options.maxLoad, memFree: options.memFree }, deps.readings, notices.say),
  });
  if (options.slotsFile === undefined) return execute;
  // -j <file>: a job takes one of the slots 1..limit before it starts; the file is read again as jobs complete.
  const limit = new SlotLimit(options.slotsFile.initial, slotFileWatcher(options.slotsFile.path, availableParallelism(), openFileLimit, notices.warn));
  return async (job) => {
    const slot = await limit.take(deps.stop);
    if (slot === undefined) return deps.notStarted(job);
    try {
      await execute(job, slot);
    } finally {
      limit.give(slot);
    }
  };
}
