// End to end: the fleet mode, with a real redis-server and real `qrun worker` processes.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createServer } from 'node:net';
import { spawn } from 'node:child_process';
import { Qrun, baseEnv, describeProcesses, liveProcesses, qrunBin, runQrun, track, uniqueSleep } from './helpers.js';
import { TestRedis, haveRedis, startWorker, stopWorkers, until } from './fleet-helpers.js';
import { fleetChaos } from './chaos.js';

const skip = haveRedis ? false : 'needs redis-server';
const scratch = mkdtempSync(join(tmpdir(), 'qrun-e2e-fleet-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Joblog rows without Host and times: [seq, send, receive, exitval, signal, command]. */
function rowsOf(path: string): string[] {
  return readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((row) => {
      const f = row.split('\t');
      return [f[0], f[4], f[5], f[6], f[7], f.slice(8).join('\t')].join('\t');
    })
    .sort();
}

function hosts(path: string): string[] {
  return [...new Set(readFileSync(path, 'utf8').trimEnd().split('\n').slice(1).map((row) => row.split('\t')[1] as string))].sort();
}


const jobs = [
  'echo one',
  'printf "two\\nlines\\n"',
  'echo to-stderr >&2; exit 3',
  'sleep 0.3; echo slow',
  'head -c 300000 /dev/zero | tr "\\0" x; echo',
  'echo "$QRUN_SEQ"',
  'kill -9 $$',
  'exit 0',
].join('\n');

describe('fleet: the same job list through workers as locally', { skip }, () => {
  it('group -k: same stdout, stderr lines, exit status, joblog rows (but Host and times) and --results', async () => {
    const redis = await new TestRedis().start();
    const workers = [await startWorker(redis, ['-c', '2', '--name', 'w1']), await startWorker(redis, ['-c', '2', '--name', 'w2'])];
    try {
      const [localLog, fleetLog] = [join(scratch, 'local.jl'), join(scratch, 'fleet.jl')];
      const [localResults, fleetResults] = [join(scratch, 'local-results'), join(scratch, 'fleet-results')];
      const local = await runQrun(['-k', '-c', '4', '--joblog', localLog, '--results-seq', localResults], { input: jobs });
      const fleet = await runQrun(['--redis', redis.url, '-k', '--joblog', fleetLog, '--results-seq', fleetResults], { input: jobs });
      assert.equal(fleet.code, local.code);
      assert.equal(fleet.code, 2);
      assert.ok(fleet.stdout.equals(local.stdout), 'the same stdout bytes');
      assert.match(fleet.stderr, /^to-stderr$/m);
      assert.deepEqual(rowsOf(fleetLog), rowsOf(localLog));
      assert.deepEqual(hosts(localLog), [':']);
      for (const host of hosts(fleetLog)) assert.match(host, /^w[12]$/);
      for (const seq of ['1', '2', '5', '6']) {
        assert.equal(readFileSync(join(fleetResults, seq, 'stdout'), 'utf8'), readFileSync(join(localResults, seq, 'stdout'), 'utf8'));
      }
      assert.equal(JSON.parse(readFileSync(join(fleetResults, '3', 'result.json'), 'utf8')).exitCode, 3);
    } finally {
      await stopWorkers(workers);
      redis.stop();
    }
  });

  it('line and ungroup output, templates, NDJSON env and cwd, --env, retries: as a local run', async () => {
    const redis = await new TestRedis().start();
    const workers = [await startWorker(redis, ['-c', '2']), await startWorker(redis, ['-c', '2'])];
    try {
      // Line mode keeps lines whole; ungroup may interleave them, so only the bytes can be compared.
      const lines = (out: Buffer): string => out.toString().split('\n').sort().join('\n');
      const bytes = (out: Buffer): string => [...out.toString()].sort().join('');
      for (const [mode, same] of [['line', lines], ['ungroup', bytes]] as const) {
        const local = await runQrun(['-q', '--output', mode], { input: jobs });
        const fleet = await runQrun(['-q', '--redis', redis.url, '--output', mode], { input: jobs });
        assert.equal(same(fleet.stdout), same(local.stdout), mode);
      }
      const templated = await runQrun(['-k', '-q', '--redis', redis.url, 'echo {/} {.}'], { input: 'a/b.txt\nc d.tar.gz\n' });
      assert.equal(templated.stdout.toString(), 'b.txt a/b\nc d.tar.gz c d.tar\n');
      const dir = mkdtempSync(join(scratch, 'cwd-'));
      const ndjson = `{"cmd":"echo $GREETING; pwd","env":{"GREETING":"hi"},"cwd":"${dir}"}\n`;
      const sent = await runQrun(['-q', '--ndjson', '--redis', redis.url], { input: ndjson });
      assert.equal(sent.stdout.toString(), `hi\n${dir}\n`);
      // --env: the submitter's variable travels with the job to the worker (whose environment lacks it); its Redis settings never do.
      const copied = await runQrun(['-q', '--redis', redis.url, '--env', 'ONLY_HERE', '--env', 'QRUN_REDIS', 'echo "$ONLY_HERE ${QRUN_REDIS-none}"', ':::', 'x'], { env: { ONLY_HERE: 'from the submitter', QRUN_REDIS: redis.url } });
      assert.equal(copied.stdout.toString(), 'from the submitter none x\n', copied.stderr);
      const counter = join(scratch, 'retry-counter');
      const retried = await runQrun(['--redis', redis.url, '--retries', '2'], { input: `echo x >> ${counter}; [ $(wc -l < ${counter}) -ge 3 ] && echo third\n` });
      assert.equal(retried.code, 0, retried.stderr);
      assert.equal(retried.stdout.toString(), 'third\n', 'only the last attempt\'s output');
    } finally {
      await stopWorkers(workers);
      redis.stop();
    }
  });

  it('two runs sharing one queue each get their own output, and Redis is left as it was', async () => {
    const redis = await new TestRedis().start();
    const workers = [await startWorker(redis, ['-c', '4'])];
    try {
      const before = redis.keys();
      const input = (tag: string): string => Array.from({ length: 30 }, (_, i) => `echo ${tag}${i}`).join('\n');
      const [a, b] = await Promise.all([runQrun(['-q', '-k', '--redis', redis.url], { input: input('a') }), runQrun(['-q', '-k', '--redis', redis.url], { input: input('b') })]);
      assert.equal(a.stdout.toString(), `${input('a').replaceAll('echo ', '')}\n`);
      assert.equal(b.stdout.toString(), `${input('b').replaceAll('echo ', '')}\n`);
      const left = redis.keys().filter((key) => !before.includes(key));
      // BullMQ's own bookkeeping of the queue may appear once; nothing of the runs stays.
      assert.deepEqual(left.filter((key) => key.includes(':run:') || /\.\d+\.\d+$/.test(key)), []);
    } finally {
      await stopWorkers(workers);
      redis.stop();
    }
  });
});

describe('fleet: over TCP with a password', { skip }, () => {
  it('works, and the password reaches neither stderr nor the log', async () => {
    let redis: TestRedis | undefined;
    let port = 0;
    for (let tries = 0; tries < 5 && redis === undefined; tries++) {
      port = 20_000 + Math.floor(Math.random() * 20_000);
      redis = await new TestRedis(['--port', String(port), '--bind', '127.0.0.1', '--requirepass', 's3cret']).start().catch(() => undefined);
    }
    assert.ok(redis, 'redis-server on a loopback port');
    const url = `redis://:s3cret@127.0.0.1:${port}`;
    const worker = new Qrun(['worker', '--redis', url, '-c', '2'], { limitMs: 120_000 });
    try {
      await worker.waitFor((_out, err) => err.includes('taking jobs'), 'the worker');
      assert.match(worker.stderr, /on redis:\/\/:\*\*\*@127\.0\.0\.1:\d+, 2 at a time/);
      const log = join(scratch, 'tcp.ndjson');
      const result = await runQrun(['--redis', url, '-k', '--log-file', log], { input: 'echo a\necho b\n' });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout.toString(), 'a\nb\n');
      assert.doesNotMatch(readFileSync(log, 'utf8') + result.stderr + worker.stderr, /s3cret/);
    } finally {
      await stopWorkers([worker]);
      redis.stop();
    }
  });
});

describe('fleet: faults', { skip }, () => {
  it('a worker SIGKILLed mid-job: its jobs run again elsewhere, each recorded once, none left running', async () => {
    const redis = await new TestRedis().start();
    const marks = mkdtempSync(join(scratch, 'marks-'));
    const sleep = uniqueSleep();
    const log = join(scratch, 'killed.jl');
    const first = await startWorker(redis, ['-c', '2', '--lock-duration', '1s', '--name', 'doomed']);
    const input = Array.from({ length: 4 }, (_, i) => `touch ${marks}/$QRUN_SEQ.$$; sleep ${sleep} & wait; echo done ${i + 1}`).join('\n');
    const submitter = new Qrun(['--redis', redis.url, '-k', '--joblog', log], { input });
    let second: Qrun | undefined;
    try {
      await until(() => readdirSync(marks).length >= 2, 'two jobs running on the first worker');
      first.kill('SIGKILL');
      await first.done;
      // Its jobs die with it (its watchdog), rather than finishing as orphans.
      await until(() => liveProcesses(sleep).length === 0, "the dead worker's jobs to be killed", 10_000, () => `; left:\n${describeProcesses(liveProcesses(sleep))}\nworker stderr: ${first.stderr}`);
      // The rest run quickly on the second worker; the first's two run again after the lock expires.
      second = await startWorker(redis, ['-c', '4', '--lock-duration', '1s', '--name', 'survivor']);
      await until(() => readdirSync(marks).length >= 6, 'every job running on the second worker');
      for (const pid of liveProcesses(sleep)) process.kill(pid, 'SIGKILL');
      const result = await submitter.done;
      assert.equal(result.code, 4, `the jobs were killed by the test: each failed once; ${result.stderr}`);
    } finally {
      if (second) await stopWorkers([second]);
      redis.stop();
    }
    const rows = readFileSync(log, 'utf8').trimEnd().split('\n').slice(1);
    assert.deepEqual(rows.map((row) => row.split('\t')[0]).sort(), ['1', '2', '3', '4'], 'each job recorded exactly once');
    assert.ok(rows.every((row) => row.split('\t')[1] === 'survivor'));
  });

  it('a worker SIGKILLed: a process its job moved out of the job\'s group (setsid) is killed too, by the mark in its environment', async () => {
    const redis = await new TestRedis().start();
    const marks = mkdtempSync(join(scratch, 'escaped-'));
    const sleep = uniqueSleep();
    const worker = await startWorker(redis, ['-c', '1', '--name', 'doomed']);
    const submitter = new Qrun(['--redis', redis.url, '--wait-workers', '2s'], { input: `setsid sleep ${sleep} & touch ${marks}/started; wait\n` });
    try {
      await until(() => existsSync(join(marks, 'started')) && liveProcesses(sleep).length > 0, 'the job and its escaped sleep');
      worker.kill('SIGKILL');
      await worker.done;
      await until(() => liveProcesses(sleep).length === 0, 'the escaped process to be killed', 10_000, () => `; left:\n${describeProcesses(liveProcesses(sleep))}`);
      await submitter.done;
    } finally {
      for (const pid of liveProcesses(sleep)) process.kill(pid, 'SIGKILL');
      redis.stop();
    }
  });

  it("a worker SIGKILLed while its jobs print: group -k output and --results are the re-run's only", async () => {
    const redis = await new TestRedis().start();
    const marks = mkdtempSync(join(scratch, 'printed-'));
    const results = join(scratch, 'printed-results');
    const sleep = uniqueSleep();
    const first = await startWorker(redis, ['-c', '2', '--lock-duration', '1s', '--name', 'doomed']);
    // The first run of each job prints a line, then hangs; the run after it prints another and ends.
    const input = ['1', '2'].map(() => `if [ -e ${marks}/$QRUN_SEQ ]; then echo rerun $QRUN_SEQ; else touch ${marks}/$QRUN_SEQ; echo lost $QRUN_SEQ; sleep ${sleep} & wait; fi`).join('\n');
    const submitter = new Qrun(['--redis', redis.url, '-k', '--results-seq', results], { input });
    let second: Qrun | undefined;
    try {
      // The lost runs' lines have reached the submitter (its results files hold them).
      const seen = (seq: number): boolean => existsSync(join(results, String(seq), 'stdout')) && readFileSync(join(results, String(seq), 'stdout'), 'utf8').includes('lost');
      await until(() => seen(1) && seen(2), "both jobs' first lines at the submitter");
      first.kill('SIGKILL');
      await first.done;
      second = await startWorker(redis, ['-c', '2', '--lock-duration', '1s', '--name', 'survivor']);
      const result = await submitter.done;
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout.toString(), 'rerun 1\nrerun 2\n');
      assert.equal(readFileSync(join(results, '1', 'stdout'), 'utf8'), 'rerun 1\n');
      assert.equal(readFileSync(join(results, '2', 'stdout'), 'utf8'), 'rerun 2\n');
    } finally {
      if (second) await stopWorkers([second]);
      for (const pid of liveProcesses(sleep)) process.kill(pid, 'SIGKILL');
      redis.stop();
    }
  });

  it('a job whose workers die twice fails with the queue\'s reason, not a hang', async () => {
    const redis = await new TestRedis().start();
    const marks = mkdtempSync(join(scratch, 'stall-'));
    const sleep = uniqueSleep();
    const submitter = new Qrun(['--redis', redis.url], { input: `touch ${marks}/$$; sleep ${sleep}\n` });
    let last: Qrun | undefined;
    try {
      for (let death = 1; death <= 2; death++) {
        const worker = await startWorker(redis, ['-c', '1', '--lock-duration', '1s']);
        await until(() => readdirSync(marks).length >= death, `run ${death} of the job`);
        worker.kill('SIGKILL');
        await worker.done;
      }
      last = await startWorker(redis, ['-c', '1', '--lock-duration', '1s']);
      const result = await submitter.done;
      assert.equal(result.code, 1);
      assert.match(result.stderr, /failed #1, failed in the queue: job stalled more than allowable limit/);
      assert.equal(readdirSync(marks).length, 2, 'not run a third time');
    } finally {
      if (last) await stopWorkers([last]);
      redis.stop();
    }
  });

  it('a worker: first SIGTERM lets its job finish and exits 0; a second hands the job back to another worker', async () => {
    const redis = await new TestRedis().start();
    const dir = mkdtempSync(join(scratch, 'drain-'));
    try {
      const worker = await startWorker(redis, ['-c', '1']);
      const submitter = new Qrun(['-q', '--redis', redis.url, '--output', 'line'], { input: `echo started; while [ ! -e ${dir}/go ]; do sleep 0.05; done; echo finished\n` });
      await submitter.waitFor((out) => out.includes('started'), 'the job to start');
      worker.kill('SIGTERM');
      await worker.waitFor((_out, err) => err.includes('stopping'), 'the worker to stop taking jobs');
      writeFileSync(join(dir, 'go'), '');
      const drained = await worker.done;
      assert.equal(drained.code, 0);
      assert.equal((await submitter.done).stdout.toString(), 'started\nfinished\n');

      rmSync(join(dir, 'go'));
      const a = await startWorker(redis, ['-c', '1', '--name', 'a']);
      const log = join(scratch, 'handback.jl');
      const second = new Qrun(['-q', '--redis', redis.url, '--output', 'line', '--joblog', log], { input: `echo started-$QRUN_SEQ >&2; while [ ! -e ${dir}/go ]; do sleep 0.05; done; echo finished\n` });
      await second.waitFor((_out, err) => err.includes('started-1'), 'the job to start on a');
      a.kill('SIGTERM');
      await a.waitFor((_out, err) => err.includes('stopping'), 'a to stop taking jobs');
      a.kill('SIGTERM');
      const handedBack = await a.done;
      assert.equal(handedBack.signal, 'SIGTERM');
      const b = await startWorker(redis, ['-c', '1', '--name', 'b']);
      writeFileSync(join(dir, 'go'), '');
      const result = await second.done;
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout.toString(), 'finished\n');
      assert.deepEqual(hosts(log), ['b']);
      await stopWorkers([b]);
    } finally {
      redis.stop();
    }
  });

  it('the submitter: first Ctrl-C takes back waiting jobs and lets running ones finish; a second kills them on the worker', async () => {
    const redis = await new TestRedis().start();
    const sleep = uniqueSleep();
    const worker = await startWorker(redis, ['-c', '1']);
    try {
      const input = [`echo started; sleep 1; echo finished`, 'echo never-2', 'echo never-3'].join('\n');
      const once = new Qrun(['--redis', redis.url, '--output', 'line'], { input });
      await once.waitFor((out) => out.includes('started'), 'the first job');
      once.kill('SIGINT');
      const first = await once.done;
      assert.equal(first.signal, 'SIGINT');
      assert.equal(first.stdout.toString(), 'started\nfinished\n');
      assert.match(first.stderr, /1 succeeded, 0 failed, 2 not started/);

      const twice = new Qrun(['--redis', redis.url, '--output', 'line', '--kill-after', '200ms'], { input: `echo started; sleep ${sleep}\necho never\n` });
      await twice.waitFor((out) => out.includes('started'), 'the long job');
      twice.kill('SIGINT');
      await new Promise((resolve) => setTimeout(resolve, 300));
      twice.kill('SIGINT');
      const second = await twice.done;
      assert.equal(second.signal, 'SIGINT');
      assert.match(second.stderr, /0 succeeded, 1 failed \(1 canceled\), 1 not started/);
      await until(() => liveProcesses(sleep).length === 0, 'the job killed on the worker', 10_000);
    } finally {
      await stopWorkers([worker]);
      redis.stop();
    }
  });

  it('a submitter SIGKILLed: workers stop its jobs once its --run-ttl has passed', async () => {
    const redis = await new TestRedis().start();
    const sleep = uniqueSleep();
    const worker = await startWorker(redis, ['-c', '1']);
    try {
      const submitter = new Qrun(['--redis', redis.url, '--output', 'line', '--run-ttl', '1s'], { input: `echo started; sleep ${sleep}\n` });
      await submitter.waitFor((out) => out.includes('started'), 'the job');
      submitter.kill('SIGKILL');
      await submitter.done;
      await until(() => liveProcesses(sleep).length === 0, "the dead submitter's job to be stopped", 15_000);
      // The worker is free again for other runs.
      const next = await runQrun(['-q', '--redis', redis.url], { input: 'echo next\n' });
      assert.equal(next.stdout.toString(), 'next\n');
    } finally {
      await stopWorkers([worker]);
      redis.stop();
    }
  });

  it('Redis down at the start: one line, exit 255, the password never shown', async () => {
    const warning = 'the Redis password on the command line is visible to every user of this machine (ps); give it in QRUN_REDIS, QRUN_REDIS_PASSWORD_FILE (--redis-password-file) or REDISCLI_AUTH instead';
    const submitter = await runQrun(['--redis', 'redis://:s3cret@127.0.0.1:1'], { input: 'echo x\n' });
    assert.equal(submitter.code, 255);
    assert.equal(submitter.stderr, `qrun: warning: ${warning}\nqrun: cannot connect to Redis at redis://:***@127.0.0.1:1 (submitter): ECONNREFUSED\n`);
    const worker = await runQrun(['worker', '--redis', 'redis://:s3cret@127.0.0.1:1']);
    assert.equal(worker.code, 255);
    assert.equal(worker.stderr, `qrun worker: warning: ${warning}\nqrun: cannot connect to Redis at redis://:***@127.0.0.1:1 (worker): ECONNREFUSED\n`);
    // From the environment: no warning.
    const quiet = await runQrun(['worker'], { env: { QRUN_REDIS: 'redis://:s3cret@127.0.0.1:1' } });
    assert.equal(quiet.stderr, 'qrun: cannot connect to Redis at redis://:***@127.0.0.1:1 (worker): ECONNREFUSED\n');
    // ?password= and a password holding / or a bad %-escape are never shown.
    const query = await runQrun(['--redis', 'redis://127.0.0.1:1/?password=s3cret'], { input: 'echo x\n' });
    assert.match(query.stderr, /cannot connect to Redis at redis:\/\/127\.0\.0\.1:1\/\?password=\*\*\* \(submitter\)/);
    for (const url of ['redis://u:s3/cret@127.0.0.1:1', 'redis://u:s3%zzcret@127.0.0.1:1']) {
      const odd = await runQrun(['--redis', url], { input: 'echo x\n' });
      assert.equal(odd.code, 255);
      assert.doesNotMatch(odd.stderr, /s3|internal error/);
      assert.equal(odd.stderr.split('\n').filter(Boolean).length, 1, odd.stderr);
    }
    const queue = await runQrun(['worker', '--redis', 'redis://127.0.0.1:1'], { env: { QRUN_QUEUE: 'bad name' } });
    assert.equal(queue.stderr, "qrun: worker: QRUN_QUEUE must be 1 to 100 letters, digits, - or _, got 'bad name'\n");
    const bad = await runQrun(['--redis', 'http://x'], { input: 'echo x\n' });
    assert.equal(bad.stderr, "qrun: --redis must be a URL like redis://host:6379 or rediss://host:6380, got 'http://x'; see qrun --help\n");
  });

  it('Redis killed mid-run: a clear error, exit 255, nothing reported succeeded that was not recorded', async () => {
    const redis = await new TestRedis().start();
    const worker = await startWorker(redis, ['-c', '2', '--reconnect-timeout', '1s']);
    const log = join(scratch, 'redis-killed.jl');
    const input = Array.from({ length: 10 }, (_, i) => `echo ${i}; sleep 0.5`).join('\n');
    const submitter = new Qrun(['--redis', redis.url, '--output', 'line', '--joblog', log, '--reconnect-timeout', '1s'], { input });
    try {
      // Up to 60 s: the submitter and the worker start, connect and run three jobs (a busy CI machine took over 15 s).
      await submitter.waitFor((out) => out.split('\n').length > 3, 'a few jobs', 60_000);
      redis.kill();
      const result = await submitter.done;
      assert.equal(result.code, 255);
      assert.match(result.stderr, /^qrun: lost the connection to Redis at .*redis\.sock and could not reconnect within 1\.00s$/m);
      const succeeded = Number(/(\d+) succeeded/.exec(result.stderr)?.[1]);
      const rows = readFileSync(log, 'utf8').trimEnd().split('\n').slice(1);
      assert.equal(rows.length, succeeded, 'every success has its row');
      // The jobs running when Redis went are not recorded failed: --resume runs them again.
      assert.deepEqual(rows.filter((row) => row.split('\t')[6] !== '0'), [], 'no failed rows');
      const gone = await worker.done;
      assert.equal(gone.code, 255);
      assert.match(gone.stderr, /lost the connection to Redis/);
    } finally {
      redis.stop();
    }
  });

  it('no workers: the submitter says so, and --wait-workers gives up with exit 255', async () => {
    const redis = await new TestRedis().start();
    try {
      const result = await runQrun(['--redis', redis.url, '--wait-workers', '4s'], { input: 'echo x\n' });
      assert.equal(result.code, 255);
      assert.match(result.stderr, /^qrun: no worker is taking jobs from queue 'qrun' on .*; start one with: qrun worker --redis /m);
      assert.match(result.stderr, /^qrun: no worker took a job from queue 'qrun' within --wait-workers 4\.00s$/m);
      assert.deepEqual(redis.keys().filter((key) => key.includes(':run:')), []);
    } finally {
      redis.stop();
    }
  });
});

describe('fleet: more faults', { skip }, () => {
  it('a server that accepts and never answers: submitter and worker say so within seconds, exit 255', async () => {
    const server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `redis://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const [submitter, worker] = await Promise.all([runQrun(['--redis', url], { input: 'echo x\n', limitMs: 30_000 }), runQrun(['worker', '--redis', url], { limitMs: 30_000 })]);
      assert.equal(submitter.code, 255);
      assert.equal(submitter.stderr, `qrun: cannot connect to Redis at ${url} (submitter): no answer within 5s (is it Redis, and not hung?)\n`);
      assert.equal(worker.code, 255);
      assert.equal(worker.stderr, `qrun: cannot connect to Redis at ${url} (worker): no answer within 5s (is it Redis, and not hung?)\n`);
    } finally {
      server.close();
    }
  });

  it('a submitter SIGKILLed: its queued jobs never start (only the running ones can run again)', async () => {
    const redis = await new TestRedis().start();
    const marks = mkdtempSync(join(scratch, 'killed-submitter-'));
    const worker = await startWorker(redis, ['-c', '2']);
    try {
      const input = Array.from({ length: 30 }, () => `touch ${marks}/$QRUN_SEQ; sleep 0.2`).join('\n');
      const submitter = new Qrun(['--redis', redis.url], { input });
      await until(() => readdirSync(marks).length >= 2, 'two jobs started');
      submitter.kill('SIGKILL');
      await submitter.done;
      const atKill = readdirSync(marks).length;
      // Long enough for the worker to have run ten more jobs, well inside the 10 s --run-ttl.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      assert.ok(readdirSync(marks).length <= atKill + 2, `${readdirSync(marks).length} started, ${atKill} when it was killed`);
    } finally {
      await stopWorkers([worker]);
      redis.stop();
    }
  });

  it('every worker dies mid-run: --wait-workers gives up; the jobs get no joblog row', async () => {
    const redis = await new TestRedis().start();
    const marks = mkdtempSync(join(scratch, 'all-dead-'));
    const sleep = uniqueSleep();
    const log = join(scratch, 'all-dead.jl');
    const worker = await startWorker(redis, ['-c', '1']);
    try {
      const submitter = new Qrun(['--redis', redis.url, '--wait-workers', '3s', '--joblog', log], { input: `touch ${marks}/1; sleep ${sleep}\necho never\n` });
      await until(() => readdirSync(marks).length === 1, 'the job to start');
      worker.kill('SIGKILL');
      await worker.done;
      const result = await submitter.done;
      assert.equal(result.code, 255);
      assert.match(result.stderr, /^qrun: no worker has been connected to queue 'qrun' for --wait-workers 3\.00s \(the workers running this run's jobs stopped\)$/m);
      assert.equal(readFileSync(log, 'utf8').trimEnd().split('\n').length, 1, 'no rows: --resume runs both');
    } finally {
      for (const pid of liveProcesses(sleep)) process.kill(pid, 'SIGKILL');
      redis.stop();
    }
  });

  it('--wait-workers with no worker at all: the jobs are not started, no joblog row', async () => {
    const redis = await new TestRedis().start();
    const log = join(scratch, 'no-worker.jl');
    try {
      const result = await runQrun(['--redis', redis.url, '--wait-workers', '3s', '--joblog', log, '--summary-json', '-'], { input: 'echo x\necho y\n' });
      assert.equal(result.code, 255);
      assert.equal(readFileSync(log, 'utf8').trimEnd().split('\n').length, 1);
      const summary = JSON.parse(result.stdout.toString()) as { notStarted: number; failed: number };
      assert.equal(summary.notStarted, 2);
      assert.equal(summary.failed, 0);
    } finally {
      redis.stop();
    }
  });

  it('a worker under a low open-file limit fits -c to it; at -c 16 no listener warning; jobs do not see QRUN_REDIS', async () => {
    const redis = await new TestRedis().start();
    const low = track(spawn('bash', ['-c', `ulimit -n 64; exec '${process.execPath}' '${qrunBin}' worker -c 100`], { env: { ...baseEnv, QRUN_REDIS: redis.url }, stdio: ['ignore', 'ignore', 'pipe'] }), 60_000);
    let lowStderr = '';
    low.stderr.on('data', (chunk: Buffer) => (lowStderr += chunk.toString()));
    const lowEnded = new Promise((resolve) => low.on('close', resolve));
    await until(() => lowStderr.includes('taking jobs'), 'the worker under ulimit -n 64');
    const wide = await startWorker(redis, ['-c', '16']);
    try {
      const result = await runQrun(['-q', '--redis', redis.url], { input: Array.from({ length: 32 }, () => 'env | grep -c -e ^QRUN_REDIS -e ^REDISCLI_AUTH; sleep 0.1').join('\n'), env: { REDISCLI_AUTH: 'unused' } });
      assert.equal(result.stdout.toString(), '0\n'.repeat(32));
      await stopWorkers([wide]);
      assert.doesNotMatch(wide.stderr, /MaxListeners/);
      low.kill('SIGTERM');
      await lowEnded;
      assert.match(lowStderr, /--concurrency 100 needs about \d+ open files, over the limit of 64 \(ulimit -n\): running \d+ at a time/);
      assert.doesNotMatch(lowStderr, /Unhandled|EMFILE/);
    } finally {
      low.kill('SIGKILL');
      redis.stop();
    }
  });
});

describe('fleet: Redis out of memory', { skip }, () => {
  it('output Redis refused (maxmemory) fails its job with the reason; none of it printed as whole', async () => {
    const redis = await new TestRedis(['--maxmemory', '3mb', '--maxmemory-policy', 'noeviction']).start();
    const worker = await startWorker(redis, ['-c', '2']);
    const log = join(scratch, 'oom.jl');
    try {
      const input = 'yes abcdefghijklmnopqrstuvwxyz0123456789 | head -c 30000000\nyes xyz | head -c 20000000\necho small\n';
      const result = await runQrun(['--redis', redis.url, '-k', '--joblog', log], { input, limitMs: 120_000 });
      assert.equal(result.code, 2, result.stderr);
      assert.equal(result.stdout.toString(), 'small\n');
      assert.match(result.stderr, /its output was damaged on the way through Redis: \d+ bytes sent, \d+ received/);
      const rows = readFileSync(log, 'utf8').trimEnd().split('\n').slice(1).map((row) => row.split('\t'));
      assert.deepEqual(rows.filter((row) => row[6] === '0').map((row) => row[0]), ['3'], 'only the small job succeeded');
    } finally {
      await stopWorkers([worker]);
      redis.stop();
    }
  });
});

describe('fleet: bounded memory', { skip }, () => {
  it('100 MB from one job arrives whole, with Redis under a 32 MiB ceiling', async () => {
    const redis = await new TestRedis(['--maxmemory', '32mb', '--maxmemory-policy', 'noeviction']).start();
    const worker = await startWorker(redis, ['-c', '1']);
    try {
      const child = new Qrun(['-q', '--redis', redis.url, '--output', 'line'], { input: 'yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 100000000\n' });
      const result = await child.done;
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout.length, 100_000_000);
      const expected = createHash('sha256');
      const line = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz\n'.repeat(1000));
      let left = 100_000_000;
      while (left > 0) {
        const piece = line.subarray(0, Math.min(line.length, left));
        expected.update(piece);
        left -= piece.length;
      }
      assert.equal(createHash('sha256').update(result.stdout).digest('hex'), expected.digest('hex'));
      assert.ok(redis.usedMemory('used_memory_peak') < 32 * 1024 * 1024, `peak ${redis.usedMemory('used_memory_peak')}`);
    } finally {
      await stopWorkers([worker]);
      redis.stop();
    }
  });
});


describe('fleet: chaos (short)', { skip }, () => {
  it('workers, the submitter and Redis killed, Redis paused, at random: every job printed once, whole, in order, and recorded once', { timeout: 300_000 }, async (t) => {
    const seed = Number(process.env.QRUN_CHAOS_SEED ?? Date.now() % 100_000);
    // The seed, so a failure can be replayed: QRUN_CHAOS_SEED=<seed>. With AOF (the load run has none).
    t.diagnostic(`chaos seed ${seed}`);
    const report = await fleetChaos({ jobs: 120, workers: 3, faults: 4, kinds: ['worker', 'submitter', 'redis', 'pause'], aof: process.env.QRUN_CHAOS_AOF !== '0', seed, scratch, largeEvery: 25, pace: 0.5 });
    t.diagnostic(`chaos: faults ${JSON.stringify(report.struck)}; ${report.ranTwice} jobs ran twice; extra runs by the fault before them: ${JSON.stringify(report.ranTwiceAfter)}`);
  });
});
