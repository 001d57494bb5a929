// Part of the root: which executor runs the jobs (the spawn helper, execa, or the fleet through
// Redis), and the checks a local one needs before any job starts.

import type { RedisOptions, RunOptions } from './run-options.js';
import type { FleetHalt } from './redis/wire.js';
import { importFleet } from './fleet-import.js';
import { localTraits, type ExecutorFactory, type ExecutorPlan } from './runner/executor.js';
import { checkShell } from './runner/check-shell.js';
import { fitConcurrency, openFileLimit } from './runner/fd-budget.js';
import { helperExecutor } from './runner/helper/helper-executor.js';
import type { CallerInheritance } from './runner/helper/helper-process.js';
import { locateHelper } from './runner/helper/locate.js';
import { createLocalExecutor } from './runner/local-executor.js';
import { termSeqMs } from './runner/term-seq.js';
import type { HaltSpec } from './shutdown/halt.js';

/** The executor the options ask for (`given`: the caller's own factory, run as a local one unless --redis). */
export async function chooseExecutor(options: RunOptions, given: ExecutorFactory | undefined, debug: (text: string) => void, caller?: CallerInheritance): Promise<ExecutorPlan> {
  if (options.redis === undefined) return { traits: localTraits, open: given ?? localJobs(options, debug, caller) };
  const traits = { local: false, wantsTotal: true };
  // A dry run starts no job: nothing to connect to.
  if (options.dryRun) return { traits, open: given ?? createLocalExecutor };
  return { traits, open: given ?? (await fleetExecutor(options.redis, termSeqMs(options.termSeq), fleetHalt(options.halt))) };
}

/** Before a local run: the shell must exist, and -c is cut to what the open-file limit allows (`note` says so). */
export function checkLocal(options: RunOptions, env: NodeJS.ProcessEnv, note: (text: string) => void): RunOptions {
  checkShell(options.shell, env.PATH);
  const fitted = fitConcurrency(options.concurrency, openFileLimit());
  if (fitted.note !== undefined) note(fitted.note);
  return { ...options, concurrency: fitted.concurrency };
}

/** How jobs start on this machine: --executor auto (the spawn helper where it runs), helper or execa. */
function localJobs(options: RunOptions, debug: (text: string) => void, caller: CallerInheritance | undefined): ExecutorFactory {
  if (options.executor === 'execa') return createLocalExecutor;
  return helperExecutor({ binary: locateHelper(), required: options.executor === 'helper', fallback: createLocalExecutor, debug, caller });
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
