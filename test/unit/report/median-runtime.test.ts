import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MedianRuntime } from '../../../src/report/median-runtime.js';

describe('MedianRuntime', () => {
  it('none before the first runtime; then the middle one (the lower of two), within half a percent', () => {
    const median = new MedianRuntime();
    assert.equal(median.medianMs(), undefined);
    median.add(1000);
    assert.ok(Math.abs((median.medianMs() ?? 0) - 1000) <= 5);
    median.add(3000);
    median.add(9000);
    assert.ok(Math.abs((median.medianMs() ?? 0) - 3000) <= 15);
    median.add(10_000);
    assert.ok(Math.abs((median.medianMs() ?? 0) - 3000) <= 15);
  });

  it('takes only jobs whose last attempt succeeded', () => {
    const median = new MedianRuntime();
    const result = (exitCode: number, durationMs: number) =>
      ({ kind: 'job-ended', result: { exitCode, signal: null, timedOut: false, canceled: false, error: null, durationMs, attempts: 1 } }) as never;
    median.handle(result(1, 50));
    assert.equal(median.medianMs(), undefined);
    median.handle(result(0, 200));
    assert.ok(Math.abs((median.medianMs() ?? 0) - 200) <= 1);
  });

  it('a million runtimes take no more memory than one: a fixed histogram', () => {
    const median = new MedianRuntime();
    for (let i = 0; i < 1_000_000; i++) median.add(i % 100);
    assert.ok(Math.abs((median.medianMs() ?? 0) - 49.5) <= 1);
  });
});
