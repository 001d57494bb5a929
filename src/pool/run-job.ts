// One attempt of one job: its policy resolved, its output channel opened, then the executor runs it.

import type { Job, JobResult } from '../jobs/job.js';
import { encodeText } from '../byte-text.js';
import type { Evictions } from './memory-watch.js';
import { resolveSpec, type ExecSignals, type Executor, type OutputChannel, type RunDefaults } from '../runner/executor.js';

/** Runs one job's command to completion; a failing job resolves with its result, never rejects. */
export type RunJob = (job: Job, command: string, slot: number, attempt: number) => Promise<JobResult>;

/** What a RunJob is made of, passed in by the composition root. */
export interface RunJobDeps {
  readonly executor: Executor;
  readonly defaults: RunDefaults;
  /** Opens where this attempt's output goes (throws if it cannot, e.g. no temp directory). */
  readonly output: (job: Job) => OutputChannel;
  /** The run's stop and kill phases (and the --timeout N% limit, for jobs without their own). */
  readonly signals: ExecSignals;
  /** --memfree: running attempts, so that the youngest can be killed when memory runs short. */
  readonly evictions?: Evictions | undefined;
  /** -v in line mode: the command line is the first line of the job's stdout (ordered and tagged with it). */
  readonly echoCommand?: boolean | undefined;
}

/** Builds the worker's RunJob over an executor: the same for every executor behind the seam. */
export function createRunJob(deps: RunJobDeps): RunJob {
  // A job's own timeout wins over --timeout N%: such a job gets the signals without the limit.
  const { timeLimit, ...phases } = deps.signals;
  return async (job, command, slot, attempt) => {
    const spec = resolveSpec(job, command, slot, attempt, deps.defaults);
    const signals = timeLimit !== undefined && job.timeoutMs !== undefined ? phases : deps.signals;
    const eviction = deps.evictions?.add(job.seq);
    try {
      const channel = deps.output(job);
      if (deps.echoCommand === true) await channel.port.onStdout(encodeText(`${command}\n`));
      const ran = await deps.executor.run(spec, channel, eviction === undefined ? signals : { ...signals, evict: eviction.signal });
      return { job, command, slot, attempts: attempt, ...ran };
    } finally {
      eviction?.done();
    }
  };
}
