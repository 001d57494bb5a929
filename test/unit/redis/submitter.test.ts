// The submitter's parts (src/redis/submit): the attempts in flight and the result stream applied
// to them with no server; the session, the submissions and the reconciliation against a real
// redis-server (when it is installed, as in CI).

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ExecResult, OutputChannel } from '../../../src/runner/executor.js';
import { reconcile } from '../../../src/redis/submit/checks.js';
import { failure, PendingJobs, type Pending } from '../../../src/redis/submit/pending.js';
import { resultApplier } from '../../../src/redis/submit/result-stream.js';
import { SubmitterSession } from '../../../src/redis/submit/session.js';
import { Submissions } from '../../../src/redis/submit/submissions.js';
import { parseRedisUrl } from '../../../src/redis/url.js';
import { encodeRecord, type StreamRecord } from '../../../src/redis/wire.js';
import { execResult } from '../fakes/fakes.js';
import { TestRedis, haveRedis } from '../../e2e/fleet-helpers.js';

/** An attempt whose output and restarts are recorded, and whose result is kept. */
function attempt(key: string, over: Partial<Pending> = {}) {
  const seen: string[] = [];
  let result: ExecResult | undefined;
  const output: OutputChannel = {
    port: { onStdout: (chunk) => void seen.push(`out ${chunk.toString()}`), onStderr: (chunk) => void seen.push(`err ${chunk.toString()}`), restart: () => void seen.push('restart') },
    local: undefined,
  };
  const entry: Pending = {
    id: `run.${key}`,
    baseId: `run.${key}`,
    key,
    output,
    queuedAt: Date.now(),
    exec: undefined,
    host: undefined,
    batched: false,
    received: [0, 0],
    damaged: false,
    reconnectsAtQueue: 0,
    data: { run: 'run', seq: 1, attempt: 1, ttl: 10_000, spec: { command: 'true', shell: '/bin/sh', timeoutMs: undefined, termSeq: [], env: {}, cwd: undefined } } as unknown as Pending['data'],
    resubmits: 0,
    orphanChecks: 0,
    checkedAt: Date.now(),
    settle: (settled) => (result = settled),
    ...over,
  };
  return { entry, seen, result: () => result };
}

const fields = (record: StreamRecord): Buffer[] => encodeRecord(record).map((field) => Buffer.from(field));

describe('pending attempts', () => {
  it('settle once, count done and failed (never-started ones neither), and give up by kind', () => {
    const pending = new PendingJobs();
    const ok = attempt('1.1');
    const bad = attempt('2.1');
    const queued = attempt('3.1');
    const running = attempt('4.1', { exec: 'x1', host: 'w1' });
    for (const a of [ok, bad, queued, running]) pending.add(a.entry);
    assert.equal(pending.progress.queued, 4);
    pending.finish(ok.entry, execResult());
    pending.finish(ok.entry, execResult({ exitCode: 9 }));
    assert.equal(ok.result()?.exitCode, 0, 'a second end changes nothing');
    pending.finish(bad.entry, failure('lost', bad.entry.queuedAt));
    pending.giveUp('the connection to Redis was lost', true);
    assert.equal(queued.result()?.neverStarted, true);
    assert.equal(running.result()?.canceled, true);
    assert.equal(running.result()?.host, 'w1', 'the host is the worker that ran it');
    assert.deepEqual({ ...pending.progress }, { queued: 4, done: 3, failed: 2, total: null });
    assert.equal(pending.size, 0);
  });
});

describe('the result stream applied', () => {
  const session = { reconnects: 0 } as unknown as SubmitterSession;
  const noRequeue = { queueAgain: () => assert.fail('not queued again') } as unknown as Submissions;

  it("passes the current run's chunks on, ignores copies and a lost run's records, restarts on a second run, ends with the result", () => {
    const pending = new PendingJobs();
    const a = attempt('1.1');
    pending.add(a.entry);
    const apply = resultApplier(session, pending, noRequeue);
    apply(fields({ kind: 'start', key: '1.1', exec: 'first', host: 'w1' }));
    apply(fields({ kind: 'stdout', key: '1.1', exec: 'first', data: Buffer.from('lost '), at: 0 }));
    // Its worker died: the job runs again elsewhere; the first run's late records are ignored.
    apply(fields({ kind: 'start', key: '1.1', exec: 'second', host: 'w2' }));
    apply(fields({ kind: 'stdout', key: '1.1', exec: 'first', data: Buffer.from('late'), at: 5 }));
    apply(fields({ kind: 'stdout', key: '1.1', exec: 'second', data: Buffer.from('ab'), at: 0 }));
    apply(fields({ kind: 'stdout', key: '1.1', exec: 'second', data: Buffer.from('ab'), at: 0 }));
    apply(fields({ kind: 'stderr', key: '1.1', exec: 'second', data: Buffer.from('e'), at: 0 }));
    apply(fields({ kind: 'end', key: '1.1', exec: 'second', result: execResult({ stdoutBytes: 2 }), sent: [2, 1] }));
    assert.deepEqual(a.seen, ['out lost ', 'restart', 'out ab', 'err e']);
    assert.equal(a.result()?.exitCode, 0);
    assert.equal(a.result()?.host, 'w2');
  });

  it('output with a hole is not passed on and fails the job with the reason; a garbled record or an unknown key changes nothing', () => {
    const pending = new PendingJobs();
    const a = attempt('1.1');
    pending.add(a.entry);
    const apply = resultApplier(session, pending, noRequeue);
    apply([Buffer.from('k'), Buffer.from('?')]);
    apply(fields({ kind: 'start', key: '9.9', exec: 'x', host: 'w' }));
    apply(fields({ kind: 'start', key: '1.1', exec: 'x', host: 'w' }));
    apply(fields({ kind: 'stdout', key: '1.1', exec: 'x', data: Buffer.from('a'), at: 0 }));
    apply(fields({ kind: 'stdout', key: '1.1', exec: 'x', data: Buffer.from('c'), at: 2 }));
    apply(fields({ kind: 'end', key: '1.1', exec: 'x', result: execResult(), sent: [3, 0] }));
    assert.deepEqual(a.seen, ['out a', 'restart']);
    assert.match(a.result()?.error ?? '', /^its output was damaged on the way through Redis: 3 bytes sent, 3 received/);
  });

  it('cut by a Redis restart since it was queued: queued again, not failed', () => {
    const pending = new PendingJobs();
    const a = attempt('1.1');
    pending.add(a.entry);
    const requeued: string[] = [];
    const apply = resultApplier({ reconnects: 1 } as unknown as SubmitterSession, pending, { queueAgain: async (entry: Pending, why: string) => void requeued.push(`${entry.key} ${why}`) } as unknown as Submissions);
    apply(fields({ kind: 'start', key: '1.1', exec: 'x', host: 'w' }));
    apply(fields({ kind: 'end', key: '1.1', exec: 'x', result: execResult(), sent: [5, 0] }));
    assert.deepEqual(requeued, ['1.1 cut']);
    assert.equal(a.result(), undefined);
  });
});

describe('the submitter against redis-server', { skip: !haveRedis && 'redis-server is not installed' }, () => {
  const redis = new TestRedis();
  after(() => redis.stop());

  it('a session makes the run stream and liveness key; submissions batch jobs into BullMQ, take back waiting ones, and queue lost ones again under a new id', async () => {
    await redis.start();
    const pending = new PendingJobs();
    const lost: Error[] = [];
    const session = await SubmitterSession.open({ target: parseRedisUrl(redis.url), queue: 'unit', runTtlMs: 5000, reconnectMs: 5000 }, pending.progress, (error) => lost.push(error));
    const notices: string[] = [];
    const submissions = new Submissions(session, pending, 'here', (text) => notices.push(text), (error) => assert.fail(error));
    try {
      assert.equal(await session.conn.exists(session.keys.alive, session.keys.output), 2);
      const a = attempt('1.1', { id: `${session.runId}.1.1`, baseId: `${session.runId}.1.1`, batched: true });
      const b = attempt('2.1', { id: `${session.runId}.2.1`, baseId: `${session.runId}.2.1`, batched: true });
      submissions.submit(a.entry);
      submissions.submit(b.entry);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(await session.queue.getWaitingCount(), 2);
      await submissions.withdraw(b.entry);
      assert.equal(b.result()?.neverStarted, true);
      assert.equal(await session.queue.getWaitingCount(), 1);
      // Redis lost it: reconciliation finds it gone three times, then queues it again.
      await session.queue.remove(a.entry.id);
      for (let check = 0; check < 3; check++) {
        a.entry.checkedAt = 0;
        await reconcile({ session, pending, submissions });
      }
      assert.equal(a.entry.id, `${session.runId}.1.1.1`);
      assert.deepEqual(a.seen, ['restart']);
      assert.equal(await session.queue.getJobState(a.entry.id), 'waiting');
      assert.match(notices.join('\n'), /jobs were lost from the Redis queue at here/);
      assert.equal(a.result(), undefined, 'not failed: it runs again');
    } finally {
      session.stop();
      session.reader.disconnect();
      await session.queue.close();
      session.conn.disconnect();
    }
    assert.deepEqual(lost, []);
  });
});
