// Load and soak runs, outside `npm test` (they measure nothing, but take minutes): `npm run test:load`.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { qrunBin, runQrun, track } from '../e2e/helpers.js';
import { fleetChaos } from '../e2e/chaos.js';
import { haveRedis } from '../e2e/fleet-helpers.js';

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

  // Group mode (output through capture files) and line mode (every chunk forwarded by the spawn helper).
  for (const mode of ['group', 'line']) {
  it(`soak: endless input for 30 s in flat memory, ${mode} mode`, { timeout: 120_000 }, async () => {
    const yes = track(spawn('yes', ['echo hi'], { stdio: ['ignore', 'pipe', 'ignore'] }));
    const qrun = track(spawn(process.execPath, [qrunBin, '-c', '8', '-q', '--output', mode], { stdio: [yes.stdout, 'ignore', 'ignore'] }));
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
  }
});

describe('fleet chaos', { skip: haveRedis ? false : 'needs redis-server' }, () => {
  // Without persistence here (the queue is lost with Redis) and with AOF in npm test's short run,
  // so that CI covers both every time; QRUN_CHAOS_AOF=1 or 0 chooses.
  const aof = process.env.QRUN_CHAOS_AOF === '1';
  it(`QRUN_CHAOS_JOBS jobs (default 1,000) while workers, the submitter and Redis (AOF ${aof ? 'on' : 'off'}) are killed and Redis paused, at random`, { timeout: 3_600_000 }, async (t) => {
    const seed = Number(process.env.QRUN_CHAOS_SEED ?? Date.now() % 100_000);
    const jobs = Number(process.env.QRUN_CHAOS_JOBS ?? 1000);
    // The seed, so a failure can be replayed: QRUN_CHAOS_SEED=<seed>.
    t.diagnostic(`chaos seed ${seed}, ${jobs} jobs, AOF ${aof ? 'on' : 'off'}`);
    const report = await fleetChaos({ jobs, workers: 3, faults: 10, kinds: ['worker', 'submitter', 'redis', 'pause'], aof, seed, scratch, largeEvery: 250, pace: 0.25 });
    t.diagnostic(`chaos: faults ${JSON.stringify(report.struck)}; ${report.ranTwice} jobs ran twice; extra runs by the fault before them: ${JSON.stringify(report.ranTwiceAfter)}`);
  });
});
