// The execution and output stages wired as the root wires them, around a fake executor: a job's
// command, environment, output, retries and record, with no process started.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { parseOptions } from '../../../src/cli/options.js';
import { Disposals } from '../../../src/disposals.js';
import { LineEnds } from '../../../src/output/line-ends.js';
import { openOutput } from '../../../src/output/open-output.js';
import { StdioGuard } from '../../../src/output/stdio-guard.js';
import { openExecution } from '../../../src/pool/open-execution.js';
import { PrivateDir } from '../../../src/private-dir.js';
import { createRecorder } from '../../../src/recording/recorder.js';
import { noLog } from '../../../src/report/logger.js';
import { Notices } from '../../../src/report/terminal/notices.js';
import { eventLog, fakeJoblog, FakeExecutor, job } from '../fakes/fakes.js';

const dir = mkdtempSync(join(tmpdir(), 'qrun-unit-exec-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The two stages for `args` (CLI options), with an executor playing `script`. */
function stages(args: Record<string, unknown>, script: ConstructorParameters<typeof FakeExecutor>[0]) {
  const options = parseOptions(args);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const disposals = new Disposals();
  const stop = new AbortController();
  const kill = new AbortController();
  const stdio = new StdioGuard({ stdout, stderr, terminate: () => undefined, fail: (error) => assert.fail(error), kill: kill.signal, graceMs: 100 });
  disposals.defer(() => stdio.dispose());
  const tempDir = disposals.add(new PrivateDir(dir), (temp) => temp.dispose());
  const notices = new Notices(stderr, options.silent, false);
  const sink = openOutput(options, { stdout, stderr, stdio, tempDir, lineEnds: new LineEnds(), tag: undefined, inheritable: false, captureFiles: true, beforeWrite: notices.beforeWrite }, disposals);
  const events = eventLog();
  const { joblog, rows } = fakeJoblog();
  const recorder = createRecorder({ results: undefined, joblog, emit: events.emit, onFailure: (error) => assert.fail(String(error)) });
  const executor = new FakeExecutor(script);
  const execute = openExecution(
    options,
    { executor, sink, recorder, emit: events.emit, stop: stop.signal, kill: kill.signal, stdio, notices, log: noLog, readings: { load: () => 0, freeBytes: () => 1e12 }, commandFor: (j, slot) => `run ${j.record} in ${slot}`, tag: undefined, timeLimit: undefined, notStarted: () => undefined, copiedEnv: {}, dropCanceledOutput: true },
    disposals,
  );
  return { execute, sink, executor, events, rows, disposals, output: () => ({ out, err }) };
}

describe('the execution stage', () => {
  it("runs a job's command with its numbers in the environment, writes its output in group mode, then records it", async () => {
    const s = stages({}, () => ({ stdout: 'hello\n', result: {} }));
    await s.execute(job(4), 2);
    await s.sink.close();
    await s.disposals.dispose();
    const [spec] = s.executor.specs;
    assert.equal(spec?.command, 'run job 4 in 2');
    assert.equal(spec?.env.QRUN_SEQ, '4');
    assert.equal(spec?.env.PARALLEL_JOBSLOT, '2');
    assert.equal(spec?.env.PARALLEL_PID, String(process.pid));
    assert.equal(s.output().out, 'hello\n');
    assert.deepEqual(s.rows.map((row) => `${row.job.seq} ${row.exitCode}`), ['4 0']);
    assert.deepEqual(s.events.kinds(), ['job-started', 'job-ended', 'job-finished']);
  });

  it('--retries: a failed attempt runs again, its output discarded; only the last attempt is printed and recorded', async () => {
    let attempt = 0;
    const s = stages({ retries: '2' }, () => (++attempt < 3 ? { stdout: `try ${attempt}\n`, result: { exitCode: 1 } } : { stdout: 'third\n', result: {} }));
    await s.execute(job(1), 1);
    await s.sink.close();
    await s.disposals.dispose();
    assert.deepEqual(s.executor.specs.map((spec) => spec.attempt), [1, 2, 3]);
    assert.equal(s.output().out, 'third\n');
    assert.equal(s.rows.length, 1);
    assert.equal(s.rows[0]?.attempts, 3);
  });

  it('--dry-run prints the command instead of running it; nothing reaches the executor or the joblog', async () => {
    const s = stages({ dryRun: true }, () => assert.fail('not run'));
    await s.execute(job(1), 1);
    await s.sink.close();
    await s.disposals.dispose();
    assert.equal(s.output().out, 'run job 1 in 1\n');
    assert.deepEqual(s.rows, []);
  });
});
