import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseNdjsonRecord } from '../../../src/jobs/ndjson.js';
import { readResumeSet } from '../../../src/recording/resume.js';
import { formatJoblogRow, joblogHeader } from '../../../src/recording/joblog-format.js';

const scratch = mkdtempSync(join(tmpdir(), 'qrun-unit-resume-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('readResumeSet', () => {
  const log = join(scratch, 'j.log');
  const body = `${joblogHeader}\n1\t:\t1.5\t     0.100\t0\t2\t0\t0\tok\n2\t:\t1.5\t     0.100\t0\t0\t3\t0\tfailed\n3\t:\t1.5\t     0.100\t0\t0\t0\t9\tkilled\n2\t:\t1.5\t     0.100\t0\t0\t0\t0\tfixed\n4\t:\t1.5\t     0.100\t0\t0\t-1\t15\tcmd\twith\ttabs\n`;

  it('resume: every seq with a row; resume-failed: only seqs with a successful row', () => {
    writeFileSync(log, body);
    assert.deepEqual([...readResumeSet(log, 'resume').done].sort(), [1, 2, 3, 4]);
    assert.deepEqual([...readResumeSet(log, 'resume-failed').done].sort(), [1, 2]);
  });

  it('a missing or empty file means nothing is done', () => {
    assert.equal(readResumeSet(join(scratch, 'none.log'), 'resume').done.size, 0);
    writeFileSync(log, '');
    assert.equal(readResumeSet(log, 'resume').done.size, 0);
  });

  it('refuses a malformed file with the line number', () => {
    writeFileSync(log, 'Seq Host\n');
    assert.throws(() => readResumeSet(log, 'resume'), /line 1: not a joblog header/);
    writeFileSync(log, `${joblogHeader}\n1\t:\t1.5\t0.1\t0\t2\t0\t0\tok\n2\t:\t1.5\n3\t:\t1.5\t0.1\t0\t2\t0\t0\tok\n`);
    assert.throws(() => readResumeSet(log, 'resume'), /line 3: expected 9 tab-separated fields/);
    writeFileSync(log, `${joblogHeader}\nx\t:\t1.5\t0.1\t0\t2\t0\t0\tok\n`);
    assert.throws(() => readResumeSet(log, 'resume'), /line 2/);
  });
});

describe('readResumeSet: a cut-off last row', () => {
  const log = join(scratch, 'cut.log');
  it('is left out (its job runs again) and its offset given, whatever it holds', () => {
    const whole = `${joblogHeader}\n1\t:\t1.5\t0.1\t0\t2\t0\t0\tok\n`;
    writeFileSync(log, `${whole}2\t:\t1.5\t0.1\t0\t2\t0\t0\tok`);
    assert.deepEqual(readResumeSet(log, 'resume'), { done: new Set([1]), cutRow: { line: 3, offset: Buffer.byteLength(whole) } });
    writeFileSync(log, `${whole}2\t:\t1.`);
    assert.deepEqual(readResumeSet(log, 'resume').cutRow, { line: 3, offset: Buffer.byteLength(whole) });
    writeFileSync(log, 'Seq\tHo');
    assert.throws(() => readResumeSet(log, 'resume'), /line 1: not a joblog header/);
  });
});

describe('formatJoblogRow', () => {
  const base = { job: { seq: 7, line: 7, record: 'r' }, command: 'echo "a\nb"', slot: 1, exitCode: 0, signal: null, timedOut: false, canceled: false, error: null, startedAt: 1_700_000_000_123.4, durationMs: 1234.5678, stdoutBytes: 42, attempts: 1 };

  it('formats as GNU parallel: 3-decimal start, %10.3f runtime, NUL for newline', () => {
    assert.equal(formatJoblogRow(base), '7\t:\t1700000000.123\t     1.235\t0\t42\t0\t0\techo "a\0b"\n');
  });

  it('exit status, signal and timeout columns', () => {
    assert.match(formatJoblogRow({ ...base, exitCode: 3 }), /\t3\t0\t/);
    assert.match(formatJoblogRow({ ...base, exitCode: null, signal: 'SIGKILL' }), /\t0\t9\t/);
    assert.match(formatJoblogRow({ ...base, exitCode: null, signal: 'SIGTERM', timedOut: true }), /\t-1\t15\t/);
    // Timed out, then exited by itself after the SIGTERM: as GNU parallel, the exit code with Signal 0, exit 0 as -1.
    assert.match(formatJoblogRow({ ...base, exitCode: 143, timedOut: true }), /\t143\t0\t/);
    assert.match(formatJoblogRow({ ...base, exitCode: 7, timedOut: true }), /\t7\t0\t/);
    assert.match(formatJoblogRow({ ...base, exitCode: 0, timedOut: true }), /\t-1\t0\t/);
  });
});

describe('parseNdjsonRecord', () => {
  it('accepts the documented fields', () => {
    assert.deepEqual(parseNdjsonRecord('{"cmd":"x","id":"a","timeout":"1m","retries":2,"env":{"A":"1"},"cwd":"/tmp"}'), {
      ok: true,
      cmd: 'x',
      settings: { id: 'a', timeoutMs: 60_000, retries: 2, env: { A: '1' }, cwd: '/tmp' },
    });
    assert.deepEqual(parseNdjsonRecord('{"cmd":"x","timeout":1.5}'), { ok: true, cmd: 'x', settings: { id: undefined, timeoutMs: 1500, retries: undefined, env: undefined, cwd: undefined } });
  });

  it('names the offending field', () => {
    const reason = (text: string): string => {
      const parsed = parseNdjsonRecord(text);
      return parsed.ok ? 'ok' : parsed.reason;
    };
    assert.equal(reason('{"cmd":"x","timeout":-4}'), 'timeout must be a duration like 30s (at most 24 days), got -4');
    // One bound for every path: a timer over 2^31-1 ms would fire after 1 ms.
    assert.equal(reason('{"cmd":"x","timeout":2147484}'), 'timeout must be a duration like 30s (at most 24 days), got 2147484');
    assert.equal(reason('{"cmd":"x","timeout":"600h"}'), 'timeout must be a duration like 30s (at most 24 days), got "600h"');
    assert.equal(reason('{"cmd":"x","retries":1.5}'), 'retries must be a whole number of 0 or more, got 1.5');
    assert.equal(reason('{"cmd":5}'), 'cmd must be a string, got 5');
    assert.equal(reason('{}'), 'cmd is missing');
    assert.equal(reason('{"cmd":""}'), 'cmd must not be empty');
    assert.equal(reason('{"cmd":"x","env":{"A":1}}'), 'env values must be strings, got 1');
    assert.equal(reason('{"cmd":"x","extra":true}'), "unknown field 'extra'");
    assert.match(reason('{"cmd":'), /^not valid JSON: /);
    assert.match(reason('"str"'), /^expected a JSON object/);
  });
});
