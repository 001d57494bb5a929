// The recorder: a job's results, then its joblog row, then its event, only once its output is
// out; no row for a job qrun killed; a lost output or a failed write is said and not recorded.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRecorder } from '../../../src/recording/recorder.js';
import type { OutputChannel } from '../../../src/runner/executor.js';
import { eventLog, fakeJoblog, fakeResults, job, jobResult } from '../fakes/fakes.js';

function channel(): { channel: OutputChannel; seen: string[] } {
  const seen: string[] = [];
  return { channel: { port: { onStdout: (chunk) => void seen.push(`stdout ${chunk.toString()}`), onStderr: (chunk) => void seen.push(`stderr ${chunk.toString()}`), restart: () => void seen.push('restart') }, local: undefined }, seen };
}

describe('recorder', () => {
  it('results, then the row, then the event; a canceled job that failed has its event and no row', async () => {
    const events = eventLog();
    const results = fakeResults(false);
    const { joblog, rows } = fakeJoblog();
    const recorder = createRecorder({ results, joblog, emit: events.emit, onFailure: () => assert.fail('no failure') });
    await recorder.record(jobResult())(undefined);
    assert.deepEqual(results.calls, ['finish 1']);
    assert.equal(rows.length, 1);
    assert.deepEqual(events.kinds(), ['job-finished']);
    await recorder.record(jobResult({ canceled: true, exitCode: null, signal: 'SIGTERM' }))(undefined);
    assert.equal(rows.length, 1, 'no row for a job qrun killed');
    assert.deepEqual(events.events.at(-1), { kind: 'job-finished', result: jobResult({ canceled: true, exitCode: null, signal: 'SIGTERM' }) });
  });

  it('a job qrun was killing that still ended well: no row, and its event says unrecorded (not counted succeeded)', async () => {
    const events = eventLog();
    const { joblog, rows } = fakeJoblog();
    const recorder = createRecorder({ results: undefined, joblog, emit: events.emit, onFailure: () => undefined });
    await recorder.record(jobResult({ canceled: true }))(undefined);
    assert.deepEqual(rows, []);
    assert.deepEqual(events.events, [{ kind: 'job-finished', result: jobResult({ canceled: true }), unrecorded: true }]);
  });

  it('output lost to a reader that left (EPIPE): no row, unrecorded, the failure told; any other loss: failed with the reason', async () => {
    const events = eventLog();
    const results = fakeResults(false);
    const { joblog, rows } = fakeJoblog();
    const failures: unknown[] = [];
    const recorder = createRecorder({ results, joblog, emit: events.emit, onFailure: (error) => void failures.push(error) });
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    await recorder.record(jobResult())(epipe);
    assert.deepEqual(rows, []);
    assert.deepEqual(results.calls, ['discard 1']);
    assert.deepEqual(events.events, [{ kind: 'job-finished', result: jobResult(), unrecorded: true }]);
    await recorder.record(jobResult())(new Error('ENOSPC'));
    assert.deepEqual(events.events.at(-1), { kind: 'job-finished', result: { ...jobResult(), error: 'not recorded: ENOSPC' } });
    assert.deepEqual(failures, [epipe, new Error('ENOSPC')]);
  });

  it('a joblog or results write that fails: the job is not recorded, with the reason', async () => {
    for (const [results, joblog] of [
      [fakeResults(false, new Error('results: EIO')), fakeJoblog().joblog],
      [fakeResults(false), fakeJoblog(new Error('joblog: EIO')).joblog],
    ] as const) {
      const events = eventLog();
      const failures: unknown[] = [];
      const recorder = createRecorder({ results, joblog, emit: events.emit, onFailure: (error) => void failures.push(error) });
      await recorder.record(jobResult())(undefined);
      assert.match((events.events[0] as { result: { error: string } }).result.error, /^not recorded: (results|joblog): EIO$/);
      assert.equal(failures.length, 1);
      assert.equal(results.calls.at(-1), 'discard 1');
    }
  });

  it('--results beside stdout: every chunk goes to both; a restart starts the results over and tells the port', () => {
    const results = fakeResults(false);
    const { channel: given, seen } = channel();
    const fed = createRecorder({ results, joblog: undefined, emit: () => undefined, onFailure: () => undefined }).output(job(1), given);
    void fed.port.onStdout(Buffer.from('a'));
    fed.port.restart?.();
    void fed.port.onStderr(Buffer.from('b'));
    assert.deepEqual(seen, ['stdout a', 'restart', 'stderr b']);
    assert.deepEqual(results.calls, ['start 1', 'out 1 a', 'start 1', 'err 1 b']);
    assert.equal(fed.local, undefined, 'every byte passes through qrun');
  });

  it('a --results table replaces stdout: the port feeds the table only; without results the channel is as given', () => {
    const results = fakeResults(true);
    const { channel: given, seen } = channel();
    const fed = createRecorder({ results, joblog: undefined, emit: () => undefined, onFailure: () => undefined }).output(job(1), given);
    void fed.port.onStdout(Buffer.from('a'));
    fed.port.restart?.();
    assert.deepEqual(seen, []);
    assert.deepEqual(results.calls, ['start 1', 'out 1 a', 'start 1']);
    const plain = createRecorder({ results: undefined, joblog: undefined, emit: () => undefined, onFailure: () => undefined }).output(job(1), given);
    assert.equal(plain, given);
  });
});
