import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Job } from '../../../src/jobs/job.js';
import { createPool, type PoolDeps } from '../../../src/pool/pool.js';

async function* records(n: number, onRead?: (i: number) => void): AsyncGenerator<Job> {
  for (let i = 1; i <= n; i++) {
    onRead?.(i);
    yield { seq: i, line: i, record: `job ${i}` };
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Makes a pool and runs it at once. */
function startPool(deps: PoolDeps & { readonly queueSize: number }) {
  const pool = createPool(deps.queueSize);
  return { ...pool, done: pool.run(deps) };
}

describe('pool', () => {
  it('runs every job once, at most N at a time, and every worker exits on its sentinel', async () => {
    let running = 0;
    let peak = 0;
    const ran: number[] = [];
    const slots = new Set<number>();
    const pool = startPool({
      jobs: records(20),
      concurrency: 4,
      queueSize: 2,
      stop: new AbortController().signal,
      execute: async (job, slot) => {
        running++;
        peak = Math.max(peak, running);
        slots.add(slot);
        await new Promise((resolve) => setTimeout(resolve, 2));
        ran.push(job.seq);
        running--;
      },
      onNotStarted: () => assert.fail('nothing is left unstarted'),
      onCrash: (error) => assert.fail(String(error)),
    });
    await pool.done;
    assert.deepEqual(ran.sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 1));
    assert.equal(peak, 4);
    assert.deepEqual([...slots].sort(), [1, 2, 3, 4]);
  });

  it('with fewer jobs than workers (even none), every worker still wakes and the pool ends', async () => {
    for (const n of [0, 1, 3]) {
      const pool = startPool({
        jobs: records(n),
        concurrency: 8,
        queueSize: 1,
        stop: new AbortController().signal,
        execute: async () => undefined,
        onNotStarted: () => undefined,
        onCrash: () => undefined,
      });
      await pool.done;
    }
  });

  it('reads ahead no further than the queue allows (back-pressure)', async () => {
    let read = 0;
    const gate = deferred();
    const pool = startPool({
      jobs: records(100, (i) => (read = i)),
      concurrency: 2,
      queueSize: 3,
      stop: new AbortController().signal,
      execute: () => gate.promise,
      onNotStarted: () => undefined,
      onCrash: () => undefined,
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    // 2 running + 3 queued + 1 waiting in put.
    assert.equal(read, 6);
    assert.equal(pool.queueDepth(), 3);
    gate.resolve();
    await pool.done;
    assert.equal(read, 100);
  });

  it('on stop: running jobs finish, queued and unread ones are reported as not started', async () => {
    const stop = new AbortController();
    const gate = deferred();
    const finished: number[] = [];
    const notStarted: number[] = [];
    let started = 0;
    const pool = startPool({
      jobs: records(50),
      concurrency: 2,
      queueSize: 4,
      stop: stop.signal,
      execute: async (job) => {
        started++;
        await gate.promise;
        finished.push(job.seq);
      },
      onNotStarted: (job) => notStarted.push(job.seq),
      onCrash: () => undefined,
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(started, 2);
    stop.abort();
    gate.resolve();
    await pool.done;
    assert.deepEqual(finished.sort(), [1, 2]);
    // The 4 queued and the one the producer held: nothing read is lost.
    assert.deepEqual(notStarted.sort((a, b) => a - b), [3, 4, 5, 6, 7]);
  });

  it('a crashing job is reported and does not hang the pool', async () => {
    const crashes: (Job | undefined)[] = [];
    const pool = startPool({
      jobs: records(5),
      concurrency: 2,
      queueSize: 1,
      stop: new AbortController().signal,
      execute: async (job) => {
        if (job.seq === 2) throw new Error('boom');
      },
      onNotStarted: () => undefined,
      onCrash: (_error, job) => crashes.push(job),
    });
    await pool.done;
    assert.deepEqual(crashes.map((job) => job?.seq), [2]);
  });

  it('rejects when reading the input fails, after every worker has exited', async () => {
    async function* broken(): AsyncGenerator<Job> {
      yield { seq: 1, line: 1, record: 'one' };
      throw new Error('EIO');
    }
    let ran = 0;
    const pool = startPool({
      jobs: broken(),
      concurrency: 3,
      queueSize: 1,
      stop: new AbortController().signal,
      execute: async () => void ran++,
      onNotStarted: () => undefined,
      onCrash: () => undefined,
    });
    await assert.rejects(pool.done, /EIO/);
    assert.equal(ran, 1);
  });
});
