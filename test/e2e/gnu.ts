// Differential testing: the same argv through qrun and through the real GNU parallel, at once.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { baseEnv, qrunBin, track } from './helpers.js';

/** What a tool printed and how it exited. */
export interface Ran {
  readonly stdout: string;
  readonly stderr: string;
  readonly status: number | null;
}

/** Runs one program to its end (killed if it overruns), with `input` on stdin. */
export function ran(file: string, args: readonly string[], input: string, cwd: string | undefined): Promise<Ran> {
  const child = track(spawn(file, args, { cwd, env: { ...baseEnv, CI: 'true' }, stdio: ['pipe', 'pipe', 'pipe'] }), 60_000);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  child.stdin.on('error', () => undefined);
  child.stdin.end(input);
  return new Promise((resolve) => child.on('close', (status) => resolve({ stdout, stderr, status })));
}

/** stdout, stderr and status of both tools on the same argv (-k: output in input order), in `cwd`, run side by side. */
export async function both(args: readonly string[], input = '', cwd?: string, keepOrder = true): Promise<{ qrun: Ran; gnu: Ran }> {
  const order = keepOrder ? ['-k'] : [];
  const [qrun, gnu] = await Promise.all([ran(process.execPath, [qrunBin, '-q', ...order, ...args], input, cwd), ran('parallel', ['--will-cite', ...order, ...args], input, cwd)]);
  return { qrun, gnu };
}

/** Both tools print the same stdout and exit alike; GNU parallel must succeed unless `gnuStatus` says. */
export async function same(args: readonly string[], input = '', cwd?: string, gnuStatus = 0): Promise<void> {
  const { qrun, gnu } = await both(args, input, cwd);
  assert.equal(gnu.status, gnuStatus, `parallel ${args.join(' ')}: ${gnu.stderr}`);
  assert.equal(qrun.stdout, gnu.stdout, `qrun ${args.join(' ')}`);
  assert.equal(qrun.status, gnu.status);
}
