// `qrun sem` (GNU parallel's sem): a counting semaphore across invocations, run as a script runs
// it. Jobs say when they start and wait for a go file from the test, so what is checked is who
// holds the semaphore when, never how fast.

import assert from 'node:assert/strict';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { spawn, type ChildProcess } from 'node:child_process';
import { baseEnv, qrunBin, runQrun, track } from './helpers.js';
import { until } from './fleet-helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'qrun-e2e-sem-'));
const env = { XDG_STATE_HOME: join(scratch, 'state') };
after(() => {
  // Release whatever a failed test left waiting.
  for (let n = 1; n <= 9; n++) writeFileSync(join(scratch, `go.${n}`), '');
  rmSync(scratch, { recursive: true, force: true });
});

/** A job that says it started, waits for its go file, then says it ended. */
function held(n: number): string {
  return `touch ${scratch}/start.${n}; while [ ! -e ${scratch}/go.${n} ]; do sleep 0.02; done; echo ended ${n}; touch ${scratch}/end.${n}`;
}
const started = (n: number): boolean => existsSync(join(scratch, `start.${n}`));

let calls = 0;
/**
 * Runs `qrun sem …` as a script does: to its exit (a background command holds sem's stdout and
 * stderr, as under GNU parallel, so they go to files here, read at the exit).
 */
function sem(args: readonly string[]): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const out = join(scratch, `sem-out.${++calls}`);
  const err = join(scratch, `sem-err.${calls}`);
  const fds = [openSync(out, 'w'), openSync(err, 'w')];
  const child = track(spawn(process.execPath, [qrunBin, 'sem', ...args], { env: { ...baseEnv, ...env }, stdio: ['ignore', ...fds] }), 60_000);
  for (const fd of fds) closeSync(fd);
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout: readFileSync(out, 'utf8'), stderr: readFileSync(err, 'utf8') })),
  );
  return { child, done };
}
const go = (n: number): void => writeFileSync(join(scratch, `go.${n}`), '');

describe('qrun sem', () => {
  it('-j 2: two commands hold the semaphore in the background; a third waits for a slot; --wait waits for all', async () => {
    for (const n of [1, 2]) {
      const result = await sem(['-j', '2', '--id', 'two', held(n)]).done;
      assert.deepEqual([result.code, result.stderr], [0, ''], 'returns at once, its command in the background');
    }
    await until(() => started(1) && started(2), 'both commands running');
    const third = sem(['-j', '2', '--id', 'two', held(3)]);
    // It cannot take a slot while both are held: after a while, it is still waiting.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(third.child.exitCode, null, 'the third sem still waits');
    assert.equal(started(3), false);
    go(1);
    const thirdDone = await third.done;
    assert.equal(thirdDone.code, 0);
    await until(() => started(3), 'the third command running');
    const waiting = sem(['--id', 'two', '--wait']);
    go(2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(waiting.child.exitCode, null, '--wait waits while the third runs');
    go(3);
    const waited = await waiting.done;
    assert.equal(waited.code, 0);
    assert.ok(existsSync(join(scratch, 'end.2')) && existsSync(join(scratch, 'end.3')), 'every command ended before --wait returned');
  });

  it('--fg runs in the foreground: its output and exit status are the command\'s; words are joined as GNU parallel joins them', async () => {
    const result = await runQrun(['sem', '--fg', '--id', 'fg', 'echo', 'a', ';', 'echo b >&2;', 'exit 7'], { env });
    assert.deepEqual([result.code, result.stdout.toString(), result.stderr], [7, 'a\n', 'b\n']);
    const spelled = await runQrun(['--semaphore', '--fg', '--id', 'fg', 'echo hi'], { env });
    assert.deepEqual([spelled.code, spelled.stdout.toString()], [0, 'hi\n']);
    // GNU parallel's other spellings: --semaphore after sem's options, and --fg alone (it implies --semaphore).
    const later = await runQrun(['-j', '2', '--id', 'fg', '--semaphore', '--fg', 'echo later'], { env });
    assert.deepEqual([later.code, later.stdout.toString()], [0, 'later\n']);
    const fgAlone = await runQrun(['--fg', '--id=fg', 'exit 3'], { env });
    assert.equal(fgAlone.code, 3);
  });

  it('a holder killed with SIGKILL does not keep its slot', async () => {
    const pidFile = join(scratch, 'holder.pid');
    const first = await sem(['--id', 'killed', `echo $$ > ${pidFile}; exec sleep 60`]).done;
    assert.equal(first.code, 0);
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), 'the holder running');
    process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
    // Bounded: a slot that stayed taken would make this give up (exit 1) rather than hang.
    const next = await runQrun(['sem', '--fg', '--id', 'killed', '--st', '-20', 'echo took it'], { env });
    assert.deepEqual([next.code, next.stdout.toString()], [0, 'took it\n']);
  });

  it('--semaphoretimeout: negative gives up (exit 1, the command not run); positive takes the slot anyway', async () => {
    const holder = await sem(['--id', 'busy', held(5)]).done;
    assert.equal(holder.code, 0);
    await until(() => started(5), 'the holder running');
    const gaveUp = await runQrun(['sem', '--fg', '--id', 'busy', '--semaphoretimeout', '-0.3', 'echo ran'], { env });
    assert.deepEqual([gaveUp.code, gaveUp.stdout.toString()], [1, '']);
    assert.match(gaveUp.stderr, /^qrun sem: the semaphore was not released in time \(--semaphoretimeout\): not running the command\n$/);
    const tookIt = await runQrun(['sem', '--fg', '--id', 'busy', '--st', '0.3', 'echo ran'], { env });
    assert.deepEqual([tookIt.code, tookIt.stdout.toString()], [0, 'ran\n']);
    assert.match(tookIt.stderr, /taking it anyway/);
    go(5);
    assert.equal((await runQrun(['sem', '--id', 'busy', '--wait'], { env })).code, 0);
  });

  it('bad calls: one line naming the option, exit 255, nothing run', async () => {
    for (const [args, message] of [
      [['sem'], /^qrun: sem: a command to run is needed \(or --wait\)\n$/],
      [['sem', '-j', 'lots', 'true'], /^qrun: sem: expected -j to be a whole number/],
      [['sem', '--st', 'soon', 'true'], /^qrun: sem: expected --semaphoretimeout to be a duration/],
      [['sem', '--fg', '--bg', 'true'], /^qrun: sem: --fg and --bg cannot be used together\n$/],
      [['sem', '--nope', 'true'], /^qrun: sem: unknown option '--nope'/],
      [['-k', '--semaphore', 'true'], /^qrun: sem: unknown option '-k'/],
      [['-a', 'x', '--fg', 'true'], /^qrun: --fg is for GNU parallel's sem, with sem's options only: qrun sem/],
    ] as const) {
      const result = await runQrun([...args], { env });
      assert.equal(result.code, 255, args.join(' '));
      assert.match(result.stderr, message);
      assert.equal(result.stderr.split('\n').length, 2, 'one line');
    }
    // A state directory that cannot be written: a file stands where the directory would be.
    const blocked = join(scratch, 'blocked');
    writeFileSync(blocked, '');
    {
      const result = await runQrun(['sem', '--fg', '--id', 'x', 'echo never'], { env: { XDG_STATE_HOME: blocked } });
      assert.equal(result.stdout.toString(), '');
      assert.equal(result.code, 255);
      assert.match(result.stderr, /^qrun: sem: cannot use the semaphore directory \S+\/blocked\/qrun\/semaphores\/id-x: ENOTDIR \(set XDG_STATE_HOME to a writable directory\)\n$/);
    }
  });
});
