import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoundedQueue } from '../../../src/queue/bounded-queue.js';

/** Whether a promise has settled after pending microtasks and one macrotask ran. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('BoundedQueue', () => {
  it('put waits while the queue is full, and resumes when an item is taken', async () => {
    const queue = new BoundedQueue<number>(2);
    assert.equal(await queue.put(1), true);
    assert.equal(await queue.put(2), true);
    const third = queue.put(3);
    assert.equal(await settled(third), false, 'put blocks when full');
    assert.equal(queue.size, 2);
    assert.equal(await queue.get(), 1);
    assert.equal(await third, true);
    assert.deepEqual([await queue.get(), await queue.get()], [2, 3]);
  });

  it('get waits while the queue is empty, and takes the next item put', async () => {
    const queue = new BoundedQueue<string>(1);
    const got = queue.get();
    assert.equal(await settled(got), false, 'get blocks when empty');
    await queue.put('a');
    assert.equal(await got, 'a');
    assert.equal(queue.size, 0, 'handed straight to the waiting getter');
  });

  it('keeps FIFO order across waiting puts', async () => {
    const queue = new BoundedQueue<number>(1);
    const puts = [queue.put(1), queue.put(2), queue.put(3)];
    const got = [await queue.get(), await queue.get(), await queue.get()];
    assert.deepEqual(got, [1, 2, 3]);
    assert.deepEqual(await Promise.all(puts), [true, true, true]);
  });

  it('a waiting put resolves false when its signal aborts, and the item is not added', async () => {
    const queue = new BoundedQueue<number>(1);
    await queue.put(1);
    const controller = new AbortController();
    const waiting = queue.put(2, controller.signal);
    controller.abort();
    assert.equal(await waiting, false);
    assert.equal(await queue.put(3, controller.signal), false, 'already aborted');
    assert.deepEqual(queue.drain(), [1]);
  });

  it('drain takes every queued item and admits waiting puts into the room made', async () => {
    const queue = new BoundedQueue<number>(2);
    await queue.put(1);
    await queue.put(2);
    const waiting = queue.put(3);
    assert.deepEqual(queue.drain(), [1, 2]);
    assert.equal(await waiting, true);
    assert.equal(queue.size, 1);
  });

  it('counts queued items that match', async () => {
    const queue = new BoundedQueue<number>(4);
    for (const n of [1, 2, 3]) await queue.put(n);
    assert.equal(queue.count((n) => n !== 2), 2);
  });

  it('rejects a capacity that is not a whole number of 1 or more', () => {
    assert.throws(() => new BoundedQueue(0), RangeError);
    assert.throws(() => new BoundedQueue(1.5), RangeError);
  });
});
