import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pacer } from '../../../src/pool/pacer.js';

describe('Pacer', () => {
  it('spaces starts by the delay from each real start, across callers', async () => {
    const pacer = new Pacer(30, Date.now);
    const signal = new AbortController().signal;
    const starts: number[] = [];
    await Promise.all(
      [0, 1, 2].map(async (i) => {
        const started = await pacer.wait(signal);
        assert.ok(started, `caller ${i} may start`);
        // The first start is late: the next must still wait the full delay from it.
        if (i === 0) await new Promise((resolve) => setTimeout(resolve, 50));
        starts.push(Date.now());
        started();
      }),
    );
    // Exact on the pacer's own clock, whatever the machine's load.
    assert.ok((starts[1] as number) - (starts[0] as number) >= 30, `${starts[1]} - ${starts[0]}`);
    assert.ok((starts[2] as number) - (starts[1] as number) >= 30, `${starts[2]} - ${starts[1]}`);
  });

  it('an abort cuts the wait short and says not to start', async () => {
    const pacer = new Pacer(10_000);
    const controller = new AbortController();
    const first = await pacer.wait(controller.signal);
    assert.ok(first);
    first();
    const waiting = pacer.wait(controller.signal);
    controller.abort();
    assert.equal(await waiting, undefined);
  });
});
