import assert from 'node:assert/strict';
import { killAfterSeq } from '../../../src/runner/term-seq.js';
import { describe, it } from 'node:test';
import { checkQueueName, runKeys } from '../../../src/redis/keys.js';
import { parseRedisUrl } from '../../../src/redis/url.js';
import { attemptKey, decodeRecord, encodeRecord, jobData, jobId, parseJobData } from '../../../src/redis/wire.js';

const spec = { seq: 7, attempt: 2, slot: 3, command: 'echo "a\nb"', shell: '/bin/sh', timeoutMs: 5000, termSeq: killAfterSeq(2000), env: { A: '1', QRUN_SEQ: '7' }, cwd: 'sub' };
const toFields = (fields: (string | Buffer)[]): Buffer[] => fields.map((f) => (typeof f === 'string' ? Buffer.from(f) : f));

describe('fleet wire format', () => {
  it('job data carries the policy, not the submitter\'s slot, and survives the trip through JSON', () => {
    const data = jobData('abc123', { ttl: 10_000, client: '42' }, spec);
    assert.deepEqual(parseJobData(JSON.parse(JSON.stringify(data))), { run: 'abc123', seq: 7, attempt: 2, ttl: 10_000, client: '42', spec: { command: 'echo "a\nb"', shell: '/bin/sh', timeoutMs: 5000, termSeq: killAfterSeq(2000), env: { A: '1', QRUN_SEQ: '7' }, cwd: 'sub' } });
    assert.equal(jobId('abc123', 7, 2), 'abc123.7.2');
    assert.doesNotMatch(jobId('abc123', 7, 2), /:/, 'BullMQ refuses ids with a colon');
  });

  it('refuses job data that is not qrun\'s (anything can be written to Redis)', () => {
    for (const bad of [null, 'x', { run: 'r', seq: 1, attempt: 1 }, { ...jobData('r', { ttl: 10_000, client: undefined }, spec), seq: 0 }, { ...jobData('r', { ttl: 10_000, client: undefined }, spec), run: 'a:b' }, { ...jobData('r', { ttl: 10_000, client: undefined }, spec), spec: { ...jobData('r', { ttl: 10_000, client: undefined }, spec).spec, env: { A: 1 } } }]) {
      assert.equal(parseJobData(bad), undefined, JSON.stringify(bad));
    }
  });

  it('stream records round-trip, binary chunks byte for byte', () => {
    const data = Buffer.from([0, 255, 10, 13, 0xc3]);
    const result = { exitCode: 3, signal: null, timedOut: false, canceled: false, error: null, startedAt: 1700000000000, durationMs: 12.5, stdoutBytes: 5, host: 'w1' };
    const key = attemptKey(7, 2);
    for (const record of [
      { kind: 'start', key, exec: 'e1', host: 'w1' },
      { kind: 'stdout', key, exec: 'e1', data },
      { kind: 'stderr', key, exec: 'e1', data },
      { kind: 'stdout', key, exec: 'e1', data, at: 0 },
      { kind: 'stderr', key, exec: 'e1', data, at: 123456789 },
      { kind: 'end', key, exec: 'e1', result },
      { kind: 'end', key, exec: 'e1', result, sent: [5, 0] },
    ] as const) {
      assert.deepEqual(decodeRecord(toFields(encodeRecord(record))), record);
    }
    assert.equal(decodeRecord(toFields(['k', 'init'])), undefined, 'the stream\'s first entry is not a record');
    assert.equal(decodeRecord(toFields(['k', 'z', 'j', key, 'x', 'e', 'r', '{not json'])), undefined);
  });
});

describe('fleet names', () => {
  it('--redis: redis://, rediss:// and socket paths; the password never shown', () => {
    assert.equal(parseRedisUrl('redis://:pw@host:6379/2').shown, 'redis://:***@host:6379/2');
    assert.equal(parseRedisUrl('rediss://user:pw@host:6380').shown, 'rediss://user:***@host:6380');
    assert.equal(parseRedisUrl('/run/redis.sock').shown, '/run/redis.sock');
    assert.throws(() => parseRedisUrl('http://:pw@host'), /--redis must be a URL like redis:\/\/host:6379 or rediss:\/\/host:6380, got 'http:\/\/:\*\*\*@host'/);
    assert.throws(() => parseRedisUrl('host:6379'), /--redis must be a URL/);
  });

  it('keys share one hash tag; queue names are checked', () => {
    const keys = runKeys('jobs', 'r1');
    for (const key of Object.values(keys)) assert.match(key, /^\{qrun\}:jobs:run:r1:/);
    assert.equal(checkQueueName('my-queue_2'), undefined);
    assert.match(checkQueueName('a:b') ?? '', /--queue must be/);
    assert.match(checkQueueName('') ?? '', /--queue must be/);
  });
});
