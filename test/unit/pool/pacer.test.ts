import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pacer } from '../../../src/pool/pacer.js';
import { ManualClock } from '../fakes/fakes.js';

describe('Pacer', () => {
  it('spaces starts by the delay from each real start, across callers, on its own clock', async () => {
    const clock = new ManualClock();
    const pacer = new Pacer(30, clock);
    const signal = new AbortController().signal;
    const starts: number[] = [];
    const callers = [0, 1, 2].map(async (i) => {
      const started = await pacer.wait(signal);
      assert.ok(started, `caller ${i} may start`);
      // The first start is late: the next must still wait the full delay from it.
      if (i === 0) await clockWait(clock, 50);
      starts.push(clock.now());
      started();
    });
    await clock.advance(200);
    await Promise.all(callers);
    const t0 = starts[0] as number;
    assert.deepEqual(
      starts.map((at) => at - t0),
      [0, 30, 60],
    );
  });

  it('an abort cuts the wait short and says not to start; no timer is left', async () => {
    const clock = new ManualClock();
    const pacer = new Pacer(10_000, clock);
    const controller = new AbortController();
    const first = await pacer.wait(controller.signal);
    assert.ok(first);
    first();
    const waiting = pacer.wait(controller.signal);
    await clock.advance(10);
    controller.abort();
    assert.equal(await waiting, undefined);
    assert.equal(clock.pending, 0);
  });

  it('no delay: every caller starts at once, unless stopped', async () => {
    const pacer = new Pacer(0, new ManualClock());
    assert.ok(await pacer.wait(new AbortController().signal));
    assert.equal(await pacer.wait(AbortSignal.abort()), undefined);
  });
});

/** Waits `ms` on the manual clock (the test's advance fires it). */
function clockWait(clock: ManualClock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}
