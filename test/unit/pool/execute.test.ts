// One job's way through a worker (pool/execute.ts with the real run-job and recorder), on a fake
// executor: retries, the last attempt's output, never-started jobs, invalid records, dry runs,
// a job qrun could not start, and the joblog row after the output. No process is started.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createExecute, type ExecuteDeps } from '../../../src/pool/execute.js';
import { Pacer } from '../../../src/pool/pacer.js';
import { createRunJob } from '../../../src/pool/run-job.js';
import { createRecorder } from '../../../src/recording/recorder.js';
import { gnuTermSeq } from '../../../src/runner/term-seq.js';
import type { JobResult } from '../../../src/jobs/job.js';
import { FakeExecutor, FakeOutput, eventLog, fakeJoblog, job, type Scripted } from '../fakes/fakes.js';
import type { JobSpec } from '../../../src/runner/executor.js';

function setup(script: (spec: JobSpec) => Scripted, over: Partial<ExecuteDeps> & { retries?: number } = {}) {
  const executor = new FakeExecutor(script);
  const output = new FakeOutput();
  const events = eventLog();
  const { joblog, rows } = fakeJoblog();
  const stop = new AbortController();
  const kill = new AbortController();
  const failures: unknown[] = [];
  const recorder = createRecorder({ results: undefined, joblog, emit: events.emit, onFailure: (error) => void failures.push(error) });
  const runJob = createRunJob({ evictions: undefined, executor, defaults: { shell: '/bin/sh', timeoutMs: () => 1000, termSeq: gnuTermSeq, retries: over.retries ?? 0, pid: 42 }, output: (j) => recorder.output(j, { port: { onStdout: () => undefined, onStderr: () => undefined }, local: undefined }), signals: { stop: stop.signal, kill: kill.signal } });
  const notStarted: number[] = [];
  const execute = createExecute({
    runJob,
    commandFor: (j, slot) => `run ${j.record} on ${slot}`,
    retries: over.retries ?? 0,
    retryDelayMs: 0,
    stop: stop.signal,
    pacer: new Pacer(0),
    emit: events.emit,
    output,
    recorder,
    dryRun: false,
    onNotStarted: (j) => void notStarted.push(j.seq),
    ...over,
  });
  return { execute, executor, output, events, rows, stop, kill, failures, notStarted };
}

const finished = (events: ReturnType<typeof eventLog>): JobResult[] => events.events.flatMap((event) => (event.kind === 'job-finished' ? [event.result] : []));

describe('execute: one job through a worker', () => {
  it('a job that succeeds: its spec resolved from the run defaults, output finished, then its row and event', async () => {
    const { execute, executor, output, events, rows } = setup(() => ({ stdout: 'hi\n', result: {} }));
    await execute(job(3, { env: { A: '1' }, timeoutMs: 50 }), 2);
    const [spec] = executor.specs;
    assert.deepEqual({ ...spec, termSeq: undefined }, { seq: 3, attempt: 1, lastAttempt: 1, slot: 2, command: 'run job 3 on 2', shell: '/bin/sh', timeoutMs: 50, termSeq: undefined, env: { A: '1', QRUN_SEQ: '3', QRUN_SLOT: '2', PARALLEL_SEQ: '3', PARALLEL_JOBSLOT: '2', PARALLEL_PID: '42' }, cwd: undefined, stdin: undefined });
    assert.deepEqual(output.calls, ['finish 3']);
    assert.deepEqual(events.kinds(), ['job-started', 'job-ended', 'job-finished']);
    assert.deepEqual(rows.map((row) => [row.job.seq, row.exitCode, row.attempts, row.stdoutBytes]), [[3, 0, 1, 3]]);
  });

  it('--retries: a failing attempt runs again, only the last output is kept, one row with the attempts made', async () => {
    const exits = [1, 2, 0];
    const { execute, executor, output, events, rows } = setup((spec) => ({ result: { exitCode: exits[spec.attempt - 1] ?? 9 } }), { retries: 3 });
    await execute(job(1), 1);
    assert.deepEqual(executor.specs.map((spec) => [spec.attempt, spec.lastAttempt]), [[1, 4], [2, 4], [3, 4]]);
    assert.deepEqual(output.calls, ['discard 1', 'discard 1', 'finish 1']);
    assert.deepEqual(events.kinds(), ['job-started', 'job-retry', 'job-retry', 'job-ended', 'job-finished']);
    assert.deepEqual(rows.map((row) => [row.exitCode, row.attempts]), [[0, 3]]);
  });

  it('retries spent: the last failure is recorded; a job of its own --retries 0 is not retried', async () => {
    const spent = setup(() => ({ result: { exitCode: 5 } }), { retries: 1 });
    await spent.execute(job(1), 1);
    assert.deepEqual(spent.rows.map((row) => [row.exitCode, row.attempts]), [[5, 2]]);
    const own = setup(() => ({ result: { exitCode: 5 } }), { retries: 3 });
    await own.execute(job(1, { retries: 0 }), 1);
    assert.equal(own.executor.specs.length, 1);
  });

  it('a canceled job is not retried and gets no row; with a joblog its held output is withheld', async () => {
    const { execute, executor, output, events, rows } = setup(() => ({ result: { exitCode: null, signal: 'SIGTERM', canceled: true } }), { retries: 2, dropCanceledOutput: true });
    output.withholds = true;
    await execute(job(1), 1);
    assert.equal(executor.specs.length, 1);
    assert.deepEqual(output.calls, ['withhold 1', 'skip 1', 'finish 1']);
    assert.deepEqual(rows, []);
    assert.equal(finished(events)[0]?.canceled, true);
  });

  it('stopped while waiting to retry: the attempt that failed is the last one, recorded', async () => {
    const held: { run?: ReturnType<typeof setup> } = {};
    const run = setup(() => {
      held.run?.stop.abort();
      return { result: { exitCode: 1 } };
    }, { retries: 5, retryDelayMs: 60_000 });
    held.run = run;
    await run.execute(job(1), 1);
    assert.equal(run.executor.specs.length, 1);
    assert.deepEqual(run.rows.map((row) => [row.exitCode, row.attempts]), [[1, 1]]);
  });

  it('never started (a remote executor took it back at a stop): not started, no row; a retry never started: the attempt before it is recorded without its output', async () => {
    const first = setup(() => ({ result: { neverStarted: true, exitCode: null } }));
    await first.execute(job(1), 1);
    assert.deepEqual(first.events.kinds(), ['job-started', 'job-not-started']);
    assert.deepEqual(first.output.calls, ['discard 1', 'skip 1']);
    assert.deepEqual(first.rows, []);
    const retry = setup((spec) => (spec.attempt === 1 ? { stdout: 'first', result: { exitCode: 3 } } : { result: { neverStarted: true, exitCode: null } }), { retries: 1 });
    await retry.execute(job(1), 1);
    assert.deepEqual(retry.rows.map((row) => [row.exitCode, row.attempts, row.stdoutBytes]), [[3, 1, 0]]);
  });

  it('stopped before its start: not started, the executor never asked', async () => {
    const run = setup(() => ({ result: {} }));
    run.stop.abort();
    await run.execute(job(7), 1);
    assert.deepEqual(run.notStarted, [7]);
    assert.equal(run.executor.specs.length, 0);
  });

  it('an invalid record: a notice, no run, a failed result with the reason and no command', async () => {
    const run = setup(() => ({ result: {} }));
    await run.execute(job(2, { invalid: 'line 2: not a JSON object' }), 1);
    assert.deepEqual(run.output.calls, ['notice stderr qrun: line 2: not a JSON object\n', 'skip 2']);
    assert.deepEqual(finished(run.events).map((result) => [result.error, result.command, result.attempts]), [['invalid record: line 2: not a JSON object', '', 0]]);
    assert.equal(run.executor.specs.length, 0);
  });

  it('--dry-run prints the command (tagged with --tag) and runs nothing', async () => {
    const run = setup(() => ({ result: {} }), { dryRun: true, tag: (j) => `t${j.seq}` });
    await run.execute(job(4), 3);
    assert.deepEqual(run.output.calls, ['notice stdout t4\trun job 4 on 3\n', 'skip 4']);
    assert.equal(run.executor.specs.length, 0);
  });

  it('a job qrun could not start (the executor threw): a failed result with the reason, and the error goes up', async () => {
    const run = setup(() => {
      throw new Error('no temp directory');
    });
    await assert.rejects(run.execute(job(1), 1), /no temp directory/);
    assert.deepEqual(finished(run.events).map((result) => result.error), ['could not start: no temp directory']);
  });
});
