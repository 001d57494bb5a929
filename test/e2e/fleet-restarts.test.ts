// End to end: a fleet run through Redis restarts (with and without AOF), a paused Redis, and
// --halt now: every job's output printed once and whole, every job recorded once, as locally.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Qrun, describeProcesses, liveProcesses, runQrun } from './helpers.js';
import { TestRedis, haveRedis, startWorker, stopWorkers, until } from './fleet-helpers.js';

const skip = haveRedis ? false : 'needs redis-server';
const scratch = mkdtempSync(join(tmpdir(), 'qrun-e2e-restarts-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const jobCount = 12;
const linesPerJob = 15;

/** Job `seq` marks its start, prints 15 numbered lines over about a second, then ends. */
function jobsInput(marks: string, sleep: string): string {
  return Array.from({ length: jobCount }, () => `touch ${marks}/$QRUN_SEQ.$$; for i in $(seq ${linesPerJob}); do echo "$QRUN_SEQ line $i"; sleep ${sleep}; done`).join('\n');
}

function expectedOutput(): string {
  let text = '';
  for (let seq = 1; seq <= jobCount; seq++) for (let i = 1; i <= linesPerJob; i++) text += `${seq} line ${i}\n`;
  return text;
}

/**
 * Runs the jobs through two workers in group -k mode; `fault` strikes once three jobs have
 * started. Asserts what a local run gives: the exact output, exit 0, one row per job with exit 0
 * and the whole output's size, and no job process left. Returns the run's stderr.
 */
async function throughFault(redis: TestRedis, fault: () => Promise<void>): Promise<string> {
  const marks = mkdtempSync(join(scratch, 'marks-'));
  // A sleep of about 0.1 s whose duration is this test's own: its processes can be found.
  const sleep = `0.1${String(process.pid).padStart(7, '0')}${String(Date.now() % 1000).padStart(3, '0')}`;
  const log = join(scratch, `${sleep}.jl`);
  const workers = [await startWorker(redis, ['-c', '3', '--name', 'w1']), await startWorker(redis, ['-c', '3', '--name', 'w2'])];
  const submitter = new Qrun(['--redis', redis.url, '-k', '--joblog', log], { input: jobsInput(marks, sleep), limitMs: 120_000 });
  try {
    await until(() => readdirSync(marks).length >= 3, 'three jobs running');
    await fault();
    const result = await submitter.done;
    assert.equal(result.stdout.toString(), expectedOutput(), result.stderr);
    assert.equal(result.code, 0, result.stderr);
    const rows = readFileSync(log, 'utf8').trimEnd().split('\n').slice(1).map((row) => row.split('\t'));
    assert.deepEqual(rows.map((row) => Number(row[0])).sort((a, b) => a - b), Array.from({ length: jobCount }, (_, i) => i + 1), 'each job recorded once');
    for (const row of rows) {
      assert.equal(row[6], '0', row.join(' '));
      assert.equal(row[5], String(`${row[0]} line 1\n`.length * 9 + `${row[0]} line 10\n`.length * 6), `the whole output's size: ${row.join(' ')}`);
    }
    return result.stderr;
  } finally {
    await stopWorkers(workers);
    await until(() => liveProcesses(sleep).length === 0, 'no job left', 10_000, () => describeProcesses(liveProcesses(sleep)));
  }
}

describe('fleet: Redis restarts and pauses', { skip }, () => {
  it('Redis restarted with AOF mid-run: no line twice, none lost, every job recorded succeeded', async () => {
    const redis = await new TestRedis(['--appendonly', 'yes', '--appendfsync', 'always']).start();
    try {
      const stderr = await throughFault(redis, () => redis.restart(500));
      assert.doesNotMatch(stderr, /damaged|lost from/);
    } finally {
      redis.stop();
    }
  });

  it('Redis restarted without its data mid-run: jobs lost from the queue run again; each printed once, recorded once', async () => {
    const redis = await new TestRedis().start();
    try {
      const stderr = await throughFault(redis, () => redis.restart(500));
      assert.match(stderr, /^qrun: jobs were lost from the Redis queue at .* \(was it restarted, or out of memory\?\): queued again$/m);
      // The restart took BullMQ's settings with the data: its events stream (which qrun never
      // reads) would grow to BullMQ's default of 10,000 entries, over a megabyte left in Redis.
      assert.equal(redis.cli('--raw', 'hget', '{qrun}:qrun:meta', 'opts.maxLenEvents').trim(), '100');
    } finally {
      redis.stop();
    }
  });

  it('Redis paused for 13 s (longer than --run-ttl) mid-run: nothing fails, nothing is recorded twice', async () => {
    const redis = await new TestRedis().start();
    try {
      const stderr = await throughFault(redis, () => redis.pause(13_000));
      assert.doesNotMatch(stderr, /damaged|lost|never arrived/);
    } finally {
      redis.stop();
    }
  });
});

describe('fleet: --halt as locally', { skip }, () => {
  for (const halt of ['now,fail=1', 'soon,fail=1', 'now,success=2']) {
    it(`--halt ${halt}: the job that reaches it ends the run, no job after it starts, the exit status as locally`, async () => {
      const redis = await new TestRedis().start();
      const worker = await startWorker(redis, ['-c', '1']);
      try {
        // The job that reaches the halt says it is about to end; the submitter is then stopped
        // (SIGSTOP) while it ends, so only the worker can keep the next job from starting.
        const last = (marks: string): string => `touch ${marks}/ending; sleep 0.5; ${halt.includes('fail') ? 'exit 1' : 'true'}`;
        const first = (marks: string): string[] => (halt.includes('fail') ? [last(marks)] : ['sleep 0.1', last(marks)]);
        const input = (marks: string): string => [...first(marks), ...Array.from({ length: 5 }, (_, i) => `touch ${marks}/${i + 1}; echo ran ${i + 1}`)].join('\n');
        // -c 1 locally; in the fleet the one worker's -c 1 (the submitter takes no -c).
        const args = ['--halt', halt, '--joblog'];
        const localMarks = mkdtempSync(join(scratch, 'halt-local-'));
        const fleetMarks = mkdtempSync(join(scratch, 'halt-fleet-'));
        const localLog = `${localMarks}.jl`;
        const fleetLog = `${fleetMarks}.jl`;
        const local = await runQrun(['-c', '1', ...args, localLog], { input: input(localMarks) });
        const submitter = new Qrun(['--redis', redis.url, ...args, fleetLog], { input: input(fleetMarks) });
        await until(() => existsSync(join(fleetMarks, 'ending')), 'the job that reaches the halt');
        submitter.kill('SIGSTOP');
        await new Promise((resolve) => setTimeout(resolve, 2000));
        submitter.kill('SIGCONT');
        const fleet = await submitter.done;
        assert.equal(local.code, halt.includes('fail') ? 1 : 0, local.stderr);
        assert.equal(fleet.code, local.code, fleet.stderr);
        assert.equal(fleet.stdout.toString(), local.stdout.toString());
        assert.deepEqual(readdirSync(localMarks), ['ending']);
        assert.deepEqual(readdirSync(fleetMarks), ['ending'], 'no job after the one that reached it started');
        const rows = (path: string): string[] => readFileSync(path, 'utf8').trimEnd().split('\n').slice(1).map((row) => `${row.split('\t')[0]} ${row.split('\t')[6]}`);
        assert.deepEqual(rows(fleetLog), rows(localLog));
      } finally {
        await stopWorkers([worker]);
        redis.stop();
      }
    });
  }
});
