// The fast executor: jobs start through the spawn helper (no fork of qrun itself), their output
// written into qrun's stdio or files, or forwarded by the helper through the output port; every
// job goes to the execa executor if the helper cannot run here, or after it died.

import { constants } from 'node:os';
import { UsageError } from '../../errors.js';
import { atProcessExit } from '../../exit-hooks.js';
import { evictedError, notStartedResult, type Executor, type ExecutorFactory, type LocalStdio } from '../executor.js';
import { ProcessGroups } from '../process-groups.js';
import { supervise } from '../supervise.js';
import { startSpawnHelper, type CallerInheritance, type SpawnHelper } from './helper-process.js';
import { decodeStatus, helperProtocol, type HelperStdio } from './protocol.js';

/** How the helper executor is chosen and told things. */
export interface HelperExecutorOptions {
  /** The helper binary for this machine, or why there is none. */
  readonly binary: { readonly path: string } | { readonly reason: string };
  /** --executor helper: a helper that cannot run is an error, not a quiet fallback. */
  readonly required: boolean;
  /** Runs what the helper cannot (and everything, if it cannot run). */
  readonly fallback: ExecutorFactory;
  /** A line for --log-level debug. */
  readonly debug: (text: string) => void;
  /** What the jobs inherit of what qrun's caller gave it (fds 3 and up, the soft open-file limit). */
  readonly caller?: CallerInheritance | undefined;
  /** "NAME=value" in every job's environment, by which the helper finds a dead qrun's jobs that left their group. */
  readonly mark?: string | undefined;
}

const signalNames = new Map<number, NodeJS.Signals>(Object.entries(constants.signals).map(([name, number]) => [number, name as NodeJS.Signals]));
const errnoNames = new Map<number, string>(Object.entries(constants.errno).map(([name, number]) => [number, name]));

/** The spawn-helper executor, falling back to `fallback` wherever it cannot serve. */
export function helperExecutor(options: HelperExecutorOptions): ExecutorFactory {
  return async (context) => {
    const unavailable = async (reason: string): Promise<Executor> => {
      if (options.required) throw new UsageError(`--executor helper cannot be used: ${reason}`);
      options.debug(`the spawn helper cannot be used (${reason}): jobs start through execa`);
      return options.fallback(context);
    };
    if ('reason' in options.binary) return unavailable(options.binary.reason);
    let closing = false;
    // In qrun's own directory, it is inherited, not named: a name that is not UTF-8 would not survive Node's decoding.
    const cwd = context.cwd === process.cwd() ? undefined : context.cwd;
    const onDeath = (reason: string): void => {
      if (!closing) options.debug(`the spawn helper stopped (${reason}): the next jobs start through execa`);
    };
    const started = startSpawnHelper(options.binary.path, context.env, cwd, onDeath, { caller: options.caller, mark: options.mark });
    if ('reason' in started) return unavailable(started.reason);
    // The helper and qrun speak the same protocol, or the helper is not used (a stale build in a checkout).
    const hello = await started.helper.ready;
    const refused = 'reason' in hello ? hello.reason : hello.version === helperProtocol ? undefined : `${options.binary.path} speaks protocol ${hello.version}, this qrun ${helperProtocol} (a stale build: npm run build makes it again)`;
    if (refused !== undefined) {
      closing = true;
      await started.helper.close();
      return unavailable(refused);
    }
    options.debug(`jobs start through the spawn helper ${options.binary.path} (protocol ${helperProtocol})`);
    const groups = new ProcessGroups();
    const forgetExitHook = atProcessExit(() => groups.killAll());
    // The execa executor is made only when a job needs it (not loaded at all otherwise).
    let made: Executor | undefined;
    let making: Promise<Executor> | undefined;
    const fallback = (): Executor | Promise<Executor> =>
      made ?? (making ??= Promise.resolve(options.fallback(context)).then((executor) => (made = executor)));
    return withHelper(started.helper, fallback, () => made, groups, () => {
      closing = true;
      groups.killAll();
      forgetExitHook();
      return started.helper.close();
    });
  };
}

function withHelper(
  helper: SpawnHelper,
  fallback: () => Executor | Promise<Executor>,
  madeFallback: () => Executor | undefined,
  groups: ProcessGroups,
  close: () => Promise<void>,
): Executor {
  /** Runs a job on the execa executor (made on first use). */
  const viaExeca: Executor['run'] = (spec, output, signals) => {
    const executor = fallback();
    return executor instanceof Promise ? executor.then((made) => made.run(spec, output, signals)) : executor.run(spec, output, signals);
  };
  return {
    // Groups are killed at once (close must do that before it returns); the helper's exit is awaited.
    close: async () => {
      const helperGone = close();
      await madeFallback()?.close();
      await helperGone;
    },
    run: async (spec, output, signals) => {
      if (helper.dead()) return viaExeca(spec, output, signals);
      const local = output.local;
      const port = output.port;
      let piped = 0;
      // Output that passes through qrun comes from pipes the helper reads, chunk by chunk.
      const forward = (stream: 1 | 2, data: Buffer): void | Promise<void> => {
        if (stream === 2) return port.onStderr(data);
        piped += data.length;
        return port.onStdout(data);
      };
      const startedAt = Date.now();
      const started = performance.now();
      let start;
      try {
        start = await helper.start(
          {
            shell: spec.shell,
            command: spec.command,
            // Relative to the helper's directory, which is the run's.
            cwd: spec.cwd ?? '',
            stdout: local === undefined ? { kind: 'pipe' } : stdio(local.stdout),
            stderr: local === undefined ? { kind: 'pipe' } : stdio(local.stderr),
            env: spec.env,
            stdin: spec.stdin,
          },
          forward,
        );
      } catch (error) {
        return notStartedResult(`could not start: ${(error as Error).message}`, startedAt);
      }
      // The helper died before it said: the job never started, so run it the other way.
      if (start.kind === 'lost') return viaExeca(spec, output, signals);
      if (start.kind === 'failed') return notStartedResult(`could not start: ${errnoNames.get(start.errno) ?? `errno ${start.errno}`}`, startedAt);
      // The timeout counts from the helper's report that the job started.
      const group = supervise(start.pid, { timeoutMs: spec.timeoutMs, termSeq: spec.termSeq, timeLimit: signals.timeLimit, evict: signals.evict, kill: signals.kill, groups });
      const end = await start.ended;
      group.exited(end.kind === 'ended' && end.groupEmpty);
      const { timedOut, canceled, evicted } = await group.finish();
      const how = end.kind === 'ended' ? decodeStatus(end.status, (signo) => signalNames.get(signo)) : { exitCode: null, signal: null };
      return {
        ...how,
        timedOut,
        canceled,
        // The helper died while the job ran: its group was terminated (above), and the job failed with the reason.
        error: end.kind === 'lost' ? 'the spawn helper died while the job ran' : evicted ? evictedError : null,
        startedAt,
        durationMs: performance.now() - started,
        stdoutBytes: local === undefined ? piped : local.stdoutBytes(),
      };
    },
  };
}

/** A job's stdio as the helper takes it: inherited, or the capture file qrun holds, reopened by path. */
function stdio(target: LocalStdio['stdout']): HelperStdio {
  return target === 'inherit' ? { kind: 'inherit' } : { kind: 'path', path: `/proc/${process.pid}/fd/${target}` };
}

