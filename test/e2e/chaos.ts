// A fault-injection run of the fleet: jobs through workers while a seeded driver SIGKILLs and
// restarts workers, the submitter (started again with --resume) and Redis, and pauses Redis;
// checked against what a correct run must print. Shared by the short run in `npm test` and the
// long one in `npm run test:load`.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Qrun, liveProcesses } from './helpers.js';
import { TestRedis, startWorker, stopWorkers, until } from './fleet-helpers.js';

/** The faults the driver picks from. */
export type Fault = 'worker' | 'submitter' | 'redis' | 'pause';

/** What a chaos run is made of. */
export interface ChaosPlan {
  readonly jobs: number;
  readonly workers: number;
  /** Faults, spread over the run, each picked at random from `kinds`. */
  readonly faults: number;
  readonly kinds: readonly Fault[];
  /** Redis keeps an append-only file (fsync every second, its default), so a restart keeps (most of) its data. */
  readonly aof: boolean;
  readonly seed: number;
  readonly scratch: string;
  /** Every this many jobs, one prints a large block (20,000 lines). */
  readonly largeEvery: number;
  /** Seconds each job sleeps after printing: the run lasts long enough for every fault to strike. */
  readonly pace: number;
}

/** What happened, for the closing report. */
export interface ChaosReport {
  readonly seed: number;
  /** How many of each fault struck. */
  readonly struck: Readonly<Record<Fault, number>>;
  /** Jobs whose side effect happened more than once (a run lost with its worker, then run again). */
  readonly ranTwice: number;
  /** The same, by the fault that struck last before the second run began. */
  readonly ranTwiceAfter: Readonly<Record<Fault, number>>;
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
 * Runs `plan.jobs` jobs in group -k mode through `plan.workers` workers while the faults strike;
 * asserts every job's output printed exactly once and whole, in order, across the submitter's
 * runs; one joblog row per job matching its output; every job run at least once; every fault
 * said in one line; nothing left running; Redis holding nothing of the runs, at its starting memory.
 */
export async function fleetChaos(plan: ChaosPlan): Promise<ChaosReport> {
  const next = random(plan.seed);
  const dir = mkdtempSync(join(plan.scratch, `chaos-${plan.seed}-`));
  const effects = join(dir, 'effects');
  writeFileSync(effects, '');
  const jobsFile = join(dir, 'jobs');
  // Each job appends its number (its side effect), prints its block slowly enough to be caught mid-way, then ends.
  writeFileSync(jobsFile, Array.from({ length: plan.jobs }, (_, i) => `echo $QRUN_SEQ >> ${effects}; seq -f "job $QRUN_SEQ line %g" ${linesOf(i + 1, plan.largeEvery)}; sleep ${plan.pace}`).join('\n'));
  // Every process of the run outlives the longest run (10,000 jobs take about ten minutes here).
  const limitMs = 3_600_000;
  const redis = await new TestRedis(plan.aof ? ['--appendonly', 'yes', '--appendfsync', 'everysec'] : [], limitMs).start();
  const joblog = join(dir, 'joblog');
  const struck: Record<Fault, number> = { worker: 0, submitter: 0, redis: 0, pause: 0 };
  let workers: Qrun[] = [];
  let named = 0;
  const addWorker = async (): Promise<void> => void workers.push(await startWorker(redis, ['-c', '2', '--lock-duration', '1s', '--name', `w${++named}`], { limitMs }));
  // A short --run-ttl: a killed submitter's jobs stop, and its keys go, within seconds.
  const submit = (resume: boolean): Qrun => new Qrun(['--redis', redis.url, '--run-ttl', '2s', '-k', '-q', '--joblog', joblog, ...(resume ? ['--resume'] : []), '-a', jobsFile], { limitMs });
  // What each submitter run printed, and said.
  const printed: Buffer[] = [];
  const said: string[] = [];
  try {
    for (let i = 0; i < plan.workers; i++) await addWorker();
    const startMemory = redis.usedMemory();
    let submitter = submit(false);
    // No fault before the submitter is connected: qrun refuses to start (255) when Redis cannot be
    // reached at its start, and the first fault may be due at once (a small seeded share of the jobs).
    const first = submitter;
    await until(() => first.child.exitCode !== null || aliveRuns(redis).length > 0, 'the submitter to connect', 60_000);
    const done = (): number => readFileSync(effects, 'utf8').split('\n').filter(Boolean).length;
    // Runs beyond each job's first, so far; each new one is put down to the fault before it.
    const extraRuns = (): number => done() - new Set(readFileSync(effects, 'utf8').split('\n').filter(Boolean)).size;
    const ranTwiceAfter: Record<Fault, number> = { worker: 0, submitter: 0, redis: 0, pause: 0 };
    let lastFault: Fault | undefined;
    let extraBefore = 0;
    const blame = (): void => {
      const extra = extraRuns();
      if (lastFault !== undefined) ranTwiceAfter[lastFault] += extra - extraBefore;
      extraBefore = extra;
    };
    for (let fault = 0; fault < plan.faults && submitter.child.exitCode === null; fault++) {
      // The next fault once a random share of the jobs has run.
      const at = Math.floor(((fault + next()) / plan.faults) * plan.jobs * 0.9);
      while (done() < at && submitter.child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 20));
      if (submitter.child.exitCode !== null) break;
      // No worker ends by itself: each fault is survived.
      for (const worker of workers) assert.equal(worker.child.exitCode, null, `seed ${plan.seed}: worker ended by itself after ${JSON.stringify(struck)}: ${worker.stderr}`);
      const kind = plan.kinds[Math.floor(next() * plan.kinds.length)] as Fault;
      struck[kind]++;
      blame();
      lastFault = kind;
      if (kind === 'worker') {
        const victim = Math.floor(next() * workers.length);
        const doomed = workers[victim] as Qrun;
        doomed.kill('SIGKILL');
        await doomed.done;
        workers = workers.filter((_, i) => i !== victim);
        await addWorker();
      } else if (kind === 'submitter') {
        submitter.kill('SIGKILL');
        const result = await submitter.done;
        printed.push(result.stdout);
        said.push(result.stderr);
        const runsBefore = new Set(aliveRuns(redis));
        submitter = submit(true);
        // The next fault strikes once the new submitter is connected: qrun refuses to start (255) when
        // Redis cannot be reached at its start, so a Redis restart must not land on its first connect.
        const restarted = submitter;
        await until(() => restarted.child.exitCode !== null || aliveRuns(redis).some((key) => !runsBefore.has(key)), 'the new submitter to connect', 60_000);
      } else if (kind === 'redis') {
        await redis.restart(Math.floor(200 + next() * 800));
      } else {
        await redis.pause(Math.floor(1000 + next() * 3000));
      }
      // Jobs whose run died run again once their 1 s lock has lapsed: the next fault waits until
      // they have, since a job whose run dies twice fails by design (BullMQ's stall limit).
      await new Promise((resolve) => setTimeout(resolve, kind === 'worker' || kind === 'redis' ? 3000 : 1000));
    }
    const result = await submitter.done;
    for (const worker of workers) assert.equal(worker.child.exitCode, null, `seed ${plan.seed}: worker ended by itself after ${JSON.stringify(struck)}: ${worker.stderr}`);
    printed.push(result.stdout);
    said.push(result.stderr);
    blame();
    const context = `seed ${plan.seed} (${JSON.stringify(struck)}): ${said.join('\n')}`;
    assert.equal(result.code, 0, context);
    // Every job's block exactly once, whole, in input order, across the runs: lost runs' output is not there.
    const expected = Array.from({ length: plan.jobs }, (_, i) => Array.from({ length: linesOf(i + 1, plan.largeEvery) }, (_, n) => `job ${i + 1} line ${n + 1}\n`).join('')).join('');
    const stdout = Buffer.concat(printed).toString();
    assert.equal(stdout.length, expected.length, `${context}: ${stdout.length} bytes printed, ${expected.length} expected`);
    assert.ok(stdout === expected, `${context}: the output differs from every job's block once, in order`);
    // One row per job, its Receive the bytes of its block.
    const rows = readFileSync(joblog, 'utf8').trimEnd().split('\n').slice(1).map((row) => row.split('\t'));
    assert.deepEqual(rows.map((row) => Number(row[0])).sort((a, b) => a - b), Array.from({ length: plan.jobs }, (_, i) => i + 1), `${context}: one row per job`);
    for (const row of rows) {
      const seq = Number(row[0]);
      const bytes = Array.from({ length: linesOf(seq, plan.largeEvery) }, (_, n) => `job ${seq} line ${n + 1}\n`).join('').length;
      assert.equal(Number(row[5]), bytes, `${context}: job ${seq}'s Receive`);
    }
    // Every fault said in one line, and nothing else: qrun's lines are its notices (-q: no summary).
    for (const line of said.join('').split('\n').filter(Boolean)) assert.match(line, /^qrun: (jobs were lost from the Redis queue|the output of jobs running while Redis)/, context);
    // Every job ran at least once; some ran twice (their first run died with its worker, or was cut).
    const counts = new Map<number, number>();
    for (const line of readFileSync(effects, 'utf8').split('\n').filter(Boolean)) counts.set(Number(line), (counts.get(Number(line)) ?? 0) + 1);
    assert.equal(counts.size, plan.jobs, `${context}: every job ran`);
    const ranTwice = [...counts.values()].filter((count) => count > 1).length;
    await until(() => liveProcesses(effects).length === 0, `${context}: no job left running`, 10_000);
    await stopWorkers(workers);
    workers = [];
    // Nothing of the runs is left in Redis (a killed submitter's keys expire with its --run-ttl),
    // and it holds no more than when the run began.
    await until(() => redis.keys().filter((key) => key.includes(':run:')).length === 0, `${context}: the runs' keys to go`, 30_000, () => `: ${redis.keys().join(' ')}`);
    const endMemory = redis.usedMemory();
    assert.ok(endMemory <= startMemory + 1024 * 1024, `${context}: Redis used ${startMemory} bytes at the start, ${endMemory} at the end; keys: ${redis.keys().join(' ')}; failed jobs: ${redis.cli('zcard', '{qrun}:qrun:failed').trim()}`);
    return { seed: plan.seed, struck, ranTwice, ranTwiceAfter };
  } finally {
    await stopWorkers(workers);
    redis.stop();
  }
}

/** The liveness keys of the runs Redis holds now. */
function aliveRuns(redis: TestRedis): string[] {
  return redis.cli('--raw', 'keys', '{qrun}:*:run:*:alive').split('\n').filter(Boolean);
}
