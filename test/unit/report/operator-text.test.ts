import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobResult } from '../../../src/jobs/job.js';
import { errorAnnotation, escapeWorkflowData } from '../../../src/report/annotations.js';
import { QueueMetrics, describeQueue } from '../../../src/report/metrics/queue-metrics.js';
import { openMetricsText } from '../../../src/report/metrics/openmetrics.js';
import { RunStats } from '../../../src/report/stats.js';
import { formatSummary } from '../../../src/report/summary.js';
import { paint, wantsColor } from '../../../src/report/terminal/colors.js';
import { clock, progressText } from '../../../src/report/terminal/progress-text.js';

function result(seq: number, end: Partial<JobResult>): JobResult {
  return {
    job: { seq, line: seq, record: `job ${seq}` },
    command: `job ${seq}`,
    slot: 1,
    exitCode: 1,
    signal: null,
    timedOut: false,
    canceled: false,
    error: null,
    startedAt: 0,
    durationMs: 1,
    stdoutBytes: 0,
    attempts: 1,
    ...end,
  };
}

function statsOf(results: JobResult[]): RunStats {
  const stats = new RunStats(0);
  for (const r of results) stats.handle({ kind: 'job-finished', result: r });
  return stats;
}

describe('progress text', () => {
  it('with a total: bar, percent, done/total, failed inside done, running, elapsed, ETA', () => {
    const stats = statsOf([result(1, { exitCode: 0 }), result(2, { exitCode: 0 }), result(3, { exitCode: 5 }), result(4, { exitCode: 0 })]);
    stats.running = 2;
    const text = progressText({ stats, queued: 3, total: 16, elapsedMs: 8000, stopping: undefined });
    assert.equal(text, '[#####---------------] 25% 4/16 done (1 failed), 2 running, 0:08, ETA 0:24');
  });

  it('without a total: read ahead and rate; while stopping: what happens next', () => {
    const stats = statsOf([result(1, { exitCode: 0 })]);
    stats.running = 3;
    assert.equal(progressText({ stats, queued: 6, total: undefined, elapsedMs: 2000, stopping: undefined }), '1 done, 3 running, 6 read ahead, 0:02, 0.5 jobs/s');
    assert.equal(
      progressText({ stats, queued: 0, total: undefined, elapsedMs: 2000, stopping: { signal: 'SIGINT', killInMs: 3200 } }),
      'stopping (SIGINT): 3 running, killed in 0:03; Ctrl-C again kills them now; 1 done',
    );
    assert.match(progressText({ stats, queued: 0, total: 9, elapsedMs: 1, stopping: { signal: 'SIGTERM', killInMs: undefined } }), /they may finish; SIGTERM again/);
  });

  it('a clock: m:ss, then h:mm:ss', () => {
    assert.deepEqual([clock(0), clock(61_000), clock(3_725_000)], ['0:00', '1:01', '1:02:05']);
  });
});

describe('colour', () => {
  it('NO_COLOR wins, then FORCE_COLOR, then TERM=dumb, then the TTY', () => {
    const tty = { isTTY: true };
    assert.equal(wantsColor(tty, {}), true);
    assert.equal(wantsColor({}, {}), false);
    assert.equal(wantsColor(tty, { NO_COLOR: '1', FORCE_COLOR: '1' }), false);
    assert.equal(wantsColor({}, { FORCE_COLOR: '1' }), true);
    assert.equal(wantsColor(tty, { FORCE_COLOR: '0' }), false);
    assert.equal(wantsColor(tty, { TERM: 'dumb' }), false);
    assert.equal(wantsColor(tty, { NO_COLOR: '' }), true, 'an empty NO_COLOR is unset');
  });
});

describe('summary text', () => {
  it('failed includes the timed out and canceled; listed timed out, then signalled, then exits; coloured only when asked', () => {
    const stats = statsOf([result(1, { exitCode: 2 }), result(2, { exitCode: null, signal: 'SIGKILL' }), result(3, { timedOut: true, exitCode: null, signal: 'SIGTERM' }), result(4, { exitCode: 0 })]);
    const plain = formatSummary(stats, 1500, { interruptedBy: undefined, haltedBy: undefined, joblog: undefined });
    assert.equal(
      plain,
      'qrun: 4 jobs in 1.50s: 1 succeeded, 3 failed (1 timed out), 0 not started\n' +
        '  failed #3, timed out (SIGTERM): job 3\n  failed #2, signal SIGKILL: job 2\n  failed #1, exit 2: job 1\n',
    );
    const coloured = formatSummary(stats, 1500, { interruptedBy: undefined, haltedBy: undefined, joblog: undefined, paint: paint(true) });
    const esc = String.fromCharCode(27);
    assert.ok(coloured.includes(`${esc}[32m1 succeeded${esc}[39m, ${esc}[31m3 failed (1 timed out)${esc}[39m`), coloured);
  });
});

describe('GitHub workflow commands', () => {
  it('escapes %, CR and LF in the message, and also : and , in the title', () => {
    assert.equal(escapeWorkflowData('50%\r\nx'), '50%25%0D%0Ax');
    assert.equal(errorAnnotation(3, 'exit 1', 'a: b, c\nd'), '::error title=qrun job #3 failed (exit 1)::exit 1: a: b, c%0Ad\n');
    assert.equal(errorAnnotation(4, 'timed out (SIGTERM), x: y', ''), '::error title=qrun job #4 failed (timed out (SIGTERM)%2C x%3A y)::timed out (SIGTERM), x: y\n');
  });
});

describe('queue metrics', () => {
  it('idle ratio from worker waits over workers × elapsed; the busiest depth; OpenMetrics text ends with # EOF', () => {
    let now = 0;
    let depth = 0;
    const metrics = new QueueMetrics(() => now, 0, 2, 4, { queueDepth: () => depth, running: () => 1, finished: () => 10 });
    metrics.workerWaited(1500);
    metrics.producerWaited(200);
    depth = 3;
    now = 1000;
    assert.equal(metrics.sample().jobsPerSecond, 10);
    depth = 1;
    now = 2000;
    const totals = metrics.totals();
    assert.deepEqual(totals, { queueCapacity: 4, workers: 2, maxQueueDepth: 3, producerWaitMs: 200, workerWaitMs: 1500, workerIdleRatio: 0.375, jobsPerSecond: 5 });
    assert.match(describeQueue(totals), /^queue: workers idle 38% waiting for input, input waited 0\.2s for room \(at most 3 of 4 queued\)$/);
    const text = openMetricsText('a"b', { sample: metrics.sample(), totals, counts: { succeeded: 9, failed: 1, timedOut: 0, notStarted: 0 }, exitCode: 1, nowMs: 5000 });
    assert.match(text, /^qrun_jobs\{run="a\\"b",state="failed"\} 1$/m);
    assert.match(text, /^qrun_worker_idle_ratio\{run="a\\"b"\} 0.375$/m);
    assert.match(text, /^qrun_exit_code\{run="a\\"b"\} 1$/m);
    assert.ok(text.endsWith('\n# EOF\n'));
  });
});
