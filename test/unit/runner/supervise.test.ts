import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProcessGroups } from '../../../src/runner/process-groups.js';
import { supervise } from '../../../src/runner/supervise.js';
import { killAfterSeq } from '../../../src/runner/term-seq.js';

// Above Linux's largest pid: no such group, so signals to it fail quietly (ESRCH).
const noGroup = 4_194_305;

describe('supervise', () => {
  it('a kill that comes after the shell exited by itself does not make the job canceled (--halt now race)', async () => {
    const kill = new AbortController();
    const group = supervise(noGroup, { timeoutMs: undefined, termSeq: killAfterSeq(10), kill: kill.signal, groups: new ProcessGroups() });
    group.exited(true);
    kill.abort();
    assert.deepEqual(await group.finish(), { timedOut: false, canceled: false, evicted: false });
  });

  it('a kill while the shell runs makes it canceled; one abort listener serves every job of a run', async () => {
    const kill = new AbortController();
    const groups = new ProcessGroups();
    const jobs = Array.from({ length: 50 }, () => supervise(noGroup, { timeoutMs: undefined, termSeq: killAfterSeq(10), kill: kill.signal, groups }));
    kill.abort();
    for (const job of jobs) job.exited();
    const ends = await Promise.all(jobs.map((job) => job.finish()));
    assert.ok(ends.every((end) => end.canceled && !end.timedOut));
    assert.equal(groups.size, 0);
  });

  it('a timeout marks the job timed out; a kill already aborted counts at once', async () => {
    const timed = supervise(noGroup, { timeoutMs: 5, termSeq: killAfterSeq(10), kill: new AbortController().signal, groups: new ProcessGroups() });
    await new Promise((resolve) => setTimeout(resolve, 20));
    timed.exited();
    assert.deepEqual(await timed.finish(), { timedOut: true, canceled: false, evicted: false });
    const aborted = new AbortController();
    aborted.abort();
    const late = supervise(noGroup, { timeoutMs: undefined, termSeq: killAfterSeq(10), kill: aborted.signal, groups: new ProcessGroups() });
    late.exited();
    assert.deepEqual(await late.finish(), { timedOut: false, canceled: true, evicted: false });
  });
});
