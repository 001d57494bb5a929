import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { parseOptions } from '../../../src/cli/options.js';
import { parseArgs } from '../../../src/cli/program.js';
import { UsageError } from '../../../src/errors.js';

function fromArgv(...argv: string[]) {
  const parsed = parseArgs(argv, new PassThrough());
  assert.equal(parsed.kind, 'run');
  return parseOptions(parsed.kind === 'run' ? parsed.raw : {}, 6);
}

describe('options', () => {
  it('defaults: CPUs workers, queue 2 x concurrency, group output, 2 s kill-after, /bin/sh', () => {
    assert.deepEqual(fromArgv(), {
      concurrency: 6,
      queueSize: 12,
      timeoutMs: undefined,
      killAfterMs: 2000,
      shell: '/bin/sh',
      output: 'group',
      keepOrder: false,
      tag: false,
      progress: undefined,
      logFile: undefined,
      logLevel: 'info',
      quiet: false,
      argFiles: [],
      separator: 'newline',
    });
  });

  it('parses every option', () => {
    const o = fromArgv('-j', '3', '--queue-size', '5', '-t', '1.5m', '--kill-after', '0', '--shell', 'bash', '--output', 'line', '-k', '--tag', '--no-progress', '--log-file', 'x.log', '--log-level', 'debug', '-q', '-0', '-a', 'a', '-a', '-');
    assert.equal(o.concurrency, 3);
    assert.equal(o.queueSize, 5);
    assert.equal(o.timeoutMs, 90_000);
    assert.equal(o.killAfterMs, 0);
    assert.equal(o.shell, 'bash');
    assert.equal(o.output, 'line');
    assert.equal(o.keepOrder, true);
    assert.equal(o.tag, true);
    assert.equal(o.progress, false);
    assert.equal(o.logFile, 'x.log');
    assert.equal(o.logLevel, 'debug');
    assert.equal(o.quiet, true);
    assert.equal(o.separator, 'null');
    assert.deepEqual(o.argFiles, ['a', '-']);
    assert.equal(fromArgv('--progress').progress, true);
  });

  it('queue size follows concurrency unless given', () => {
    assert.equal(fromArgv('-c', '4').queueSize, 8);
  });

  it('names the option and the value in errors', () => {
    const cases: [string[], string][] = [
      [['-c', 'abc'], "--concurrency must be a whole number of 1 or more, got 'abc'"],
      [['-c', '-1'], "--concurrency must be a whole number of 1 or more, got '-1'"],
      [['-t', '0'], "--timeout must be a duration greater than 0 like 500ms, 30s, 5m or 1h, got '0'"],
      [['--output', 'GROUP'], "--output must be one of group, line, ungroup, got 'GROUP'"],
      [['--output', 'ungroup', '--progress'], '--progress cannot be used with --output ungroup (jobs write straight to the terminal)'],
    ];
    for (const [argv, message] of cases) {
      assert.throws(() => fromArgv(...argv), (error: unknown) => error instanceof UsageError && error.message === message);
    }
  });

  it('commander errors become UsageErrors', () => {
    assert.throws(() => fromArgv('--nope'), { name: 'UsageError', message: "unknown option '--nope'" });
    assert.throws(() => fromArgv('-c'), { name: 'UsageError', message: "option '-c, --concurrency <n>' argument missing" });
  });

  it('library values: numbers in seconds, unknown keys refused', () => {
    const o = parseOptions({ concurrency: 2, timeout: 0.5 }, 1);
    assert.deepEqual([o.concurrency, o.timeoutMs], [2, 500]);
    assert.throws(() => parseOptions({ concurency: 2 }), UsageError);
    assert.throws(() => parseOptions({ concurrency: 2.5 }), /--concurrency must be a whole number of 1 or more, got 2.5/);
  });
});
