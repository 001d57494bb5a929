import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { unlessAborted } from '../../../src/pool/abortable.js';
import { produce } from '../../../src/pool/producer.js';
import { endOfJobs, type QueueItem } from '../../../src/pool/sentinel.js';
import { thisMachine } from '../../../src/pool/system-load.js';
import { workerLoop } from '../../../src/pool/worker.js';
import { BoundedQueue } from '../../../src/queue/bounded-queue.js';
import type { Job } from '../../../src/jobs/job.js';
import { job } from '../fakes/fakes.js';

async function* jobs(n: number, read: number[] = []): AsyncGenerator<Job> {
  for (let seq = 1; seq <= n; seq++) {
    read.push(seq);
    yield job(seq);
  }
}

describe('unlessAborted', () => {
  it("gives the promise's value, or the marker as soon as the signal aborts, and leaves no listener", async () => {
    const stop = new AbortController();
    assert.equal(await unlessAborted(Promise.resolve(1), stop.signal, 'stopped'), 1);
    const never = new Promise<number>(() => undefined);
    const racing = unlessAborted(never, stop.signal, 'stopped');
    stop.abort();
    assert.equal(await racing, 'stopped');
    assert.equal(await unlessAborted(never, stop.signal, 'late'), 'late');
    await assert.rejects(unlessAborted(Promise.reject(new Error('read failed')), new AbortController().signal, 'x'), /read failed/);
  });
});

describe('producer', () => {
  it('reads only as far as the queue has room (back-pressure), then queues one sentinel per worker', async () => {
    const queue = new BoundedQueue<QueueItem<Job>>(2);
    const read: number[] = [];
    const producing = produce({ jobs: jobs(10, read), queue, workers: 3, stop: new AbortController().signal, onNotStarted: () => assert.fail('none left') });
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Two queued and a third read, waiting for room: reading has paused.
    assert.ok(read.length <= 3, `read ${read.length} records into a queue of 2`);
    const taken: QueueItem<Job>[] = [];
    for (let i = 0; i < 13; i++) taken.push(await queue.get());
    assert.equal(await producing, 10);
    assert.deepEqual(
      taken.filter((item) => item !== endOfJobs).map((item) => (item as Job).seq),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    assert.equal(taken.filter((item) => item === endOfJobs).length, 3);
  });

  it('on stop: queued jobs are taken back as not started, reading stops, and the sentinels still come', async () => {
    const queue = new BoundedQueue<QueueItem<Job>>(4);
    const stop = new AbortController();
    const notStarted: number[] = [];
    const read: number[] = [];
    const producing = produce({ jobs: jobs(100, read), queue, workers: 2, stop: stop.signal, onNotStarted: (j) => notStarted.push(j.seq) });
    await new Promise((resolve) => setTimeout(resolve, 20));
    stop.abort();
    await producing;
    const taken = [await queue.get(), await queue.get()];
    assert.deepEqual(taken, [endOfJobs, endOfJobs]);
    assert.ok(read.length < 100, 'reading stopped');
    // Every job read is accounted for: none was lost between the reader and the queue.
    assert.deepEqual(notStarted.sort((a, b) => a - b), read);
  });

  it('a failure reading the input rejects, after the sentinels are queued', async () => {
    const queue = new BoundedQueue<QueueItem<Job>>(4);
    async function* failing(): AsyncGenerator<Job> {
      yield job(1);
      throw new Error('EIO');
    }
    await assert.rejects(produce({ jobs: failing(), queue, workers: 1, stop: new AbortController().signal, onNotStarted: () => undefined }), /EIO/);
    assert.deepEqual([await queue.get(), await queue.get()].map((item) => (item === endOfJobs ? 'end' : (item as Job).seq)), [1, 'end']);
  });
});

describe('worker loop', () => {
  it('runs jobs in its slot until the sentinel; after stop, jobs it takes are not started; a crash is reported and the loop goes on', async () => {
    const queue = new BoundedQueue<QueueItem<Job>>(10);
    const stop = new AbortController();
    const ran: string[] = [];
    const notStarted: number[] = [];
    const crashes: string[] = [];
    for (const seq of [1, 2, 3, 4]) await queue.put(job(seq));
    await queue.put(endOfJobs);
    await workerLoop(7, {
      queue,
      stop: stop.signal,
      execute: async (j, slot) => {
        ran.push(`${j.seq}@${slot}`);
        if (j.seq === 2) throw new Error('boom');
        if (j.seq === 3) stop.abort();
      },
      onNotStarted: (j) => notStarted.push(j.seq),
      onCrash: (error, j) => crashes.push(`${j.seq}: ${(error as Error).message}`),
    });
    assert.deepEqual(ran, ['1@7', '2@7', '3@7']);
    assert.deepEqual(crashes, ['2: boom']);
    assert.deepEqual(notStarted, [4]);
    assert.equal(queue.count(() => true), 0);
  });
});

describe('system readings', () => {
  it("this machine's load is a number of 0 or more and its free memory a positive byte count, as /proc/meminfo says", () => {
    assert.ok(thisMachine.load() >= 0);
    const free = thisMachine.freeBytes();
    assert.ok(Number.isSafeInteger(free) && free > 0);
    const kb = /^MemAvailable:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'latin1'))?.[1];
    // Within a quarter of what the kernel says a moment later (other processes allocate meanwhile).
    if (kb !== undefined) assert.ok(Math.abs(free - Number(kb) * 1024) < Number(kb) * 1024 * 0.25);
  });
});
