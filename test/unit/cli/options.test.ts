import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { gnuTermSeq, killAfterSeq } from '../../../src/runner/term-seq.js';
import { mostConcurrency } from '../../../src/runner/fd-budget.js';
import { parseOptions } from '../../../src/cli/options.js';
import { parseArgs } from '../../../src/cli/program.js';
import { UsageError } from '../../../src/errors.js';

function fromArgv(...argv: string[]) {
  return fromArgvEnv(argv, {});
}

function fromArgvEnv(argv: string[], env: NodeJS.ProcessEnv) {
  const parsed = parseArgs(argv, new PassThrough(), env);
  assert.equal(parsed.kind, 'run');
  return parsed.kind === 'run' ? parseOptions(parsed.raw, 6, parsed.names, env) : assert.fail();
}

describe('options', () => {
  it('defaults: CPUs workers, queue 2 x concurrency, group output, 2 s kill-after, /bin/sh', () => {
    assert.deepEqual(fromArgv(), {
      concurrency: 6,
      contextReplace: false,
      queueSize: 12,
      timeoutMs: undefined,
      timeoutPercent: undefined,
      termSeq: [{ signal: 'SIGTERM', waitMs: 2000 }, { signal: 'SIGKILL', waitMs: 0 }],
      shell: '/bin/sh',
      nice: undefined,
      envNames: [],
      slotsFile: undefined,
      replacements: [],
      countFirst: false,
      renamedStrings: [],
      quoteCommand: false,
      slotVariable: undefined,
      skipBlank: false,
      showCommand: { stdout: false, stderr: false },
      shuffle: false,
      output: 'group',
      keepOrder: false,
      tag: false,
      tagString: undefined,
      colourTag: false,
      colsep: undefined,
      trim: 'n',
      progress: undefined,
      logFile: undefined,
      logLevel: 'info',
      maxLoad: undefined,
      memFree: undefined,
      quiet: false,
      silent: false,
      graceMs: 5000,
      lock: undefined,
      lockWaitMs: 0,
      annotate: 'none',
      metricsFile: undefined,
      report: undefined,
      headerPattern: undefined,
      executor: 'auto',
      fill: undefined,
      sources: [],
      link: false,
      perJob: undefined,
      pipe: undefined,
      argFiles: [],
      separator: 'newline',
      command: [],
      ndjson: false,
      joblog: undefined,
      joblogAppend: false,
      resume: undefined,
      retries: 0,
      retryDelayMs: 0,
      halt: { when: 'never' },
      header: undefined,
      delayMs: 0,
      dryRun: false,
      results: undefined,
      resultsBySeq: false,
      summaryJson: undefined,
      redis: undefined,
    });
  });

  it('--grace: a duration, 0, or unlimited; --annotate defaults to github under GitHub Actions', () => {
    assert.equal(fromArgv('--grace', '0').graceMs, 0);
    assert.equal(fromArgv('--grace', '90s').graceMs, 90_000);
    assert.equal(fromArgv('--grace', 'unlimited').graceMs, undefined);
    assert.equal(parseOptions({}, 2, {}, { GITHUB_ACTIONS: 'true' }).annotate, 'github');
    assert.equal(parseOptions({ annotate: 'none' }, 2, {}, { GITHUB_ACTIONS: 'true' }).annotate, 'none');
    assert.equal(fromArgv('--annotate', 'github-group').annotate, 'github-group');
    assert.equal(fromArgv('--lock', 'x', '--lock-wait', '2s').lockWaitMs, 2000);
  });

  it('parses every option', () => {
    const o = fromArgv('-j', '3', '--queue-size', '5', '-t', '1.5m', '--kill-after', '0', '--shell', 'bash', '--output', 'line', '-k', '--tag', '--no-progress', '--log-file', 'x.log', '--log-level', 'debug', '-q', '-0', '-a', 'a', '-a', '-');
    assert.equal(o.concurrency, 3);
    assert.equal(o.queueSize, 5);
    assert.equal(o.timeoutMs, 90_000);
    assert.deepEqual(o.termSeq, [{ signal: 'SIGTERM', waitMs: 0 }, { signal: 'SIGKILL', waitMs: 0 }]);
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

  it('--timeout N%, --term-seq (GNU default spelled out), --kill-after as its short form', () => {
    assert.equal(fromArgv('-t', '250%').timeoutPercent, 250);
    assert.equal(fromArgv('-t', '250%').timeoutMs, undefined);
    assert.deepEqual(fromArgv('--term-seq', 'TERM,200,TERM,100,TERM,50,KILL,25').termSeq, gnuTermSeq);
    assert.deepEqual(fromArgv('--term-seq', 'sigint,10,9').termSeq, [{ signal: 'SIGINT', waitMs: 10 }, { signal: 'SIGKILL', waitMs: 0 }]);
    assert.deepEqual(fromArgv('--kill-after', '3s').termSeq, killAfterSeq(3000));
  });

  it('queue size follows concurrency unless given', () => {
    assert.equal(fromArgv('-c', '4').queueSize, 8);
  });

  it('names the option and the value in errors', () => {
    const cases: [string[], string][] = [
      [['-c', 'abc'], "--concurrency must be a whole number of 1 or more, +N or -N (the CPUs plus or minus N), N% (of the CPUs) or 0 (as many as possible), or a file holding one, got 'abc'"],
      [['-c', '2.5'], "--concurrency must be a whole number of 1 or more, +N or -N (the CPUs plus or minus N), N% (of the CPUs) or 0 (as many as possible), or a file holding one, got '2.5'"],
      [['-t', '0'], "--timeout must be a duration greater than 0 like 500ms, 30s, 5m or 1h (at most 24 days), or a percentage of the median runtime like 200%, got '0'"],
      [['--term-seq', 'TERM,1x'], "--term-seq must be signals and waits in ms like TERM,200,TERM,100,KILL,25, got 'TERM,1x'"],
      [['--halt-on-error', 'x'], "--halt-on-error must be never, or now|soon,fail|success|done=N or =N% (e.g. now,fail=1), got 'x'"],
      [['--output', 'GROUP'], "--output must be one of group, line, ungroup, got 'GROUP'"],
      [['--output', 'ungroup', '--progress'], '--progress cannot be used with --output ungroup (jobs write straight to the terminal)'],
    ];
    for (const [argv, message] of cases) {
      assert.throws(() => fromArgv(...argv), (error: unknown) => error instanceof UsageError && error.message === message);
    }
  });

  it('commander errors become UsageErrors', () => {
    assert.throws(() => fromArgv('--nope-nope'), { name: 'UsageError', message: "unknown option '--nope-nope'" });
    assert.throws(() => fromArgv('-c'), { name: 'UsageError', message: "option '-c, --concurrency <n>' argument missing" });
  });

  it('job-control options: template, joblog, resume, retries, halt, delay, dry run, results, ndjson', () => {
    const o = fromArgv('--joblog', 'j.log', '--resume-failed', '--retries', '2', '--retry-delay', '1s', '--halt', 'now,fail=10%', '--delay', '0.2', '--dry-run', '--results', 'out', '--', 'gzip', '-9', '{}');
    assert.deepEqual(o.command, ['gzip', '-9', '{}']);
    assert.deepEqual([o.joblog, o.resume, o.retries, o.retryDelayMs, o.delayMs, o.dryRun, o.results], ['j.log', 'resume-failed', 2, 1000, 200, true, 'out']);
    assert.deepEqual(o.halt, { when: 'now', why: 'fail', count: 10, percent: true });
    assert.deepEqual(fromArgv('gzip', '-9').command, ['gzip', '-9'], 'options after the first template word belong to it');
    assert.deepEqual(fromArgv('--halt', '2').halt, { when: 'now', why: 'fail', count: 1, percent: false });
    assert.equal(fromArgv('--ndjson').ndjson, true);
  });

  it('refuses job-control combinations that make no sense', () => {
    assert.throws(() => fromArgv('--resume'), /^UsageError: --resume needs --joblog <file>/);
    assert.throws(() => fromArgv('--joblog', 'x', '--resume', '--resume-failed'), /cannot be used together/);
    assert.throws(() => fromArgv('--ndjson', '--header', ':', 'echo'), /--header names columns of plain records or input sources; it cannot be used with --ndjson/);
    assert.throws(() => fromArgv('--halt', 'sometimes'), /^UsageError: --halt must be never, or now\|soon/);
    assert.throws(() => fromArgv('--halt', 'now,fail=0'), /--halt must be/);
    assert.throws(() => fromArgv('--retries', '-1'), /--retries must be a whole number of 0 or more, got '-1'/);
  });

  it('QRUN_* variables set options; the command line wins; errors name the variable', () => {
    const env = { QRUN_CONCURRENCY: '3', QRUN_KEEP_ORDER: '1', QRUN_TAG: 'no', QRUN_TIMEOUT: '5s', QRUN_OUTPUT: 'line', QRUN_ARG_FILE: 'jobs.txt' };
    const o = fromArgvEnv([], env);
    assert.deepEqual([o.concurrency, o.keepOrder, o.tag, o.timeoutMs, o.output, o.argFiles], [3, true, false, 5000, 'line', ['jobs.txt']]);
    assert.equal(fromArgvEnv(['-c', '5'], env).concurrency, 5);
    assert.equal(fromArgvEnv(['--no-progress'], { QRUN_PROGRESS: '1' }).progress, false);
    assert.throws(() => fromArgvEnv([], { QRUN_CONCURRENCY: 'lots' }), { message: "QRUN_CONCURRENCY must be a whole number of 1 or more, +N or -N (the CPUs plus or minus N), N% (of the CPUs) or 0 (as many as possible), or a file holding one, got 'lots'" });
    assert.throws(() => fromArgvEnv([], { QRUN_QUIET: 'maybe' }), { message: "QRUN_QUIET must be 1/true/yes/on or 0/false/no/off, got 'maybe'" });
  });

  it('library values: numbers in seconds, unknown keys refused', () => {
    const o = parseOptions({ concurrency: 2, timeout: 0.5 }, 1);
    assert.deepEqual([o.concurrency, o.timeoutMs], [2, 500]);
    assert.throws(() => parseOptions({ concurency: 2 }), UsageError);
    assert.throws(() => parseOptions({ concurrency: 2.5 }), /--concurrency must be a whole number of 1 or more, \+N or -N .* got 2.5/);
  });
});

describe('fleet options', () => {
  it('--redis: the window is --queue-size (default 1000); -c is refused (each worker has its own); defaults for the queue and timeouts', () => {
    assert.throws(() => fromArgv('--redis', 'redis://h:1', '-c', '3'), /^UsageError: --concurrency sets how many jobs run at once on this machine; with --redis each worker sets its own \(qrun worker -c N\), and --queue-size how many jobs are in flight$/);
    assert.throws(() => fromArgv('--redis', 'redis://h:1', '-j', '3'), /^UsageError: --jobs sets how many jobs run at once on this machine; with --redis/);
    // QRUN_CONCURRENCY is the workers' (one environment may serve both): not refused, not used.
    assert.equal(fromArgvEnv(['--redis', 'redis://h:1'], { QRUN_CONCURRENCY: '3' }).concurrency, 1000);
    const options = fromArgv('--redis', 'redis://:pw@h:1');
    assert.equal(options.concurrency, 1000);
    assert.equal(options.queueSize, 1000);
    assert.deepEqual(options.redis, { target: { url: 'redis://:pw@h:1', shown: 'redis://:***@h:1' }, queue: 'qrun', waitWorkersMs: undefined, runTtlMs: 10_000, reconnectMs: 15_000 });
    assert.equal(fromArgv('--redis', '/tmp/r.sock', '--queue-size', '50').concurrency, 50);
    assert.equal(fromArgvEnv([], { QRUN_REDIS: 'redis://h:1', QRUN_QUEUE: 'q2' }).redis?.queue, 'q2');
    // The password apart from the URL: REDISCLI_AUTH, or --redis-password-file (it wins).
    assert.equal(fromArgvEnv(['--redis', 'redis://h:1'], { REDISCLI_AUTH: 'envpw' }).redis?.target.password, 'envpw');
    assert.throws(() => fromArgv('--redis', 'redis://h:1', '--redis-password-file', '/no/such/file'), /^UsageError: --redis-password-file '\/no\/such\/file' cannot be read: ENOENT$/);
  });

  it('fleet options without --redis, and bad queue names, are refused', () => {
    assert.throws(() => fromArgv('--queue', 'x'), /^UsageError: --queue needs --redis <url>$/);
    assert.throws(() => fromArgv('--wait-workers', '5s'), /--wait-workers needs --redis <url>/);
    assert.throws(() => fromArgv('--redis', 'redis://h:1', '--queue', 'a:b'), /--queue must be 1 to 100 letters, digits, - or _, got 'a:b'/);
  });
});

describe('--jobs in GNU parallel forms', () => {
  it('N, +N, -N, N% of the CPUs, 0 as many as the open-file limit allows', () => {
    const slots = (value: string, cpus = 4): number => parseOptions({ jobs: value }, cpus, {}, {}, () => 1024).concurrency;
    assert.equal(slots('3'), 3);
    assert.equal(slots('+2'), 6);
    assert.equal(slots('-1'), 3);
    assert.equal(slots('-9'), 1, 'never under 1');
    assert.equal(slots('50%'), 2);
    assert.equal(slots('10%'), 1, 'never under 1');
    assert.equal(slots('200%'), 8);
    assert.equal(slots('0'), Math.floor((1024 - 40) / 6));
    assert.equal(mostConcurrency(undefined), 1000, 'no limit known: at most 1,000');
    assert.equal(parseOptions({ concurrency: '+1', jobs: '3' }, 2, {}, {}, () => 1024).concurrency, 3, 'two spellings of the same number');
    assert.throws(() => parseOptions({ concurrency: '+1', jobs: '4' }, 2), /--jobs is another name for --concurrency; give one, got 3 and 4/);
  });
});
