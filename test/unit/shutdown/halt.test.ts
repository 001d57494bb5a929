import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobResult } from '../../../src/jobs/job.js';
import { HaltMonitor, parseHalt } from '../../../src/shutdown/halt.js';

function finished(seq: number, exitCode: number | null, signal: NodeJS.Signals | null = null) {
  const result: JobResult = {
    job: { seq, line: seq, record: `job ${seq}` },
    command: `job ${seq}`,
    slot: 1,
    exitCode,
    signal,
    timedOut: false,
    canceled: false,
    error: null,
    startedAt: 0,
    durationMs: 1,
    stdoutBytes: 0,
    attempts: 1,
  };
  return { kind: 'job-ended' as const, result };
}

function monitor(spec: string, total?: number) {
  const halts: boolean[] = [];
  const parsed = parseHalt(spec);
  assert.ok(parsed);
  return { halts, m: new HaltMonitor(parsed, total, (now) => halts.push(now)) };
}

describe('--halt', () => {
  it('parses the grammar and the legacy forms', () => {
    assert.deepEqual(parseHalt('now,fail=1'), { when: 'now', why: 'fail', count: 1, percent: false });
    assert.deepEqual(parseHalt('soon,success=30%'), { when: 'soon', why: 'success', count: 30, percent: true });
    assert.deepEqual(parseHalt('never'), { when: 'never' });
    assert.deepEqual(parseHalt('1'), { when: 'soon', why: 'fail', count: 1, percent: false });
    assert.deepEqual(parseHalt('-2'), { when: 'now', why: 'success', count: 1, percent: false });
    assert.deepEqual(parseHalt('20%'), { when: 'soon', why: 'fail', count: 20, percent: true });
    for (const bad of ['now', 'later,fail=1', 'now,fail=0', 'now,fail=101%', 'now,boom=1', 'now,fail=x']) assert.equal(parseHalt(bad), undefined, bad);
  });

  it('fail=1 halts at the first failure with that job\'s status (128+signal if killed)', () => {
    const { halts, m } = monitor('now,fail=1');
    m.handle(finished(1, 0));
    assert.deepEqual(halts, []);
    m.handle(finished(2, null, 'SIGKILL'));
    assert.deepEqual(halts, [true]);
    assert.equal(m.exitCode(), 137);
    m.handle(finished(3, 4));
    assert.deepEqual(halts, [true], 'halts once');
  });

  it('fail=N exits with the number of failures at the halt', () => {
    const { halts, m } = monitor('soon,fail=2');
    m.handle(finished(1, 1));
    m.handle(finished(2, 3));
    assert.deepEqual(halts, [false]);
    assert.equal(m.exitCode(), 2);
  });

  it('success=N exits 0; done=N counts both', () => {
    const s = monitor('now,success=2');
    s.m.handle(finished(1, 1));
    s.m.handle(finished(2, 0));
    s.m.handle(finished(3, 0));
    assert.deepEqual([s.halts, s.m.exitCode()], [[true], 0]);
    const d = monitor('soon,done=2');
    d.m.handle(finished(1, 1));
    d.m.handle(finished(2, 0));
    assert.deepEqual([d.halts, d.m.exitCode()], [[false], 1]);
  });

  it('percentages are of all jobs; unhalted runs exit with the failed percentage of started jobs', () => {
    const { halts, m } = monitor('soon,fail=50%', 4);
    m.handle({ kind: 'job-started', job: { seq: 1, line: 1, record: '' }, command: '', slot: 1 });
    m.handle(finished(1, 1));
    assert.deepEqual(halts, []);
    assert.equal(m.exitCode(), 100, '1 of 1 started failed');
    m.handle(finished(2, 1));
    assert.deepEqual(halts, [false]);
    assert.equal(m.exitCode(), 50);
  });

  it('never leaves the exit status alone', () => {
    const { m } = monitor('never');
    m.handle(finished(1, 1));
    assert.equal(m.exitCode(), undefined);
  });
});
