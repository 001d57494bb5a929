// The run report's readers: joblogs (qrun's, GNU parallel's, headerless), --results tables in
// every format (fields split across chunks, quoted output with newlines), --log-files, and errors.

import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { UsageError } from '../../../src/errors.js';
import { delimitedRecords } from '../../../src/run-report/delimited.js';
import { readRun } from '../../../src/run-report/read-run.js';
import { reportModel } from '../../../src/run-report/report-model.js';
import { assignLanes } from '../../../src/run-report/lanes.js';

const header = 'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand';

/** A stream of `text` in pieces of `size` bytes: records and fields cut anywhere. */
function chunked(text: string | Buffer, size: number): Readable {
  const bytes = Buffer.from(text);
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) pieces.push(bytes.subarray(at, at + size));
  return Readable.from(pieces);
}

async function read(text: string | Buffer, size = 7): Promise<Awaited<ReturnType<typeof readRun>>> {
  return readRun([{ name: 'run.log', open: () => chunked(text, size) }]);
}

const joblog = [
  header,
  `1\t:\t1700000000.000\t     1.000\t0\t2\t0\t0\techo a`,
  `2\t:\t1700000000.100\t     0.500\t0\t2\t1\t0\tfalse\tx`,
  `3\t:\t1700000000.700\t     2.000\t0\t0\t-1\t15\tsleep 9`,
  '',
].join('\n');

describe('run report: reading', () => {
  for (const size of [1, 7, 4096]) {
    it(`a joblog in chunks of ${size} bytes: rows, statuses, the command with its tab`, async () => {
      const data = await read(joblog, size);
      assert.equal(data.count, 3);
      assert.equal(data.failed, 1);
      assert.equal(data.killed, 1);
      assert.deepEqual(
        data.failures.map((job) => [job.seq, job.command]),
        [
          [2, 'false\tx'],
          [3, 'sleep 9'],
        ],
      );
      assert.deepEqual(
        data.slowest.map((job) => job.seq),
        [3, 1, 2],
      );
    });
  }

  it('a headerless joblog (--joblog +file), a GNU fleet joblog with hosts, a command with NUL for its newline', async () => {
    const data = await read(`1\tw1\t10.000\t1.000\t0\t0\t0\t0\tprintf 'a\\0b'\n2\tw2\t10.500\t1.000\t0\t0\t0\t0\techo a\0echo b\n`);
    assert.equal(data.count, 2);
    assert.deepEqual(data.hosts, ['w1', 'w2']);
    assert.equal(data.slowest.find((job) => job.seq === 2)?.command, 'echo a\necho b');
  });

  it('a joblog row cut by a crash (no newline at its end) is left out, as --resume does', async () => {
    const data = await read(`${joblog}4\t:\t1700000001.0`);
    assert.equal(data.count, 3);
  });

  it('a bad row names its line; a file that is none of the formats names line 1', async () => {
    await assert.rejects(read(`${header}\n1\t:\t1.0\t1.0\t0\t0\t0\t0\tok\nnot a row\n`), (error: unknown) => error instanceof UsageError && error.message === 'report: run.log line 3: expected 9 tab-separated fields Seq, Host, Starttime, JobRuntime, Send, Receive, Exitval, Signal, Command');
    await assert.rejects(read('hello\n'), /^UsageError: report: run\.log line 1: not a joblog, a --results table \(\.json, \.csv, \.tsv\) or a --log-file$/);
  });

  it('an empty input is a run of no jobs', async () => {
    const model = reportModel(await read(''), 't');
    assert.equal(model.jobs, 0);
    assert.equal(model.wallSeconds, 0);
  });

  it('--results tables: CSV with quoted multi-line output, TSV, JSON rows; the same jobs as the joblog', async () => {
    const csv = `Seq,Host,Starttime,JobRuntime,Send,Receive,Exitval,Signal,Command,V1,Stdout,Stderr\n1,:,1700000000.000,1.000,0,2,0,0,"echo ""a b""",a,"line 1\nline, 2\n",\n2,:,1700000000.100,0.500,0,2,1,0,false,b,,"oops\n"\n`;
    const tsv = `${header}\tV1\tStdout\tStderr\n1\t:\t1700000000.000\t1.000\t0\t2\t0\t0\t"echo ""a b"""\ta\t"x\ty\n"\t\n2\t:\t1700000000.100\t0.500\t0\t2\t1\t0\tfalse\tb\t\t\n`;
    const json = `{ "Seq": 1, "Host": ":", "Starttime": 1700000000.000, "JobRuntime": 1.000, "Send": 0, "Receive": 2, "Exitval": 0, "Signal": 0, "Command": "echo \\"a b\\"", "V": [ "a" ], "Stdout": "x\\n", "Stderr": "" }\n{ "Seq": 2, "Host": ":", "Starttime": 1700000000.100, "JobRuntime": 0.500, "Send": 0, "Receive": 2, "Exitval": 1, "Signal": 0, "Command": "false", "V": [ "b" ], "Stdout": "", "Stderr": "" }\n`;
    for (const text of [csv, tsv, json]) {
      for (const size of [1, 5, 4096]) {
        const data = await read(text, size);
        assert.equal(data.count, 2, text);
        assert.equal(data.failed, 1);
        assert.deepEqual(
          data.slowest.map((job) => [job.seq, job.command]),
          [
            [1, 'echo "a b"'],
            [2, 'false'],
          ],
        );
      }
    }
  });

  it('a --log-file adds the queue samples and the verdict; its job records stand in only without a joblog', async () => {
    const log = [
      `{"level":30,"time":1700000000000,"pid":1,"msg":"run started"}`,
      `{"level":30,"time":1700000001000,"pid":1,"metrics":{"elapsedMs":1000,"queueDepth":4,"running":2,"finished":1,"jobsPerSecond":1,"producerWaitMs":0,"workerWaitMs":0},"msg":"metrics"}`,
      `{"level":30,"time":1700000001500,"pid":1,"seq":1,"id":"1","slot":1,"cmd":"echo a","attempts":1,"exitCode":0,"signal":null,"timedOut":false,"canceled":false,"durationMs":1000,"msg":"job succeeded"}`,
      `{"level":40,"time":1700000002000,"pid":1,"seq":2,"id":"2","slot":2,"cmd":"false","attempts":1,"exitCode":1,"signal":null,"timedOut":false,"canceled":false,"durationMs":500,"msg":"job failed: exit 1"}`,
      `{"level":30,"time":1700000002000,"pid":1,"metrics":{"elapsedMs":2000,"queueDepth":0,"running":0,"finished":2,"jobsPerSecond":1,"producerWaitMs":0,"workerWaitMs":1000},"msg":"metrics"}`,
      `{"level":30,"time":1700000002100,"pid":1,"exitCode":1,"elapsedMs":2100,"queue":{"queueCapacity":4,"workers":2,"maxQueueDepth":4,"producerWaitMs":0,"workerWaitMs":1000,"workerIdleRatio":0.6,"jobsPerSecond":1},"msg":"run finished"}`,
      '',
    ].join('\n');
    const alone = await read(log);
    assert.equal(alone.count, 2);
    assert.equal(alone.failed, 1);
    const model = reportModel(alone, 't');
    assert.equal(model.exitCode, 1);
    assert.deepEqual(model.queue?.depth, [4, 0]);
    assert.deepEqual(model.queue?.idle, [0, 50]);
    assert.match(model.queue?.verdict ?? '', /workers idle 60% waiting for input.*: the input is the bottleneck$/);
    const both = await readRun([
      { name: 'joblog', open: () => chunked(joblog, 64) },
      { name: 'log', open: () => chunked(log, 64) },
    ]);
    assert.equal(both.count, 3, 'the joblog\'s jobs, not the log\'s as well');
    assert.equal(both.samples.length, 2);
  });

  it('bytes that are not UTF-8 in a command are read, not refused', async () => {
    const data = await read(Buffer.concat([Buffer.from(`${header}\n1\t:\t1.0\t1.0\t0\t0\t0\t0\techo `), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]));
    assert.equal(data.count, 1);
    assert.equal(data.slowest[0]?.command, 'echo \ufffd\ufffd');
  });
});

describe('run report: the model', () => {
  it('counts, the most running at once, jobs over time and a histogram that sums to the jobs', async () => {
    const model = reportModel(await read(joblog), 'title');
    assert.equal(model.jobs, 3);
    assert.equal(model.succeeded, 1);
    assert.equal(model.mostRunning, 2);
    assert.equal(model.timeline.lanes, 2);
    assert.equal(model.wallSeconds.toFixed(3), '2.700');
    assert.equal(model.busySeconds, 3.5);
    assert.equal(model.overTime.finished.at(-1), 3);
    assert.equal(model.overTime.running.at(-1), 0);
    assert.equal(Math.max(...model.overTime.running), 2);
    assert.equal(
      model.histogram.counts.reduce((a, b) => a + b, 0),
      3,
    );
    assert.equal(model.quantiles.max, 2);
    assert.deepEqual(model.timeline.status, [0, 1, 2]);
  });

  it('lanes: a job takes the lowest row free by its start (a ms of rounding allowed); hosts get rows of their own', () => {
    // Host 0: a [0,1), b [0,2), c [1.0005,2) -> c reuses a's row 0; host 1: d [0,1) -> row 2.
    const start = Float64Array.from([0, 0, 1.0005, 0]);
    const runtime = Float64Array.from([1, 2, 1, 1]);
    const host = Uint16Array.from([0, 0, 0, 1]);
    const lanes = assignLanes(Uint32Array.from([0, 1, 3, 2]), start, runtime, host, 2);
    assert.deepEqual(Array.from(lanes.lane), [0, 1, 0, 2]);
    assert.deepEqual(lanes.perHost, [2, 1]);
    assert.equal(lanes.total, 3);
    assert.equal(lanes.most, 3);
  });

  it('the delimited reader keeps the first 9 fields only, however long the output columns are', () => {
    const reader = delimitedRecords(',');
    const long = 'x'.repeat(100_000);
    const records = [...reader.feed(`1,2,3,4,5,6,7,8,9,"${long}",${long}\n`), ...reader.end()];
    assert.deepEqual(records, [['1', '2', '3', '4', '5', '6', '7', '8', '9']]);
  });
});
