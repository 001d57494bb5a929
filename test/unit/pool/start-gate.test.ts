// --load and --memfree: the start gate and the memory watch, with the machine's readings faked;
// and a whole run (the composition root) whose memory runs short while a job runs.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { parseOptions } from '../../../src/cli/options.js';
import { runQrun } from '../../../src/main.js';
import { Evictions, watchMemory } from '../../../src/pool/memory-watch.js';
import { StartGate, heldBack } from '../../../src/pool/start-gate.js';
import { ManualClock } from '../fakes/fakes.js';

const scratch = mkdtempSync(join(tmpdir(), 'qrun-unit-gate-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const gb = 1024 ** 3;

describe('StartGate (--load, --memfree)', () => {
  it('holds a start while the load is at or over the limit, says why once, then lets it go', async () => {
    const loads = [5, 2, 3, 1.5];
    const notices: string[] = [];
    const gate = new StartGate({ maxLoad: 2, memFree: undefined }, { load: () => loads.shift() ?? 0, freeBytes: () => gb }, (why) => notices.push(why), 1);
    assert.equal(await gate.wait(new AbortController().signal), true);
    assert.deepEqual(loads, []);
    assert.deepEqual(notices, ['waiting to start jobs: the load average is 5.00, --load is 2']);
  });

  it('holds a start while too little memory is free; a stop ends the wait with false', async () => {
    assert.equal(heldBack({ maxLoad: undefined, memFree: gb }, { load: () => 0, freeBytes: () => gb / 2 }), '512 MB of memory is free, --memfree is 1024 MB');
    assert.equal(heldBack({ maxLoad: undefined, memFree: gb }, { load: () => 0, freeBytes: () => gb }), undefined);
    const stop = new AbortController();
    const clock = new ManualClock();
    let checks = 0;
    const gate = new StartGate({ maxLoad: undefined, memFree: gb }, { load: () => 0, freeBytes: () => (checks++, 0) }, () => undefined, 100, clock);
    const waiting = gate.wait(stop.signal);
    await clock.advance(1000);
    assert.equal(checks, 11, 'checked again every 100 ms');
    stop.abort();
    assert.equal(await waiting, false);
    assert.equal(clock.pending, 0);
  });
});

describe('memory watch (--memfree)', () => {
  it('evicts the youngest running job, one per check, while free memory is under half', async () => {
    const evictions = new Evictions();
    const one = evictions.add(1);
    const three = evictions.add(3);
    evictions.add(2);
    let free = gb;
    const killed: number[] = [];
    const stop = watchMemory(gb, { load: () => 0, freeBytes: () => free }, evictions, (seq) => killed.push(seq), 5);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(killed.length, 0);
    free = gb / 4;
    while (killed.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    stop();
    assert.deepEqual(killed.slice(0, 2), [3, 2]);
    assert.equal(three.signal.aborted, true);
    assert.equal(one.signal.aborted, killed.includes(1));
  });

  it('a whole run: the job killed for memory fails with the reason, and its retry runs once memory is back', async () => {
    const marker = join(scratch, 'ran-once');
    let started = 0;
    let low = false;
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const options = parseOptions({ concurrency: 1, memfree: '1G', retries: 1, silent: false, progress: false, executor: 'execa' });
    const summary = await runQrun(options, { kind: 'records', records: [`test -e ${marker} || { touch ${marker}; exec sleep 30; }`] }, {
      stdout: new PassThrough(),
      stderr: Object.assign(stderr, { isTTY: false }),
      env: process.env,
      cwd: scratch,
      inheritable: false,
      // Memory runs short while the first attempt runs, and is back for the retry.
      readings: { load: () => 0, freeBytes: () => (low && started === 1 ? gb / 4 : 2 * gb) },
      onEvent: (event) => {
        if (event.kind === 'job-started') {
          started++;
          setTimeout(() => (low = true), 50);
        }
        if (event.kind === 'job-retry') {
          assert.match(event.result.error ?? '', /^killed by --memfree: free memory fell under half of it$/);
          started++;
        }
      },
    });
    assert.equal(summary.succeeded, 1);
    assert.equal(summary.failed, 0);
    assert.match(err, /qrun: --memfree: 256 MB free, under half of 1024 MB: killing job #1\n/);
  });
});
