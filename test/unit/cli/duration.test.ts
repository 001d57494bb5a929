import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, parseDuration } from '../../../src/duration.js';

describe('durations', () => {
  it('parses ms, s, m, h and bare seconds', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('5m'), 300_000);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(parseDuration('2'), 2000);
    assert.equal(parseDuration('0.25'), 250);
    assert.equal(parseDuration('.5s'), 500);
    assert.equal(parseDuration(' 10 s '), 10_000);
  });

  it('refuses what is not a duration, and ones too long for a timer', () => {
    for (const bad of ['', 'abc', '-4', '1d', '5 m s', 's', '1e3', '1000h']) assert.equal(parseDuration(bad), undefined, bad);
  });

  it('formats spans for humans', () => {
    assert.equal(formatDuration(12), '12ms');
    assert.equal(formatDuration(1250), '1.25s');
    assert.equal(formatDuration(125_000), '2m05s');
  });
});
