// End to end: the spawn-helper executor and the execa executor, side by side. (The whole e2e suite
// also runs under each: `npm test` with the default, auto, and CI again with QRUN_EXECUTOR=execa.)

import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Qrun, baseEnv, liveProcesses, qrunBin, root, runQrun, uniqueSleep } from './helpers.js';
import { locateHelper } from '../../src/runner/helper/locate.js';

const scratch = mkdtempSync(join(tmpdir(), 'qrun-e2e-exec-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const helper = locateHelper();
const noHelper = 'reason' in helper ? `no spawn helper here: ${helper.reason}` : false;

/** The command line of a pid. */
function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

describe('which executor starts a job', { skip: noHelper }, () => {
  it('by default (auto) jobs of every output mode start from the helper; --executor execa from qrun itself', async () => {
    const parentOf = async (args: string[]): Promise<string> => {
      // The job names its parent while it runs.
      const qrun = new Qrun(['-c', '1', ...args], { input: `echo $PPID; tr '\\0' ' ' < /proc/$PPID/cmdline\n`, env: { QRUN_EXECUTOR: 'auto' } });
      const result = await qrun.done;
      assert.equal(result.code, 0, result.stderr);
      const [ppid, parent] = result.stdout.toString().split('\n');
      return Number(ppid) === qrun.child.pid ? 'qrun' : (parent ?? '');
    };
    assert.match(await parentOf([]), /native\/bin\/qrun-spawn-linux-/);
    assert.match(await parentOf(['--output', 'ungroup']), /qrun-spawn-linux-/);
    assert.match(await parentOf(['--output', 'line']), /qrun-spawn-linux-/);
    assert.match(await parentOf(['--results-seq', join(scratch, 'results')]), /qrun-spawn-linux-/);
    assert.match(await parentOf(['--tag']), /qrun-spawn-linux-/);
    assert.equal(await parentOf(['--executor', 'execa']), 'qrun');
    assert.match(await parentOf(['--executor', 'helper']), /qrun-spawn-linux-/);
  });

  it('jobs get the same signal dispositions and mask from both executors, even under a parent that ignores signals', () => {
    const status = (executor: string): string => {
      const script = `trap '' INT QUIT HUP; printf 'grep -E "^Sig(Ign|Blk|Cgt)" /proc/self/status\\n' | node ${qrunBin} -q --executor ${executor}`;
      const result = spawnSync('sh', ['-c', script], { cwd: root, encoding: 'utf8', env: { ...baseEnv, CI: 'true' }, timeout: 20_000 });
      assert.equal(result.status, 0, result.stderr);
      return result.stdout;
    };
    const fromHelper = status('helper');
    assert.equal(fromHelper, status('execa'));
    assert.match(fromHelper, /^SigIgn:\s+0+$/m, 'nothing ignored (glibc posix_spawn left 32 and 33 ignored)');
    assert.match(fromHelper, /^SigBlk:\s+0+$/m);
  });

  it('a helper that dies: its running job fails with the reason and its group is killed; later jobs run through execa; nothing hangs', async () => {
    const sleep = uniqueSleep();
    const marker = join(scratch, 'after-death');
    const qrun = new Qrun(['-c', '1', '--executor', 'helper', '--kill-after', '200ms', '--log-level', 'debug'], { input: `sleep ${sleep}\ntouch ${marker}; echo later\n`, limitMs: 30_000 });
    await qrun.waitFor(() => liveProcesses(sleep).length > 0, 'the first job to start');
    const helpers = liveProcesses('qrun-spawn-linux-').filter((pid) => childOf(pid, qrun.child.pid));
    assert.equal(helpers.length, 1);
    process.kill(helpers[0] as number, 'SIGKILL');
    const result = await qrun.done;
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /failed #1, the spawn helper died while the job ran: sleep/);
    assert.match(result.stderr, /qrun: debug: the spawn helper stopped \(it was killed by SIGKILL\): the next jobs start through execa/);
    assert.equal(result.stdout.toString(), 'later\n');
    assert.deepEqual(liveProcesses(sleep), []);
  });

  it('qrun SIGKILLed: the helper ends the process groups it started (SIGTERM, then SIGKILL for a job that ignores it), then exits', async () => {
    const sleep = uniqueSleep();
    const stubborn = uniqueSleep();
    const qrun = new Qrun(['-c', '2', '--executor', 'helper'], { input: `sleep ${sleep}\ntrap '' TERM; sleep ${stubborn} & wait\n`, limitMs: 20_000 });
    await qrun.waitFor(() => liveProcesses(sleep).length > 0 && liveProcesses(stubborn).length > 0, 'both jobs');
    const pid = liveProcesses('qrun-spawn-linux-').find((p) => childOf(p, qrun.child.pid)) as number;
    qrun.kill('SIGKILL');
    await qrun.done;
    try {
      for (let i = 0; i < 750 && (cmdline(pid).includes('qrun-spawn') || liveProcesses(sleep).length + liveProcesses(stubborn).length > 0); i++) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(liveProcesses(sleep), [], 'the job SIGTERM ends');
      assert.deepEqual(liveProcesses(stubborn), [], 'the job that ignores SIGTERM, by SIGKILL');
      assert.equal(cmdline(pid).includes('qrun-spawn'), false, 'the helper is gone too');
    } finally {
      for (const job of [...liveProcesses(sleep), ...liveProcesses(stubborn)]) process.kill(job, 'SIGKILL');
    }
  });
});

/** Whether `pid` is a child of `parent` (false once it is gone: other test files' helpers come and go). */
function childOf(pid: number, parent: number | undefined): boolean {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8').includes(`PPid:\t${parent}\n`);
  } catch {
    return false;
  }
}

describe('an installation without the helper', () => {
  // A copy of the built CLI without native/bin: as on macOS, another CPU, or a build without a C compiler.
  const copy = join(scratch, 'install');
  mkdirSync(join(copy, 'dist'), { recursive: true });
  cpSync(join(root, 'bin'), join(copy, 'bin'), { recursive: true });
  cpSync(join(root, 'dist/bundle'), join(copy, 'dist/bundle'), { recursive: true });
  cpSync(join(root, 'package.json'), join(copy, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
  const bin = join(copy, 'bin/qrun.js');

  it('auto: runs every job through execa, and says so only at --log-level debug', () => {
    const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { input: 'echo ok\n', encoding: 'utf8', env: { ...baseEnv, CI: 'true', QRUN_EXECUTOR: 'auto' }, timeout: 20_000 });
    const quiet = run([]);
    assert.equal(quiet.status, 0);
    assert.equal(quiet.stdout, 'ok\n');
    assert.doesNotMatch(quiet.stderr, /helper/);
    const debug = run(['--log-level', 'debug']);
    assert.equal(debug.stdout, 'ok\n');
    assert.match(debug.stderr, /^qrun: debug: the spawn helper cannot be used \(qrun-spawn-linux-\w+ is not in this installation \(built without a C compiler\?\)\): jobs start through execa$/m);
  });

  it('--executor helper: one line, exit 255, no job', () => {
    const result = spawnSync(process.execPath, [bin, '--executor', 'helper'], { input: `touch ${scratch}/forced\n`, encoding: 'utf8', env: { ...baseEnv, CI: 'true' }, timeout: 20_000 });
    assert.equal(result.status, 255);
    assert.match(result.stderr, /^qrun: --executor helper cannot be used: qrun-spawn-linux-\w+ is not in this installation/);
    assert.equal(result.stderr.split('\n').length, 2);
  });
});

describe('--executor', () => {
  it('a bad value is a usage error', async () => {
    const result = await runQrun(['--executor', 'fork']);
    assert.equal(result.code, 255);
    assert.equal(result.stderr, "qrun: --executor must be one of auto, helper, execa, got 'fork'; see qrun --help\n");
  });
});
