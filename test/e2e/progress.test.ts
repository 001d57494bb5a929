// End to end: the progress line on a terminal (under `script`), and never where it does not belong.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { baseEnv, qrunBin, root, runQrun } from './helpers.js';

const esc = String.fromCharCode(27);

/** Runs a shell command line on a pseudo-terminal; returns everything the terminal showed. */
function onTerminal(command: string): { status: number | null; screen: string } {
  const result = spawnSync('script', ['-qec', command, '/dev/null'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 20_000,
    env: { ...baseEnv, CI: '' },
  });
  return { status: result.status, screen: result.stdout };
}

describe('progress', () => {
  it('shows counts on a terminal and clears itself before job output', () => {
    const { status, screen } = onTerminal(`stty cols 100 rows 30; printf 'sleep 0.7; echo job-output\\n' | node ${qrunBin}`);
    assert.equal(status, 0);
    // The clock is whatever this host's speed made it: the counts are what qrun controls.
    assert.match(screen, /0 done, 1 running, 0 read ahead, \d+:\d\d, 0\.0 jobs\/s/);
    // The job's line starts on a cleared line: ESC[0K (or a bare line start) right before it.
    assert.match(screen, new RegExp(`(${esc}\\[0K|${esc}\\[1G|\r|\n)job-output\r?\n`));
  });

  it('stays off, and does not hang, on a terminal that reports 0 columns', () => {
    const { status, screen } = onTerminal(`stty cols 0 rows 0; printf 'sleep 0.3; echo ok\\n' | node ${qrunBin} --progress`);
    assert.equal(status, 0);
    assert.doesNotMatch(screen, /running \d/);
    assert.match(screen, /ok\r?\n/);
  });

  it('is off when stderr is not a terminal, even when asked for', async () => {
    const result = await runQrun(['--progress'], { input: 'sleep 0.3\n' });
    assert.equal(result.code, 0);
    assert.doesNotMatch(result.stderr, /running/);
    assert.ok(!result.stderr.includes(esc), 'no terminal escapes');
  });
});
