// A fault-injection run of the fleet: jobs through workers that a seeded driver SIGKILLs and
// restarts at random, checked against what a correct run must print. Shared by the short run in
// `npm test` and the long one in `npm run test:load`.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Qrun, liveProcesses } from './helpers.js';
import { TestRedis, startWorker, stopWorkers } from './fleet-helpers.js';

/** What a chaos run is made of. */
export interface ChaosPlan {
  readonly jobs: number;
  readonly workers: number;
  /** Worker kills, spread over the run. */
  readonly kills: number;
  readonly seed: number;
  readonly scratch: string;
  /** Every this many jobs, one prints a large block (20,000 lines). */
  readonly largeEvery: number;
}

/** What happened, for the closing report. */
export interface ChaosReport {
  readonly seed: number;
  readonly kills: number;
  /** Jobs whose side effect happened more than once (a run lost with its worker, then run again). */
  readonly ranTwice: number;
}

/** A small deterministic generator (mulberry32): the same seed, the same faults. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Lines job `seq` prints: a numbered block, large for every `largeEvery`th job. */
function linesOf(seq: number, largeEvery: number): number {
  return seq % largeEvery === 0 ? 20_000 : 1 + (seq % 7) * 10;
}

/**
 * Runs `plan.jobs` jobs in group -k mode through `plan.workers` workers while workers are
 * SIGKILLed and started again; asserts every job's output printed exactly once and whole, in
 * order, one joblog row per job matching its output, every job run at least once, nothing left
 * running and Redis holding nothing of the run.
 */
export async function workerChaos(plan: ChaosPlan): Promise<ChaosReport> {
  const next = random(plan.seed);
  const dir = mkdtempSync(join(plan.scratch, `chaos-${plan.seed}-`));
  const effects = join(dir, 'effects');
  writeFileSync(effects, '');
  const jobsFile = join(dir, 'jobs');
  // Each job appends its number (its side effect), prints its block slowly enough to be caught mid-way, then ends.
  writeFileSync(jobsFile, Array.from({ length: plan.jobs }, (_, i) => `echo $QRUN_SEQ >> ${effects}; seq -f "job $QRUN_SEQ line %g" ${linesOf(i + 1, plan.largeEvery)}; sleep 0.0$((QRUN_SEQ % 5))`).join('\n'));
  const redis = await new TestRedis().start();
  const joblog = join(dir, 'joblog');
  let workers: Qrun[] = [];
  let kills = 0;
  try {
    for (let i = 0; i < plan.workers; i++) workers.push(await startWorker(redis, ['-c', '2', '--lock-duration', '1s', '--name', `w${i}`]));
    const submitter = new Qrun(['--redis', redis.url, '-k', '-q', '--joblog', joblog, '-a', jobsFile], { limitMs: 600_000 });
    const done = (): number => readFileSync(effects, 'utf8').split('\n').filter(Boolean).length;
    while (kills < plan.kills && submitter.child.exitCode === null) {
      // The next kill once a random share of the jobs has run.
      const at = Math.floor(((kills + next()) / plan.kills) * plan.jobs * 0.9);
      while (done() < at && submitter.child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 20));
      if (submitter.child.exitCode !== null) break;
      const victim = Math.floor(next() * workers.length);
      const doomed = workers[victim] as Qrun;
      doomed.kill('SIGKILL');
      await doomed.done;
      kills++;
      workers = workers.filter((_, i) => i !== victim);
      workers.push(await startWorker(redis, ['-c', '2', '--lock-duration', '1s', '--name', `w${plan.workers + kills}`]));
      // The killed worker's jobs run again once their 1 s lock has lapsed: the next kill waits
      // until they have, since a job whose run dies twice fails by design (BullMQ's stall limit).
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
    const result = await submitter.done;
    assert.equal(result.code, 0, `seed ${plan.seed}: ${result.stderr}`);
    // Every job's block exactly once, whole, in input order: the lost runs' output is not there.
    const expected = Array.from({ length: plan.jobs }, (_, i) => Array.from({ length: linesOf(i + 1, plan.largeEvery) }, (_, n) => `job ${i + 1} line ${n + 1}\n`).join('')).join('');
    const stdout = result.stdout.toString();
    assert.equal(stdout.length, expected.length, `seed ${plan.seed}: ${stdout.length} bytes printed, ${expected.length} expected`);
    assert.ok(stdout === expected, `seed ${plan.seed}: the output differs from every job's block once, in order`);
    // One row per job, its Receive the bytes of its block.
    const rows = readFileSync(joblog, 'utf8').trimEnd().split('\n').slice(1).map((row) => row.split('\t'));
    assert.deepEqual(rows.map((row) => Number(row[0])).sort((a, b) => a - b), Array.from({ length: plan.jobs }, (_, i) => i + 1), `seed ${plan.seed}: one row per job`);
    for (const row of rows) {
      const seq = Number(row[0]);
      const bytes = Array.from({ length: linesOf(seq, plan.largeEvery) }, (_, n) => `job ${seq} line ${n + 1}\n`).join('').length;
      assert.equal(Number(row[5]), bytes, `seed ${plan.seed}: job ${seq}'s Receive`);
    }
    // Every job ran at least once; some ran twice (their first run died with its worker).
    const counts = new Map<number, number>();
    for (const line of readFileSync(effects, 'utf8').split('\n').filter(Boolean)) counts.set(Number(line), (counts.get(Number(line)) ?? 0) + 1);
    assert.equal(counts.size, plan.jobs, `seed ${plan.seed}: every job ran`);
    const ranTwice = [...counts.values()].filter((count) => count > 1).length;
    assert.deepEqual(liveProcesses(effects), [], `seed ${plan.seed}: no job left running`);
    return { seed: plan.seed, kills, ranTwice };
  } finally {
    await stopWorkers(workers);
    // Nothing of the run is left in Redis.
    const left = existsSync(redis.socket) ? redis.keys().filter((key) => key.includes(':run:')) : [];
    redis.stop();
    assert.deepEqual(left, [], `seed ${plan.seed}: the run's keys are gone`);
  }
}
