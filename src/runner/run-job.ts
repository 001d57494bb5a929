// The only place that starts processes: one job -> one JobResult, through execa.

import { execa, type Options } from 'execa';
import { resolve } from 'node:path';
import type { Job, JobResult } from '../jobs/job.js';
import { groupGone, signalGroup, type ProcessGroups } from './process-groups.js';

/** Where a job's output goes: qrun's own stdout/stderr inherited, files, or chunks handed to callbacks. */
export interface OutputTarget {
  /** 'pipe': chunks go to the callbacks; 'inherit': qrun's own; a number: a file descriptor to write into. */
  readonly stdout: 'pipe' | 'inherit' | number;
  readonly stderr: 'pipe' | 'inherit' | number;
  readonly onStdout: (chunk: Buffer) => void;
  readonly onStderr: (chunk: Buffer) => void;
  /** For a file descriptor target: how many bytes the job wrote to stdout. */
  readonly stdoutBytes?: () => number;
}

/** Settings and collaborators shared by every job of a run. */
export interface RunnerDeps {
  readonly shell: string;
  /** Default per-job timeout in ms (a job may set its own), or undefined for none. */
  readonly timeoutMs: number | undefined;
  /** Delay between SIGTERM and SIGKILL to a group. */
  readonly killAfterMs: number;
  /** Aborts when running jobs must be terminated (second signal, qrun failure). */
  readonly kill: AbortSignal;
  readonly groups: ProcessGroups;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly output: (job: Job) => OutputTarget;
}

/** Runs one job's command to completion; a failing job resolves with its result, never rejects. */
export type RunJob = (job: Job, command: string, slot: number) => Promise<JobResult>;

/** Builds the runner: each job is `<shell> -c <command>` in its own process group. */
export function createRunner(deps: RunnerDeps): RunJob {
  // A plain copy, made once: reading process.env goes through a getter per variable.
  const baseEnv: NodeJS.ProcessEnv = { ...deps.env };
  return async (job, command, slot) => {
    const output = deps.output(job);
    let stdoutBytes = 0;
    const target: OutputTarget = {
      ...output,
      onStdout: (chunk) => {
        stdoutBytes += chunk.length;
        output.onStdout(chunk);
      },
    };
    const timeoutMs = job.timeoutMs ?? deps.timeoutMs;
    const startedAt = Date.now();
    const started = performance.now();
    const options: Options = {
      // Own process group: Ctrl-C on a terminal reaches only qrun, and timeouts kill the whole tree.
      detached: true,
      // qrun tracks and cleans up its groups itself (ProcessGroups.killAll on exit).
      cleanup: false,
      buffer: false,
      reject: false,
      stdin: 'ignore',
      // execa passes a file descriptor number straight to the child (its types list only 3-9).
      stdout: target.stdout as Options['stdout'],
      stderr: target.stderr as Options['stderr'],
      env: { ...baseEnv, ...job.env, QRUN_SEQ: String(job.seq), QRUN_SLOT: String(slot) },
      extendEnv: false,
      cwd: job.cwd === undefined ? deps.cwd : resolve(deps.cwd, job.cwd),
    };
    let subprocess: ReturnType<typeof execa<Options>>;
    try {
      subprocess = execa(deps.shell, ['-c', command], options);
    } catch (error) {
      // execa throws when spawn fails for lack of resources (EMFILE, ENFILE): a failed job, not a crash.
      const code = (error as NodeJS.ErrnoException).code ?? 'out of resources';
      return { job, command, slot, exitCode: null, signal: null, timedOut: false, canceled: false, error: `could not start: ${code}`, startedAt, durationMs: 0, stdoutBytes: 0, attempts: 1 };
    }
    const pgid = subprocess.pid;
    let timedOut = false;
    let canceled = false;
    let killTimer: NodeJS.Timeout | undefined;
    let killed: Promise<void> | undefined;
    // SIGTERM to the whole group now, SIGKILL after the grace period; once per job.
    const terminate = (): void => {
      if (pgid === undefined || killed !== undefined || !signalGroup(pgid, 'SIGTERM')) return;
      killed = new Promise((resolve) => {
        killTimer = setTimeout(() => {
          signalGroup(pgid, 'SIGKILL');
          resolve();
        }, deps.killAfterMs);
      });
    };
    const onKill = (): void => {
      canceled = true;
      terminate();
    };
    let timeoutTimer: NodeJS.Timeout | undefined;
    if (pgid !== undefined) {
      deps.groups.add(pgid);
      if (timeoutMs !== undefined) {
        timeoutTimer = setTimeout(() => {
          timedOut = true;
          terminate();
        }, timeoutMs);
      }
      deps.kill.addEventListener('abort', onKill, { once: true });
      if (deps.kill.aborted) onKill();
      // When the shell exits, whatever it left in its group (e.g. `sleep 100 &`) is terminated
      // too, so it cannot hold the output pipe, and qrun, open.
      subprocess.once('exit', terminate);
      if (target.stdout === 'pipe') subprocess.stdout?.on('data', target.onStdout);
      if (target.stderr === 'pipe') subprocess.stderr?.on('data', target.onStderr);
    }
    const result = await subprocess;
    clearTimeout(timeoutTimer);
    deps.kill.removeEventListener('abort', onKill);
    if (pgid !== undefined) {
      // Members that ignore SIGTERM get their grace period, then SIGKILL.
      if (killed !== undefined) await groupGone(pgid, 50, killed);
      clearTimeout(killTimer);
      deps.groups.delete(pgid);
    }
    const spawnError = pgid === undefined || (result.exitCode === undefined && result.signal === undefined);
    return {
      job,
      command,
      slot,
      exitCode: result.exitCode ?? null,
      signal: (result.signal as NodeJS.Signals | undefined) ?? null,
      timedOut,
      canceled,
      error: spawnError ? `could not start: ${(result as { code?: string }).code ?? result.shortMessage}` : null,
      startedAt,
      durationMs: performance.now() - started,
      stdoutBytes: target.stdoutBytes?.() ?? stdoutBytes,
      attempts: 1,
    };
  };
}
