// The execa executor, and the only execa import: one job -> one process group on this machine.

import type { Options } from 'execa';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { atProcessExit } from '../exit-hooks.js';
import { evictedError, notStartedResult, type Executor, type ExecutorFactory } from './executor.js';
import { ProcessGroups } from './process-groups.js';
import { supervise } from './supervise.js';
import { execaStdin } from './stdin-source.js';
import { commandForArgv } from './byte-command.js';

/** What a local executor can be told beyond the seam's context. */
export interface LocalExecutorOptions {
  /** Told of each job's process group as it starts (true) and ends (false): a worker's watchdog. */
  readonly onGroup?: (pgid: number, live: boolean) => void;
}

/** Starts each job as `<shell> -c <command>` in its own process group, through execa. */
export function localExecutor(settings: LocalExecutorOptions = {}): ExecutorFactory {
  return async ({ env, cwd }) => {
    // Loaded when the first executor is made: a run whose jobs all start through the spawn
    // helper never loads execa (part of qrun's start-up time).
    const { execa } = await import('execa');
    return startLocalExecutor(execa, settings, env, cwd);
  };
}

/** The default executor: jobs run on this machine. */
export const createLocalExecutor: ExecutorFactory = localExecutor();

function startLocalExecutor(execa: typeof import('execa').execa, settings: LocalExecutorOptions, env: NodeJS.ProcessEnv, cwd: string): Executor {
  // A plain copy, made once: reading process.env goes through a getter per variable.
  const baseEnv: NodeJS.ProcessEnv = { ...env };
  const base = reachable(cwd);
  const groups = new ProcessGroups();
  // Safety net: no job outlives qrun, even if the run's own cleanup is skipped.
  const forgetExitHook = atProcessExit(() => groups.killAll());
  const executor: Executor = {
    close: () => {
      groups.killAll();
      forgetExitHook();
    },
    run: async (spec, output, { kill, timeLimit, evict }) => {
      const local = output.local;
      let stdoutBytes = 0;
      const startedAt = Date.now();
      const started = performance.now();
      const options: Options = {
        // Own process group: Ctrl-C on a terminal reaches only qrun, and timeouts kill the whole tree.
        detached: true,
        // qrun tracks and cleans up its groups itself (ProcessGroups.killAll on exit).
        cleanup: false,
        buffer: false,
        reject: false,
        stdin: execaStdin(spec.stdin) as Options['stdin'],
        // execa passes a file descriptor number straight to the child (its types list only 3-9).
        stdout: (local?.stdout ?? 'pipe') as Options['stdout'],
        stderr: (local?.stderr ?? 'pipe') as Options['stderr'],
        env: { ...baseEnv, ...spec.env },
        extendEnv: false,
        cwd: spec.cwd === undefined ? base : resolve(base, spec.cwd),
      };
      let subprocess: ReturnType<typeof execa<Options>>;
      try {
        subprocess = execa(spec.shell, ['-c', commandForArgv(spec.command)], options);
      } catch (error) {
        // execa throws when spawn fails for lack of resources (EMFILE, ENFILE): a failed job, not a crash.
        const code = (error as NodeJS.ErrnoException).code ?? 'out of resources';
        return notStartedResult(`could not start: ${code}`, startedAt);
      }
      const pgid = subprocess.pid;
      const group = pgid === undefined ? undefined : supervise(pgid, { timeoutMs: spec.timeoutMs, termSeq: spec.termSeq, timeLimit, evict, kill, groups, onGroup: settings.onGroup });
      if (group !== undefined) {
        subprocess.once('exit', () => group.exited());
        if (local === undefined) {
          const { stdout, stderr } = subprocess;
          stdout?.on('data', (chunk: Buffer) => {
            stdoutBytes += chunk.length;
            holdWhile(stdout, output.port.onStdout(chunk));
          });
          stderr?.on('data', (chunk: Buffer) => holdWhile(stderr, output.port.onStderr(chunk)));
        }
      }
      const result = await subprocess;
      const { timedOut, canceled, evicted } = (await group?.finish()) ?? { timedOut: false, canceled: false, evicted: false };
      const spawnError = pgid === undefined || (result.exitCode === undefined && result.signal === undefined);
      return {
        exitCode: result.exitCode ?? null,
        signal: (result.signal as NodeJS.Signals | undefined) ?? null,
        timedOut,
        canceled,
        error: spawnError ? `could not start: ${(result as { code?: string }).code ?? result.shortMessage}` : evicted ? evictedError : null,
        startedAt,
        durationMs: performance.now() - started,
        stdoutBytes: local === undefined ? stdoutBytes : local.stdoutBytes(),
      };
    },
  };
  return executor;
}

/**
 * `cwd` as a path the job can be started in. Node decodes its working directory's name as UTF-8:
 * a name that is not (`/tmp/lat\xe9n`) comes back as a path that does not exist. qrun's own
 * directory is then named through /proc/self/cwd, which the new process resolves to the one it
 * inherited.
 */
function reachable(cwd: string): string {
  if (process.platform !== 'linux' || cwd !== process.cwd() || existsSync(cwd)) return cwd;
  return '/proc/self/cwd';
}

/** Reads no more of a job's stream until the port has taken the last chunk (back-pressure). */
function holdWhile(stream: NodeJS.ReadableStream, taken: void | Promise<void>): void {
  if (taken === undefined) return;
  stream.pause();
  void taken.then(
    () => stream.resume(),
    () => stream.resume(),
  );
}

