// Load and soak runs, outside `npm test` (they measure nothing, but take minutes): `npm run test:load`.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { qrunBin, runQrun, track } from '../e2e/helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'qrun-load-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('load', () => {
  it('100,000 jobs', { timeout: 900_000 }, async () => {
    const file = join(scratch, '100k.txt');
    writeFileSync(file, 'true\n'.repeat(100_000));
    const result = await runQrun(['-c', '8', '-a', file], { limitMs: 880_000 });
    assert.equal(result.code, 0);
    assert.match(result.stderr, /^qrun: 100000 jobs in \S+: 100000 succeeded, 0 failed, 0 not started$/m);
  });

  it('soak: endless input for 30 s in flat memory', { timeout: 120_000 }, async () => {
    const yes = track(spawn('yes', ['echo hi'], { stdio: ['ignore', 'pipe', 'ignore'] }));
    const qrun = track(spawn(process.execPath, [qrunBin, '-c', '8', '-q'], { stdio: [yes.stdout, 'ignore', 'ignore'] }));
    const samples: number[] = [];
    for (let second = 0; second < 30; second++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      samples.push(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${qrun.pid}/status`, 'utf8'))?.[1]) / 1024);
    }
    qrun.kill('SIGINT');
    yes.kill();
    const signal = await new Promise((resolve) => qrun.on('close', (_code, sig) => resolve(sig)));
    assert.equal(signal, 'SIGINT');
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const [first, last] = [mean(samples.slice(5, 15)), mean(samples.slice(20))];
    assert.ok(Math.max(...samples) < 100, `peak RSS ${Math.max(...samples)} MB`);
    assert.ok(last - first < 5, `RSS grew from ${first.toFixed(1)} to ${last.toFixed(1)} MB`);
  });
});
