// A worker's side of the fleet in one process, against a real redis-server (when installed, as in
// CI): runWorker with its job processor, stream writer, run states and presence, fed by the
// submitter's executor; the status a query reads and prints; the connection; the watchdog.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { UsageError } from '../../../src/errors.js';
import { connect, within } from '../../../src/redis/connection.js';
import { readFleetStatus, type FleetStatus } from '../../../src/redis/fleet-status.js';
import { publish } from '../../../src/redis/presence.js';
import { openRedisExecutor } from '../../../src/redis/redis-executor.js';
import { RunStates } from '../../../src/redis/run-states.js';
import { statusText } from '../../../src/redis/status-view.js';
import { parseRedisUrl } from '../../../src/redis/url.js';
import { markVariable, startWatchdog } from '../../../src/redis/watchdog.js';
import { runWorker } from '../../../src/redis/worker.js';
import { runKeys } from '../../../src/redis/keys.js';
import { StreamWriter } from '../../../src/redis/stream-writer.js';
import { decodeRecord } from '../../../src/redis/wire.js';
import { applyHalt } from '../../../src/redis/worker-jobs.js';
import { execResult } from '../fakes/fakes.js';
import type { ExecResult, JobSpec } from '../../../src/runner/executor.js';
import { killAfterSeq } from '../../../src/runner/term-seq.js';
import { TestRedis, haveRedis, until } from '../../e2e/fleet-helpers.js';

const spec = (seq: number, command: string): JobSpec => ({ seq, attempt: 1, slot: 1, command, shell: '/bin/sh', timeoutMs: undefined, termSeq: killAfterSeq(200), env: { GREETING: 'hi' }, cwd: undefined });

describe('the worker side against redis-server', { skip: !haveRedis && 'redis-server is not installed' }, () => {
  const redis = new TestRedis();
  after(() => redis.stop());

  it("runs the submitter's jobs in its slots, streams their output and result back, shows itself in the status, and stops at the first signal (exit 0)", async () => {
    await redis.start();
    const target = parseRedisUrl(redis.url);
    const signals = new EventEmitter();
    const stderr = new PassThrough();
    let said = '';
    stderr.on('data', (chunk: Buffer) => (said += chunk.toString()));
    const working = runWorker({ target, queue: 'unit', concurrency: 2, name: 'unit-worker', lockDurationMs: 5000, reconnectMs: 5000 }, { stderr, env: { PATH: process.env.PATH }, cwd: '/', signals });
    const notices: string[] = [];
    const executor = await openRedisExecutor({ target, queue: 'unit', runTtlMs: 5000, waitWorkersMs: undefined, reconnectMs: 5000, killAfterMs: 1000, notice: (text) => notices.push(text), fail: (error) => assert.fail(error) });
    const stop = new AbortController();
    const kill = new AbortController();
    const outputs = new Map<number, string>();
    const run = (seq: number, command: string): Promise<ExecResult> =>
      executor.run(spec(seq, command), { port: { onStdout: (chunk) => void outputs.set(seq, (outputs.get(seq) ?? '') + chunk.toString()), onStderr: () => undefined }, local: undefined }, { stop: stop.signal, kill: kill.signal });
    const conn = await connect(target, 'test');
    try {
      const [first, second] = await Promise.all([run(1, 'echo "$GREETING $QRUN_SEQ slot $QRUN_SLOT"'), run(2, 'exit 3')]);
      assert.equal(first.exitCode, 0);
      assert.equal(first.host, 'unit-worker');
      assert.match(outputs.get(1) ?? '', /^hi 1 slot [12]\n$/);
      assert.equal(second.exitCode, 3);
      const status = await readFleetStatus(conn, 'unit');
      assert.equal(status.workers.length, 1);
      assert.equal(status.workers[0]?.name, 'unit-worker');
      assert.equal(status.workers[0]?.concurrency, 2);
      assert.equal(status.runs.length, 1, 'the submitter shows as a run in progress');
      assert.match(statusText(status, 'here'), /^queue 'unit' on here: 0 waiting, 0 active\n\nworkers: 1\n {2}NAME +HOST +PID[^\n]*\n {2}unit-worker +\S+ +\d+ +2 /);
    } finally {
      await executor.close();
      signals.emit('SIGINT');
    }
    const outcome = await working;
    assert.deepEqual(outcome, { exitCode: 0, reraise: undefined });
    assert.match(said, /taking jobs from queue 'unit' on .*, 2 at a time, as unit-worker\n/);
    assert.match(said, /stopping \(SIGINT\): no new jobs/);
    // The worker's and the run's keys are gone with them.
    assert.deepEqual((await readFleetStatus(conn, 'unit')).workers, []);
    conn.disconnect();
    assert.deepEqual(notices, []);
  });

  it('the stream writer: a start, chunks with their offsets, and an end with the bytes sent, in order, only into an existing stream', async () => {
    const conn = await connect(parseRedisUrl(redis.url), 'test');
    try {
      await conn.xadd('unit:stream', '*', 'k', 'init');
      const writer = new StreamWriter(conn, 'unit:stream', '3.1', 'exec1');
      writer.start('host1');
      await writer.port.onStdout(Buffer.from('ab'));
      await writer.port.onStdout(Buffer.from('c'));
      await writer.port.onStderr(Buffer.from('e'));
      await writer.end(execResult({ exitCode: 2 }));
      const entries = (await conn.xrangeBuffer('unit:stream', '-', '+')) as [Buffer, Buffer[]][];
      const records = entries.map(([, fields]) => decodeRecord(fields)).filter((record) => record !== undefined);
      assert.deepEqual(
        records.map((record) => (record.kind === 'start' ? `start ${record.host}` : record.kind === 'end' ? `end ${record.result.exitCode} sent ${record.sent?.join('+')}` : `${record.kind} ${record.data.toString()} at ${record.at}`)),
        ['start host1', 'stdout ab at 0', 'stdout c at 2', 'stderr e at 0', 'end 2 sent 3+1'],
      );
      // A dead submitter's stream is gone: nothing is made again (NOMKSTREAM).
      await new StreamWriter(conn, 'unit:gone', '1.1', 'x').notStarted().catch(() => undefined);
      assert.equal(await conn.exists('unit:gone'), 0);
    } finally {
      conn.disconnect();
    }
  });

  it('a fleet --halt counts ended jobs once reached halts the run (now: cancels it too); retried failures and killed jobs do not count', async () => {
    const conn = await connect(parseRedisUrl(redis.url), 'test');
    try {
      const keys = runKeys('unit', 'halting');
      const halt = { now: true, why: 'fail' as const, count: 2 };
      await applyHalt(conn, keys, halt, false, execResult({ exitCode: 1 }));
      await applyHalt(conn, keys, halt, true, execResult({ exitCode: 1 }));
      await applyHalt(conn, keys, halt, false, execResult({ exitCode: null, canceled: true, signal: 'SIGTERM' }));
      await applyHalt(conn, keys, halt, false, execResult());
      assert.equal(await conn.exists(keys.halted), 0);
      await applyHalt(conn, keys, halt, false, execResult({ exitCode: 3 }));
      assert.equal(await conn.get(keys.halted), 'now');
      assert.equal(await conn.get(keys.cancel), '1');
      assert.ok((await conn.pttl(keys.tally)) > 0, 'the tally expires');
    } finally {
      conn.disconnect();
    }
  });

  it("run states: a live submitter's run is wanted, a canceled or halted one not, one whose key expired is not", async () => {
    const conn = await connect(parseRedisUrl(redis.url), 'test');
    try {
      const keys = runKeys('unit', 'r1');
      await conn.set(keys.alive, '1', 'PX', 5000);
      const states = new RunStates(conn, 'unit', 1000);
      assert.equal(await states.wanted('r1', true), 'yes');
      await conn.set(keys.halted, 'soon');
      assert.equal(await states.wanted('r1'), 'yes', 'the cached answer, within cacheMs');
      assert.equal(await states.wanted('r1', true), 'halted');
      await conn.set(keys.cancel, '1');
      assert.equal(await states.wanted('r1', true), 'no');
      // A run with no liveness key: its submitter may be alive if Redis is younger than the key's TTL (restarted without its data).
      assert.equal(await states.wanted('never-seen', true, { ttl: 60_000 }), 'unsure');
      await new Promise((resolve) => setTimeout(resolve, 1100));
      assert.equal(await states.wanted('gone', true, { ttl: 1 }), 'no');
    } finally {
      conn.disconnect();
    }
  });

  it('presence: published under its key with a TTL, refreshed, and deleted on stop', async () => {
    const conn = await connect(parseRedisUrl(redis.url), 'test');
    try {
      let n = 0;
      const presence = publish(conn, 'unit:presence', 3000, () => ({ n: ++n }));
      await until(() => n >= 1, 'the first publication');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const ttl = await conn.pttl('unit:presence');
      assert.ok(ttl > 0 && ttl <= 3000, `ttl ${ttl}`);
      assert.ok(Number((JSON.parse((await conn.get('unit:presence')) ?? '{}') as { n: number }).n) >= 1);
      await presence.stop();
      assert.equal(await conn.exists('unit:presence'), 0);
    } finally {
      conn.disconnect();
    }
  });
});

describe('connection', () => {
  it('a Redis that cannot be reached is a one-line usage error naming it and the role', async () => {
    await assert.rejects(connect(parseRedisUrl('redis://127.0.0.1:1'), 'submitter'), (error: unknown) => error instanceof UsageError && /^cannot connect to Redis at redis:\/\/127\.0\.0\.1:1 \(submitter\): ECONNREFUSED/.test(error.message));
  });

  it('within: waits for a promise at most so long, and never rejects', async () => {
    const started = performance.now();
    await within(new Promise(() => undefined), 50);
    await within(Promise.reject(new Error('no')), 1000);
    assert.ok(performance.now() - started >= 45);
  });
});

describe('status view', () => {
  it('lists workers and runs in aligned columns, done/total when the total is known', () => {
    const at = 1_700_000_100_000;
    const status: FleetStatus = {
      queue: 'q',
      at,
      workers: [{ name: 'w1', host: 'h', pid: 10, concurrency: 4, running: 2, done: 7, failed: 1, startedAt: at - 65_000, seenAt: at - 1000, version: '0.1.0' }],
      runs: [{ run: 'abc', host: 'h2', pid: 11, startedAt: at - 10_000, seenAt: at, queued: 9, done: 5, failed: 0, total: 20, version: '0.1.0' }],
      jobs: { waiting: 3, active: 2, delayed: 1 },
    } as unknown as FleetStatus;
    const text = statusText(status, 'redis://x');
    assert.match(text, /^queue 'q' on redis:\/\/x: 3 waiting, 2 active, 1 delayed\n/);
    assert.match(text, /\n {2}w1 +h +10 +4 +2 +7 +1 +1m05s +1s ago +0\.1\.0\n/);
    assert.match(text, /\n {2}abc +h2 +11 +10s ago +5\/20 +0\.5\/s +0 +9\n/);
  });
});

describe('watchdog', () => {
  it("when the worker goes (its pipe closes, as at a SIGKILL), the groups it watched and the processes with its mark are killed", async () => {
    const mark = `unit-${process.pid}-${Date.now()}`;
    const watchdog = startWatchdog(mark);
    const grouped = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
    const marked = spawn('sleep', ['301'], { detached: true, stdio: 'ignore', env: { ...process.env, [markVariable]: mark } });
    const alive = (pid: number | undefined): boolean => pid !== undefined && spawnSync('kill', ['-0', String(pid)]).status === 0 && !/^Z/.test(spawnSync('ps', ['-o', 'stat=', '-p', String(pid)]).stdout.toString().trim());
    try {
      watchdog.watch(grouped.pid as number, true);
      await new Promise((resolve) => setTimeout(resolve, 200));
      watchdog.close();
      await until(() => !alive(grouped.pid) && !alive(marked.pid), 'both to be killed', 10_000);
    } finally {
      for (const child of [grouped, marked]) child.kill('SIGKILL');
    }
  });
});
