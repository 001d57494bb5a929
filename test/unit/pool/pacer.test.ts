import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pacer } from '../../../src/pool/pacer.js';

describe('Pacer', () => {
  it('spaces starts by the delay, across callers', async () => {
    const pacer = new Pacer(30);
    const signal = new AbortController().signal;
    const started: number[] = [];
    await Promise.all([0, 1, 2].map(async () => {
      await pacer.wait(signal);
      started.push(performance.now());
    }));
    assert.ok((started[1] as number) - (started[0] as number) >= 25);
    assert.ok((started[2] as number) - (started[1] as number) >= 25);
  });

  it('an abort cuts the wait short and says not to start', async () => {
    const pacer = new Pacer(10_000);
    const controller = new AbortController();
    assert.equal(await pacer.wait(controller.signal), true);
    const waiting = pacer.wait(controller.signal);
    controller.abort();
    assert.equal(await waiting, false);
  });
});
