import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { copiedEnv } from '../../../src/runner/job-env.js';
import { resolveSpec } from '../../../src/runner/executor.js';
import { killAfterSeq } from '../../../src/runner/term-seq.js';
import { job } from '../fakes/fakes.js';

describe('--env', () => {
  const env = { A: '1', B: 'two words', PATH: '/bin', REDISCLI_AUTH: 'secret', QRUN_REDIS: 'redis://:pw@h' };

  it('copies the named variables that are set; a name not set is left out', () => {
    assert.deepEqual(copiedEnv(['A', 'B', 'MISSING'], env, []), { A: '1', B: 'two words' });
    assert.deepEqual(copiedEnv([], env, []), {});
  });

  it('_ is every variable but those GNU parallel ignores; the Redis connection settings never travel', () => {
    const never = ['QRUN_REDIS', 'REDISCLI_AUTH'];
    assert.deepEqual(copiedEnv(['_'], env, never, () => ['PATH']), { A: '1', B: 'two words' });
    assert.deepEqual(copiedEnv(['REDISCLI_AUTH', 'A'], env, never, () => []), { A: '1' });
  });
});

describe('a job spec', () => {
  const defaults = { shell: '/bin/sh', timeoutMs: () => undefined, termSeq: killAfterSeq(100), retries: 0, pid: 42 };

  it("--nice wraps the job's shell in nice(1), exec'd, the command quoted; without it the command is as given", () => {
    assert.equal(resolveSpec(job(1), "echo 'x'", 1, 1, defaults).command, "echo 'x'");
    assert.equal(resolveSpec(job(1), "echo 'x'", 1, 1, { ...defaults, nice: 5 }).command, `exec nice -n 5 /bin/sh -c 'echo '"'"'x'"'"`);
  });

  it("--env's variables come first: the record's own and the job's numbers win", () => {
    const spec = resolveSpec(job(3, { env: { A: 'record' } }), 'true', 2, 1, { ...defaults, env: { A: 'copied', B: 'copied', QRUN_SEQ: '99' } });
    assert.deepEqual(spec.env, { A: 'record', B: 'copied', QRUN_SEQ: '3', QRUN_SLOT: '2', PARALLEL_SEQ: '3', PARALLEL_JOBSLOT: '2', PARALLEL_PID: '42' });
  });
});
