// End to end: records in, jobs run N at a time, exit status and errors out.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fixture, runQrun } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'qrun-e2e-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('records and jobs', () => {
  it('runs each line as a shell command, with QRUN_SEQ and QRUN_SLOT', async () => {
    const result = await runQrun(['-c', '1', '-q'], { input: 'echo "$QRUN_SEQ/$QRUN_SLOT"\r\n\n  \necho "$QRUN_SEQ"\necho "$QRUN_SEQ"' });
    assert.equal(result.code, 0);
    // Blank records keep their numbers (as in GNU parallel) but run nothing.
    assert.equal(result.stdout.toString(), '1/1\n4\n5\n');
    assert.equal(result.stderr, '');
  });

  it('reads an -a file with NUL-separated records (-0); several -a, "-" for stdin, are input sources combined as GNU parallel combines them', async () => {
    const a = join(scratch, 'a.txt');
    const b = join(scratch, 'b.txt');
    writeFileSync(a, 'printf "a\\n"\0printf "multi\\nline\\n"\0');
    writeFileSync(b, 'echo b\0');
    const one = await runQrun(['-0', '-c', '1', '-q', '-a', a]);
    assert.equal(one.code, 0);
    assert.equal(one.stdout.toString(), 'a\nmulti\nline\n');
    // Each job's command is one value of each source, joined by spaces: `echo a1 echo stdin echo b` and so on.
    writeFileSync(a, 'echo a1\0echo a2\0');
    const several = await runQrun(['-0', '-k', '-q', '-a', a, '-a', '-', '-a', b], { input: 'echo stdin\0' });
    assert.equal(several.code, 0, several.stderr);
    assert.equal(several.stdout.toString(), 'a1 echo stdin echo b\na2 echo stdin echo b\n');
  });

  it('really runs N jobs at once, and never more', async () => {
    const dir = mkdtempSync(join(scratch, 'probe-'));
    const input = Array.from({ length: 9 }, () => `${fixture('concurrency-probe.sh')} ${dir}`).join('\n');
    const result = await runQrun(['-c', '3', '-q'], { input });
    assert.equal(result.code, 0, result.stderr);
    const counts = readFileSync(join(dir, 'counts'), 'utf8').trim().split('\n').map(Number);
    assert.equal(counts.length, 9);
    assert.equal(Math.max(...counts), 3);
    const slots = new Set(readFileSync(join(dir, 'slots'), 'utf8').trim().split('\n'));
    assert.deepEqual([...slots].sort(), ['slot 1', 'slot 2', 'slot 3']);
  });

  it('prints a summary on stderr naming the failed commands', async () => {
    const result = await runQrun(['-c', '2'], { input: 'true\nexit 3\nkill -KILL $$\n' });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^qrun: 3 jobs in \S+: 1 succeeded, 2 failed, 0 not started$/m);
    assert.match(result.stderr, /failed #2, exit 3: exit 3/);
    assert.match(result.stderr, /failed #3, signal SIGKILL: kill -KILL \$\$/);
  });

  it('empty input: exit 0 and no output at all', async () => {
    const result = await runQrun([], { input: '' });
    assert.deepEqual([result.code, result.stdout.length, result.stderr], [0, 0, '']);
  });

  it('writes an NDJSON log with one record per job and no environment values', async () => {
    const log = join(scratch, 'run.ndjson');
    const result = await runQrun(['-q', '--log-file', log], { input: 'true\nfalse\n', env: { SECRET_TOKEN: 'hunter2' } });
    assert.equal(result.code, 1);
    const text = readFileSync(log, 'utf8');
    const records = text.trim().split('\n').map((line) => JSON.parse(line) as { msg: string; seq?: number });
    assert.deepEqual(records.filter((r) => r.msg.startsWith('job ')).map((r) => [r.seq, r.msg]).sort(), [
      [1, 'job succeeded'],
      [2, 'job failed: exit 1'],
    ]);
    assert.equal(records.at(-1)?.msg, 'run finished');
    assert.doesNotMatch(text, /hunter2/);
  });
});

describe('exit status (GNU parallel convention)', () => {
  const failing = (n: number): string => Array.from({ length: n }, () => 'exit 1').join('\n');

  it('is 0 when all succeed', async () => {
    assert.equal((await runQrun(['-q'], { input: 'true\ntrue\n' })).code, 0);
  });

  it('is the number of failed jobs, up to 100', async () => {
    assert.equal((await runQrun(['-q', '-c', '8'], { input: `${failing(7)}\ntrue\n` })).code, 7);
    assert.equal((await runQrun(['-q', '-c', '8'], { input: failing(100) })).code, 100);
  });

  it('is 101 when more than 100 failed', async () => {
    assert.equal((await runQrun(['-q', '-c', '8'], { input: failing(101) })).code, 101);
  });

  it('counts a timed-out job as failed', async () => {
    const result = await runQrun(['-t', '200ms', '--kill-after', '100ms'], { input: 'sleep 20\ntrue\n' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /1 succeeded, 1 failed \(1 timed out\), 0 not started/);
    assert.ok(result.elapsedMs < 10_000);
  });
});

describe('bad calls: one line, exit 255, no stack trace, no job started', () => {
  const cases: [string[], RegExp][] = [
    [['-c', 'abc'], /^qrun: --concurrency must be a whole number of 1 or more, \+N or -N \(the CPUs plus or minus N\), N% \(of the CPUs\) or 0 \(as many as possible\), or a file holding one, got 'abc'; see qrun --help\n$/],
    [['-j', '0%'], /^qrun: --jobs must be a whole number of 1 or more, .* got '0%'; see qrun --help\n$/],
    [['-c', '2', '-j', '3'], /^qrun: --jobs is another name for --concurrency; give one, got 2 and 3; see qrun --help\n$/],
    [['--queue-size', '1.5'], /^qrun: --queue-size must be a whole number of 1 or more, got '1.5'; see qrun --help\n$/],
    [['-t', '10 parsecs'], /^qrun: --timeout must be a duration greater than 0 like 500ms, 30s, 5m or 1h \(at most 24 days\), or a percentage of the median runtime like 200%, got '10 parsecs'; see qrun --help\n$/],
    [['--kill-after', 'soon'], /^qrun: --kill-after must be a duration like 500ms, 30s, 5m or 1h \(at most 24 days\), got 'soon'; see qrun --help\n$/],
    [['--output', 'fancy'], /^qrun: --output must be one of group, line, ungroup, got 'fancy'; see qrun --help\n$/],
    [['--log-level', 'loud'], /^qrun: --log-level must be one of fatal, error, warn, info, debug, trace, silent, got 'loud'; see qrun --help\n$/],
    [['--output', 'ungroup', '-k'], /^qrun: --keep-order cannot be used with --output ungroup.*; see qrun --help\n$/],
    [['--grace', 'later'], /^qrun: --grace must be a duration like 0, 500ms, 30s or 5m \(at most 24 days\), or unlimited, got 'later'; see qrun --help\n$/],
    [['--annotate', 'gitlab'], /^qrun: --annotate must be one of github, github-group, none, got 'gitlab'; see qrun --help\n$/],
    [['--lock-wait', '1s'], /^qrun: --lock-wait needs --lock <file>; see qrun --help\n$/],
    [['--shell', '/no/such/shell'], /^qrun: --shell '\/no\/such\/shell' is not an executable program\n$/],
    [['-a', '/no/such/file'], /^qrun: --arg-file '\/no\/such\/file' cannot be read: no such file\n$/],
    [['-a', '/'], /^qrun: --arg-file '\/' cannot be read: it is a directory\n$/],
    [['--frobnicate'], /^qrun: unknown option '--frobnicate'; see qrun --help\n$/],
    [['--concurency', '3'], /^qrun: unknown option '--concurency' \(Did you mean --concurrency\?\); see qrun --help\n$/],
    [['--log-file', '/no/such/dir/log'], /^qrun: --log-file '\/no\/such\/dir\/log' cannot be written: /],
  ];
  for (const [args, expected] of cases) {
    it(`qrun ${args.join(' ')}`, async () => {
      const marker = join(scratch, `ran-${args.join('_').replaceAll('/', '')}`);
      const result = await runQrun(args, { input: `touch ${marker}\n` });
      assert.equal(result.code, 255);
      assert.match(result.stderr, expected);
      assert.equal(result.stderr.split('\n').length, 2, 'one line');
      assert.doesNotMatch(result.stderr, /\n\s+at /);
      assert.equal(result.stdout.length, 0);
      assert.throws(() => readFileSync(marker), 'no job ran');
    });
  }

  it('--help and --version go to stdout and exit 0', async () => {
    const help = await runQrun(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout.toString(), /--concurrency <n>[\s\S]*Exit status:/);
    const version = await runQrun(['-V']);
    assert.equal(version.code, 0);
    assert.match(version.stdout.toString(), /^\d+\.\d+\.\d+\n$/);
  });
});
