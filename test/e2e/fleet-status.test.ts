// End to end: `qrun status` against a real redis-server with two workers and two submitters: what
// each is doing, a SIGKILLed worker gone from the view once its key expires, --watch and --json,
// no key left behind, and the errors of a bad call.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Qrun, baseEnv, qrunBin, runQrun, track } from './helpers.js';
import { TestRedis, haveRedis, startWorker, stopWorkers, until } from './fleet-helpers.js';

const skip = haveRedis ? false : 'needs redis-server';
const scratch = mkdtempSync(join(tmpdir(), 'qrun-e2e-status-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface Status {
  queue: string;
  at: number;
  workers: { name: string; host: string; pid: number; concurrency: number; running: number; done: number; failed: number; seenAt: number; version: string }[];
  runs: { run: string; host: string; pid: number; queued: number; done: number; failed: number; total: number | null }[];
  jobs: { waiting: number; active: number; delayed: number };
}

async function status(redis: TestRedis, extra: string[] = []): Promise<Status> {
  const result = await runQrun(['status', '--redis', redis.url, '--json', ...extra]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
  return JSON.parse(result.stdout.toString()) as Status;
}

/** Reads the status until `predicate` holds (every 200 ms), or fails after `ms`. */
async function statusUntil(redis: TestRedis, predicate: (status: Status) => boolean, what: string, ms = 30_000): Promise<Status> {
  const deadline = Date.now() + ms;
  for (;;) {
    const now = await status(redis);
    if (predicate(now)) return now;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}: ${JSON.stringify(now)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('qrun status', { skip }, () => {
  it('two workers and two submitters: each worker with its -c and running jobs, each run with its counts; a SIGKILLed worker leaves the view when its key expires; nothing left after', async () => {
    const redis = await new TestRedis().start();
    // About 6 s, and this test's own: long enough to see every slot busy before any job ends.
    const sleep = `6.${String(process.pid).padStart(7, '0')}${String(Date.now() % 1000).padStart(3, '0')}`;
    const w1 = await startWorker(redis, ['-c', '2', '--name', 'w1', '--lock-duration', '5s']);
    const w2 = await startWorker(redis, ['-c', '3', '--name', 'w2', '--lock-duration', '5s']);
    const jobsFile = join(scratch, 'jobs.txt');
    // One run from a file (its total can be counted), one from ::: arguments (not counted).
    writeFileSync(jobsFile, Array.from({ length: 8 }, (_, i) => `sleep ${sleep}; echo a${i}`).join('\n'));
    const fromFile = new Qrun(['--redis', redis.url, '-a', jobsFile], { limitMs: 180_000 });
    const fromPipe = new Qrun(['--redis', redis.url, 'sleep {}; false', ':::', sleep, sleep], { limitMs: 180_000 });
    const workers = [w1, w2];
    try {
      // What each publishes is refreshed every second: read until both runs have said all they queued.
      const busy = await statusUntil(redis, (s) => s.runs.reduce((sum, run) => sum + run.queued, 0) === 10 && s.workers.reduce((sum, w) => sum + w.running, 0) === 5, 'all five slots busy and both runs seen with their jobs');
      assert.equal(busy.queue, 'qrun');
      assert.deepEqual(
        busy.workers.map((w) => [w.name, w.host, w.concurrency, w.running, w.version]),
        [
          ['w1', hostname(), 2, 2, busy.workers[0]?.version],
          ['w2', hostname(), 3, 3, busy.workers[0]?.version],
        ],
      );
      assert.match(busy.workers[0]?.version ?? '', /^\d+\.\d+\.\d+/);
      assert.deepEqual(busy.workers.map((w) => w.pid).sort(), [w1.child.pid, w2.child.pid].sort());
      assert.equal(busy.jobs.active, 5);
      assert.equal(busy.jobs.waiting + busy.jobs.active, 10, 'ten jobs queued, none done yet');
      const byPid = new Map(busy.runs.map((run) => [run.pid, run]));
      assert.deepEqual({ ...byPid.get(fromFile.child.pid as number), run: '' }, { ...byPid.get(fromFile.child.pid as number), run: '', host: hostname(), queued: 8, total: 8, done: 0, failed: 0 });
      assert.equal(byPid.get(fromPipe.child.pid as number)?.queued, 2);
      // The text view says the same in columns.
      const text = await runQrun(['status', '--redis', redis.url]);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout.toString(), new RegExp(`^queue 'qrun' on ${redis.url.replaceAll('/', '\\/').replaceAll('.', '\\.')}: \\d+ waiting, \\d+ active\\n\\nworkers: 2\\n  NAME  HOST +PID +-c  RUNNING  DONE  FAILED  UP +SEEN +VERSION\\n  w1 +\\S+ +\\d+ +2  +\\d +\\d +\\d +`));
      assert.match(text.stdout.toString(), /\nruns in progress: 2\n {2}RUN +HOST +PID +STARTED +DONE +RATE +FAILED +QUEUED\n/);
      assert.match(text.stdout.toString(), / \d\/8 +\d+\.\d\/s +\d +8\n/);

      // w2 dies: its jobs go back to the queue after the lock expires; it leaves the view once its key expires.
      w2.kill('SIGKILL');
      await w2.done;
      const gone = await statusUntil(redis, (s) => s.workers.length === 1, 'the dead worker to leave the view', 30_000);
      assert.deepEqual(gone.workers.map((w) => w.name), ['w1']);
      assert.ok(gone.at - (gone.workers[0]?.seenAt ?? 0) < 5000, 'w1 is seen afresh');
      // The failing run's job is counted as it ends.
      await statusUntil(redis, (s) => s.runs.some((run) => run.pid === fromPipe.child.pid && run.failed >= 1) || !s.runs.some((run) => run.pid === fromPipe.child.pid), 'the failed jobs counted', 120_000);
      const [a, b] = await Promise.all([fromFile.done, fromPipe.done]);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(b.code, 2, b.stderr);
      const ended = await status(redis);
      assert.deepEqual(ended.runs, [], 'a run that ended leaves the view at once');
      await stopWorkers([w1]);
      const stopped = await status(redis);
      assert.deepEqual(stopped.workers, [], 'a worker that stopped leaves the view at once');
      const idle = await runQrun(['status', '--redis', redis.url]);
      assert.match(idle.stdout.toString(), /\nworkers: none\n\nruns in progress: none\n$/);
      assert.deepEqual(redis.keys().filter((key) => key.includes(':worker:') || key.includes(':run:')), [], 'no key left behind');
    } finally {
      for (const run of [fromFile, fromPipe]) run.kill('SIGKILL');
      await stopWorkers(workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null));
      redis.stop();
    }
  });

  it('--watch --json prints one object per --interval until SIGINT, exit 0; at a terminal --watch redraws in place; bad calls are one line and 255', async () => {
    const redis = await new TestRedis().start();
    try {
      const watch = new Qrun(['status', '--redis', redis.url, '--watch', '--json', '--interval', '200ms']);
      await watch.waitFor((stdout) => stdout.split('\n').filter(Boolean).length >= 3, 'three readings');
      watch.kill('SIGINT');
      const result = await watch.done;
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stdout.toString().trimEnd().split('\n');
      for (const line of lines) assert.deepEqual((JSON.parse(line) as Status).workers, []);
      // At a terminal (under script), --watch redraws in place: each reading clears the screen first.
      const terminal = track(spawn('script', ['-qfec', `${process.execPath} ${qrunBin} status --redis ${redis.url} --watch --interval 200ms`, '/dev/null'], { env: baseEnv, stdio: ['pipe', 'pipe', 'ignore'] }), 60_000);
      let screen = '';
      terminal.stdout?.on('data', (chunk: Buffer) => (screen += chunk.toString()));
      const ended = new Promise((resolve) => terminal.on('close', resolve));
      await until(() => screen.split('\x1b[H\x1b[2J').length >= 3, 'two redraws at a terminal', 30_000, () => JSON.stringify(screen));
      // Ctrl-C at the terminal.
      terminal.stdin?.write('\x03');
      await ended;
      // eslint-disable-next-line no-control-regex
      assert.match(screen, /\x1b\[H\x1b\[2Jqueue 'qrun' on .*: 0 waiting, 0 active\r?\n/);
      const bad: [string[], string][] = [
        [['status'], 'qrun: status: --redis <url> is needed (or QRUN_REDIS)\n'],
        [['status', '--redis', redis.url, '--queue', 'a b'], "qrun: status: --queue must be 1 to 100 letters, digits, - or _, got 'a b'\n"],
        [['status', '--redis', redis.url, '--interval', 'soon'], "qrun: status: --interval must be a duration of 100ms or more, such as 2s, got 'soon'\n"],
        [['status', '--redis', join(scratch, 'no.sock')], `qrun: cannot connect to Redis at ${join(scratch, 'no.sock')} (status): ENOENT\n`],
        [['status', 'extra'], "qrun: status: unexpected argument 'extra'\n"],
      ];
      for (const [args, stderr] of bad) {
        const failed = await runQrun(args, { env: { QRUN_REDIS: '' } });
        assert.equal(failed.stderr, stderr, args.join(' '));
        assert.equal(failed.code, 255);
      }
    } finally {
      redis.stop();
    }
  });
});
