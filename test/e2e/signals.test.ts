// End to end: timeouts, Ctrl-C, a second Ctrl-C, a closed downstream; and nothing left running.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Qrun, fixture, isAlive, liveProcesses, qrunBin, root, runQrun, uniqueSleep } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'qrun-e2e-sig-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('timeouts', () => {
  it('kill the job and its grandchild', async () => {
    const sleep = uniqueSleep();
    const result = await runQrun(['-t', '300ms', '--kill-after', '200ms'], { input: `${fixture('fork-grandchild.sh')} ${sleep}\n` });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /1 timed out/);
    const grandchild = Number(/grandchild (\d+)/.exec(result.stdout.toString())?.[1]);
    assert.ok(grandchild > 0);
    assert.equal(isAlive(grandchild), false);
    assert.deepEqual(liveProcesses(sleep), []);
    assert.ok(result.elapsedMs < 10_000, `took ${result.elapsedMs} ms`);
  });

  it('SIGKILL a job that ignores SIGTERM after --kill-after', async () => {
    const result = await runQrun(['-t', '200ms', '--kill-after', '300ms', '--output', 'line'], { input: `${fixture('ignore-term.sh')} t1\n` });
    assert.equal(result.code, 1);
    assert.match(result.stdout.toString(), /ready t1/);
    assert.deepEqual(liveProcesses('ignore-term.sh t1'), []);
  });

  it('a background process left by a job does not hold qrun open', async () => {
    const sleep = uniqueSleep();
    const result = await runQrun(['-q'], { input: `sleep ${sleep} & echo started\n` });
    assert.equal(result.code, 0);
    assert.equal(result.stdout.toString(), 'started\n');
    assert.ok(result.elapsedMs < 10_000, `took ${result.elapsedMs} ms`);
    assert.deepEqual(liveProcesses(sleep), []);
  });
});

describe('SIGINT', () => {
  it('first SIGINT: running jobs finish, queued ones are reported not started, exit 130', async () => {
    const input = [1, 2, 3, 4, 5, 6].map((n) => `${fixture('ready-sleep.sh')} job${n} 1`).join('\n');
    const qrun = new Qrun(['-c', '2', '--output', 'line'], { input });
    await qrun.waitFor((out) => out.includes('ready job1') && out.includes('ready job2'), 'two ready lines');
    qrun.kill('SIGINT');
    const result = await qrun.done;
    assert.equal(result.signal, 'SIGINT', 'qrun re-raises the signal, so a shell sees status 130');
    assert.equal(result.stdout.toString().split('\n').filter(Boolean).sort().join(','), 'ready job1,ready job2');
    assert.match(result.stderr, /^qrun: interrupted by SIGINT: 6 jobs in \S+: 2 succeeded, 0 failed, 4 not started$/m);
    assert.match(result.stderr, /not started: #3-#6/);
    assert.deepEqual(liveProcesses('ready-sleep.sh job'), []);
  });

  it('a shell sees exit status 130', () => {
    const script = `printf '${fixture('ready-sleep.sh')} s1 1\\n' | node ${qrunBin} --output line -q > ${scratch}/out & pid=$!
      until grep -q ready ${scratch}/out 2>/dev/null; do sleep 0.05; done
      kill -INT $pid; wait $pid; echo "status=$?"`;
    const result = spawnSync('bash', ['-c', script], { cwd: root, encoding: 'utf8', timeout: 20_000 });
    assert.equal(result.stdout.trim(), 'status=130');
  });

  it('second SIGINT terminates running jobs, even one that ignores SIGTERM', async () => {
    const log = join(scratch, 'second.ndjson');
    const qrun = new Qrun(['-c', '1', '--output', 'line', '--kill-after', '300ms', '--log-file', log], { input: `${fixture('ignore-term.sh')} s2\necho never\n` });
    await qrun.waitFor((out) => out.includes('ready s2'), 'ready line');
    qrun.kill('SIGINT');
    await qrun.waitFor(() => readFileSync(log, 'utf8').includes('shutdown: stop'), 'the first signal to be handled');
    qrun.kill('SIGINT');
    const result = await qrun.done;
    assert.equal(result.signal, 'SIGINT');
    assert.match(result.stderr, /interrupted by SIGINT: 2 jobs in \S+: 0 succeeded, 1 failed \(1 canceled\), 1 not started/);
    assert.doesNotMatch(result.stdout.toString(), /never/);
    assert.deepEqual(liveProcesses('ignore-term.sh s2'), []);
    assert.ok(result.elapsedMs < 10_000);
  });

  it('SIGTERM is handled like SIGINT', async () => {
    const qrun = new Qrun(['-c', '1', '--output', 'line'], { input: `${fixture('ready-sleep.sh')} t 1\necho later\n` });
    await qrun.waitFor((out) => out.includes('ready t'), 'ready line');
    qrun.kill('SIGTERM');
    const result = await qrun.done;
    assert.equal(result.signal, 'SIGTERM');
    assert.match(result.stderr, /interrupted by SIGTERM: .* 1 succeeded, 0 failed, 1 not started/);
  });
});

describe('downstream closes early', () => {
  it('qrun | head -1 stops at its next write, kills running jobs, no stack trace', () => {
    const sleep = uniqueSleep();
    // Jobs that keep writing: qrun learns that stdout is closed on its next write.
    const job = `sleep ${sleep} & while :; do echo more; sleep 0.1; done`;
    const script = `{ echo 'echo first'; for i in $(seq 1 20); do echo '${job}'; done; } | node ${qrunBin} -c 4 --output line | head -1; echo "statuses=\${PIPESTATUS[*]}"`;
    const started = Date.now();
    const result = spawnSync('bash', ['-c', script], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    assert.ok(Date.now() - started < 20_000);
    assert.match(result.stdout, /^first\nstatuses=0 \d+ 0\n$/);
    assert.doesNotMatch(result.stderr, /EPIPE|\n\s+at /);
    assert.deepEqual(liveProcesses(sleep), []);
  });
});
