// Differential testing: the same argv through qrun and through the real GNU parallel.

import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { baseEnv, qrunBin } from './helpers.js';

/** What a tool printed and how it exited. */
export type Ran = SpawnSyncReturns<string>;

/** stdout, stderr and status of both tools on the same argv (-k: output in input order), in `cwd`. */
export function both(args: readonly string[], input = '', cwd?: string, keepOrder = true): { qrun: Ran; gnu: Ran } {
  const options = { cwd, encoding: 'utf8' as const, input, timeout: 60_000, killSignal: 'SIGKILL' as const, env: { ...baseEnv, CI: 'true' } };
  const order = keepOrder ? ['-k'] : [];
  return {
    qrun: spawnSync(process.execPath, [qrunBin, '-q', ...order, ...args], options),
    gnu: spawnSync('parallel', ['--will-cite', ...order, ...args], options),
  };
}

/** Both tools print the same stdout and exit alike; GNU parallel must succeed unless `gnuStatus` says. */
export function same(args: readonly string[], input = '', cwd?: string, gnuStatus = 0): void {
  const { qrun, gnu } = both(args, input, cwd);
  assert.equal(gnu.status, gnuStatus, `parallel ${args.join(' ')}: ${gnu.stderr}`);
  assert.equal(qrun.stdout, gnu.stdout, `qrun ${args.join(' ')}`);
  assert.equal(qrun.status, gnu.status);
}
