// End to end: joblog and resume (with GNU parallel too), retries, halt, delay, dry run, templates, NDJSON, results, QRUN_*.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Qrun, fixture, liveProcesses, runQrun } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'qrun-e2e-jc-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const header = 'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand';

/** Rows of a joblog as [seq, exitval, signal, receive, command]. */
function rows(path: string): string[][] {
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  assert.equal(lines[0], header);
  return lines.slice(1).map((line) => {
    const f = line.split('\t');
    return [f[0], f[6], f[7], f[5], f.slice(8).join('\t')] as string[];
  });
}

function parallel(args: string[], input: string): { status: number | null; stdout: string } {
  const result = spawnSync('parallel', ['--will-cite', ...args], { input, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout };
}

before(() => {
  // GNU parallel asks once per user to be cited; --will-cite answers, this silences the notice for good.
  mkdirSync(join(homedir(), '.parallel'), { recursive: true });
  writeFileSync(join(homedir(), '.parallel', 'will-cite'), '');
});

describe('joblog', () => {
  it("writes GNU parallel's format: header, then a row per job as it finishes", async () => {
    const log = join(scratch, 'format.log');
    const result = await runQrun(['-c', '2', '-q', '-t', '300ms', '--kill-after', '100ms', '--joblog', log], {
      input: 'sh -c "exit 3"\nprintf abc\nkill -9 $$\nsleep 5\n',
    });
    assert.equal(result.code, 3);
    const byseq = rows(log).sort((a, b) => Number(a[0]) - Number(b[0]));
    assert.deepEqual(byseq, [
      ['1', '3', '0', '0', 'sh -c "exit 3"'],
      ['2', '0', '0', '3', 'printf abc'],
      ['3', '0', '9', '0', 'kill -9 $$'],
      ['4', '-1', '15', '0', 'sleep 5'],
    ]);
    const first = readFileSync(log, 'utf8').split('\n')[1]?.split('\t') ?? [];
    assert.match(first[1] ?? '', /^:$/);
    assert.match(first[2] ?? '', /^\d{10}\.\d{3}$/);
    assert.match(first[3] ?? '', /^ {4}\s*\d+\.\d{3}$/);
    assert.equal(first[3]?.length, 10);
    assert.equal(statSync(log).mode & 0o777, 0o600);
  });

  it('is byte-compatible with GNU parallel for the same jobs (but for times)', async () => {
    const input = 'echo one\nexit 2\nprintf "a\\nb"\n';
    const ours = join(scratch, 'ours.log');
    const theirs = join(scratch, 'theirs.log');
    await runQrun(['-c', '1', '-q', '--joblog', ours], { input });
    parallel(['-j1', '--joblog', theirs], input);
    const strip = (path: string): string => readFileSync(path, 'utf8').replace(/\t\d+\.\d{3}\t +\d+\.\d{3}\t/g, '\tT\tR\t');
    assert.equal(strip(ours), strip(theirs));
  });

  it('writes a newline inside a command as a NUL byte', async () => {
    const log = join(scratch, 'nul.log');
    await runQrun(['-0', '-q', '--joblog', log], { input: 'echo "a\nb"\0' });
    assert.ok(readFileSync(log, 'utf8').endsWith('\techo "a\0b"\n'));
  });

  it('refuses a file that is not a joblog, naming the line, before running anything', async () => {
    const bad = join(scratch, 'bad.log');
    writeFileSync(bad, `${header}\n1\t:\t1.0\t0.1\t0\t0\t0\t0\tok\n2\t:\tnot-a-time\n`);
    const marker = join(scratch, 'ran-bad');
    const result = await runQrun(['--joblog', bad, '--resume'], { input: `touch ${marker}\n` });
    assert.equal(result.code, 255);
    assert.equal(result.stderr, `qrun: --joblog '${bad}' line 3: expected 9 tab-separated fields Seq, Host, Starttime, JobRuntime, Send, Receive, Exitval, Signal, Command\n`);
    assert.throws(() => statSync(marker));
    const noLog = await runQrun(['--resume-failed'], { input: 'true\n' });
    assert.equal(noLog.code, 255);
    assert.match(noLog.stderr, /^qrun: --resume-failed needs --joblog <file>/);
  });
});

describe('resume', () => {
  const input = 'echo 1\nexit 1\necho 3\nexit 1\necho 5\n';

  it('--resume runs only jobs without a row and appends (no second header)', async () => {
    const log = join(scratch, 'resume.log');
    writeFileSync(log, `${header}\n1\t:\t1.000\t     0.100\t0\t2\t0\t0\techo 1\n2\t:\t1.000\t     0.100\t0\t0\t1\t0\texit 1\n`);
    const result = await runQrun(['-c', '1', '-k', '--joblog', log, '--resume'], { input });
    assert.equal(result.stdout.toString(), '3\n5\n');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /2 skipped \(done in the joblog\)/);
    assert.deepEqual(rows(log).map((r) => r[0]), ['1', '2', '3', '4', '5']);
  });

  it('--resume-failed reruns failed and never-run jobs, skips succeeded ones', async () => {
    const log = join(scratch, 'resume-failed.log');
    writeFileSync(log, `${header}\n1\t:\t1.000\t     0.100\t0\t2\t0\t0\techo 1\n2\t:\t1.000\t     0.100\t0\t0\t1\t0\texit 1\n3\t:\t1.000\t     0.100\t0\t0\t0\t9\techo 3\n`);
    const result = await runQrun(['-c', '1', '-k', '-q', '--joblog', log, '--resume-failed'], { input });
    assert.equal(result.stdout.toString(), '3\n5\n');
    assert.deepEqual(rows(log).map((r) => r[0]), ['1', '2', '3', '2', '3', '4', '5']);
  });

  it('after a run interrupted by SIGINT, runs exactly the jobs that had not finished', async () => {
    const log = join(scratch, 'interrupted.log');
    const jobs = [1, 2, 3, 4, 5, 6].map((n) => (n <= 2 ? `echo done${n}` : n === 3 ? `${fixture('ready-sleep.sh')} job3 1; echo done3` : `echo done${n}`));
    const first = new Qrun(['-c', '1', '--output', 'line', '--joblog', log], { input: `${jobs.join('\n')}\n` });
    await first.waitFor((out) => out.includes('ready job3'), 'job 3 to be running');
    first.kill('SIGINT');
    const interrupted = await first.done;
    assert.equal(interrupted.signal, 'SIGINT');
    assert.match(interrupted.stderr, /3 succeeded, 0 failed, 3 not started/);
    const second = await runQrun(['-c', '1', '-q', '--joblog', log, '--resume'], { input: `${jobs.join('\n')}\n` });
    assert.equal(second.stdout.toString(), 'done4\ndone5\ndone6\n');
    assert.deepEqual(rows(log).map((r) => r[0]), ['1', '2', '3', '4', '5', '6']);
  });

  it('a job terminated by a second SIGINT gets no row, so resume runs it again', async () => {
    const log = join(scratch, 'killed.log');
    const jobs = `echo first\n${fixture('ignore-term.sh')} k1\necho third\n`;
    const run = new Qrun(['-c', '1', '--output', 'line', '--kill-after', '200ms', '--joblog', log, '--log-file', join(scratch, 'killed.ndjson')], { input: jobs });
    await run.waitFor((out) => out.includes('ready k1'), 'the stubborn job');
    run.kill('SIGINT');
    await run.waitFor(() => readFileSync(join(scratch, 'killed.ndjson'), 'utf8').includes('shutdown: stop'), 'first signal handled');
    run.kill('SIGINT');
    await run.done;
    assert.deepEqual(rows(log).map((r) => r[0]), ['1']);
    assert.deepEqual(liveProcesses('ignore-term.sh k1'), []);
  });

  it('qrun resumes a joblog written by GNU parallel', async () => {
    const log = join(scratch, 'from-parallel.log');
    parallel(['-j1', '--joblog', log], 'echo 1\nexit 1\n');
    const result = await runQrun(['-c', '1', '-k', '-q', '--joblog', log, '--resume-failed'], { input });
    assert.equal(result.stdout.toString(), '3\n5\n');
    assert.deepEqual(rows(log).map((r) => r[0]), ['1', '2', '2', '3', '4', '5']);
  });

  it('GNU parallel resumes a joblog written by qrun', async () => {
    const log = join(scratch, 'from-qrun.log');
    await runQrun(['-c', '1', '-q', '--joblog', log], { input: 'echo 1\nexit 1\n' });
    const result = parallel(['-j1', '-k', '--joblog', log, '--resume-failed'], input);
    assert.equal(result.stdout, '3\n5\n');
    assert.deepEqual(rows(log).map((r) => r[0]), ['1', '2', '2', '3', '4', '5']);
  });
});

describe('retries', () => {
  it('reruns a failing job until it succeeds; only the last attempt is logged and printed', async () => {
    const counter = join(scratch, 'count');
    const log = join(scratch, 'retries.log');
    const result = await runQrun(['--retries', '2', '--retry-delay', '50ms', '--joblog', log], { input: `${fixture('fail-twice.sh')} ${counter}\n` });
    assert.equal(result.code, 0);
    assert.equal(result.stdout.toString(), 'attempt 3\n');
    assert.match(result.stderr, /1 succeeded, 0 failed, 0 not started, 1 retried/);
    assert.deepEqual(rows(log).map((r) => [r[0], r[1]]), [['1', '0']]);
  });

  it('gives up after n+1 attempts', async () => {
    const counter = join(scratch, 'count2');
    const result = await runQrun(['--retries', '1', '-q'], { input: `${fixture('fail-twice.sh')} ${counter}\n` });
    assert.equal(result.code, 1);
    assert.equal(readFileSync(counter, 'utf8').trim(), '2');
  });
});

describe('halt (exit statuses as GNU parallel)', () => {
  const input = 'sleep 0.2; exit 3\nsleep 1; echo b\nexit 5\nsleep 0.5; echo d\necho e\n';
  const cases: [string, number][] = [
    ['now,fail=1', 3],
    ['soon,fail=1', 3],
    ['now,success=1', 0],
    ['now,done=2', 2],
    ['soon,fail=50%', 40],
  ];
  for (const [spec, status] of cases) {
    it(`--halt ${spec} exits ${status}, like GNU parallel`, async () => {
      const ours = await runQrun(['-c', '2', '-q', '--halt', spec], { input });
      const theirs = parallel(['-j2', '--halt', spec], input);
      assert.equal(ours.code, status);
      assert.equal(theirs.status, status);
    });
  }

  it('now kills running jobs; soon lets them finish', async () => {
    const jobs = 'sleep 0.2; exit 3\nsleep 1; echo slow-done\necho never\n';
    const now = await runQrun(['-c', '2', '--halt', 'now,fail=1'], { input: jobs });
    assert.doesNotMatch(now.stdout.toString(), /slow-done|never/);
    assert.match(now.stderr, /halted \(now,fail=1 reached at job #1\)/);
    const soon = await runQrun(['-c', '2', '--halt', 'soon,fail=1'], { input: jobs });
    assert.equal(soon.stdout.toString(), 'slow-done\n');
    assert.match(soon.stderr, /1 not started/);
  });
});

describe('pacing and dry run', () => {
  it("--delay spaces job starts, by qrun's own start times (the joblog)", async () => {
    const log = join(scratch, 'delay.log');
    await runQrun(['-c', '4', '-q', '--delay', '150ms', '--joblog', log], { input: 'true\ntrue\ntrue\ntrue\n' });
    const starts = readFileSync(log, 'utf8').trimEnd().split('\n').slice(1).map((row) => Math.round(Number(row.split('\t')[2]) * 1000)).sort((a, b) => a - b);
    assert.equal(starts.length, 4);
    for (let i = 1; i < starts.length; i++) assert.ok((starts[i] as number) - (starts[i - 1] as number) >= 150, `gap ${i}: ${starts.join(' ')}`);
  });

  it('--dry-run prints the commands and runs nothing', async () => {
    const marker = join(scratch, 'dry-marker');
    const result = await runQrun(['--dry-run', '-c', '1', '--', 'touch', `${marker}-{#}`, '{}'], { input: 'a b\nc\n' });
    assert.equal(result.code, 0);
    assert.equal(result.stdout.toString(), `touch ${marker}-1 'a b'\ntouch ${marker}-2 c\n`);
    assert.equal(result.stderr, '');
    assert.throws(() => statSync(`${marker}-1`));
  });
});

describe('templates', () => {
  it('runs hostile names literally, never as shell code', async () => {
    const dir = mkdtempSync(join(scratch, 'names-'));
    const names = ['a b; touch INJECTED', '$(touch INJECTED)', '`touch INJECTED`', "it's", '-rf', 'semi;colon', '"dq"'];
    const result = await runQrun(['-c', '2', '-q', '--', 'touch'], { input: names.map((name) => join(dir, name)).join('\n'), cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(readdirSync(dir).sort(), [...names].sort());
  });

  it('fills in every replacement string', async () => {
    const result = await runQrun(['-q', '-c', '1', 'echo {} {.} {/} {//} {/.} {#} {%}'], { input: 'dir/file.tar.gz\n' });
    assert.equal(result.stdout.toString(), 'dir/file.tar.gz dir/file.tar file.tar.gz dir file.tar 1 1\n');
  });
});

describe('NDJSON records', () => {
  it('runs valid records with their settings; invalid ones are reported by line, counted failed, and the run goes on', async () => {
    const input = [
      '{"cmd":"echo $GREETING from $PWD","env":{"GREETING":"hello"},"cwd":"/tmp","id":"first"}',
      '{"cmd":"sleep 5","timeout":"200ms"}',
      '',
      '{"cmd":"echo x","timeout":-4}',
      'not json',
      '{"cmd":"echo y","bogus":1,"env":{"TOKEN":"s3cret"}}',
      '{"cmd":"echo last"}',
    ].join('\n');
    const log = join(scratch, 'ndjson.ndjson');
    const result = await runQrun(['--ndjson', '-k', '-c', '2', '--log-file', log], { input });
    assert.equal(result.code, 4);
    assert.equal(result.stdout.toString(), 'hello from /tmp\nlast\n');
    assert.match(result.stderr, /^qrun: line 4: timeout must be a duration like 30s \(at most 24 days\), got -4$/m);
    assert.match(result.stderr, /^qrun: line 5: not valid JSON: /m);
    assert.match(result.stderr, /^qrun: line 6: unknown field 'bogus'$/m);
    assert.match(result.stderr, /2 succeeded, 4 failed \(1 timed out\)/);
    const logged = readFileSync(log, 'utf8');
    assert.match(logged, /invalid record: line 4/);
    assert.doesNotMatch(`${logged}${result.stderr}`, /s3cret|hello/);
  });

  it('a per-job retries value overrides --retries', async () => {
    const counter = join(scratch, 'count3');
    const result = await runQrun(['--ndjson', '-q'], { input: `${JSON.stringify({ cmd: `${fixture('fail-twice.sh')} ${counter}`, retries: 2 })}\n` });
    assert.equal(result.code, 0);
  });
});

describe('results', () => {
  it('--results-seq saves stdout, stderr and result.json per job, readable only by the user, and prints the output too', async () => {
    const dir = join(scratch, 'results');
    const result = await runQrun(['-q', '--results-seq', dir, '--output', 'ungroup'], { input: 'echo out; echo err >&2\nexit 4\n' });
    assert.equal(result.code, 1);
    assert.equal(result.stdout.toString(), 'out\n');
    assert.equal(readFileSync(join(dir, '1', 'stdout'), 'utf8'), 'out\n');
    assert.equal(readFileSync(join(dir, '1', 'stderr'), 'utf8'), 'err\n');
    const json = JSON.parse(readFileSync(join(dir, '2', 'result.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual([json.seq, json.cmd, json.exitCode, json.signal, json.timedOut, json.attempts], [2, 'exit 4', 4, null, false, 1]);
    assert.equal(typeof json.durationMs, 'number');
    for (const path of [dir, join(dir, '1')]) assert.equal(statSync(path).mode & 0o777, 0o700);
    for (const name of ['stdout', 'stderr', 'result.json']) assert.equal(statSync(join(dir, '1', name)).mode & 0o777, 0o600);
  });
});

describe('results in every output mode', () => {
  for (const mode of ['group', 'line', 'ungroup']) {
    it(`--output ${mode}: the results files hold what the job printed`, async () => {
      const dir = join(scratch, `results-${mode}`);
      const result = await runQrun(['-q', '--results-seq', dir, '--output', mode], { input: 'echo out; echo err >&2\n' });
      assert.equal(result.code, 0);
      assert.equal(result.stdout.toString(), 'out\n');
      assert.equal(readFileSync(join(dir, '1', 'stdout'), 'utf8'), 'out\n');
      assert.equal(readFileSync(join(dir, '1', 'stderr'), 'utf8'), 'err\n');
    });
  }
});

describe('environment variables', () => {
  it('QRUN_<OPTION> sets an option; the command line wins', async () => {
    const input = 'sleep 0.3; echo a\necho b\n';
    const fromEnv = await runQrun(['-c', '2'], { input, env: { QRUN_KEEP_ORDER: '1', QRUN_QUIET: 'true' } });
    assert.equal(fromEnv.stdout.toString(), 'a\nb\n');
    assert.equal(fromEnv.stderr, '');
    const overridden = await runQrun(['-c', '1'], { input, env: { QRUN_CONCURRENCY: 'abc' } });
    assert.equal(overridden.code, 0, 'the command line value wins over a bad variable');
    const bad = await runQrun([], { input, env: { QRUN_CONCURRENCY: 'abc' } });
    assert.equal(bad.stderr, "qrun: QRUN_CONCURRENCY must be a whole number of 1 or more, +N or -N (the CPUs plus or minus N), N% (of the CPUs) or 0 (as many as possible), or a file holding one, got 'abc'; see qrun --help\n");
    const help = await runQrun(['--help']);
    assert.match(help.stdout.toString(), /QRUN_CONCURRENCY[\s\S]*QRUN_KEEP_ORDER/);
  });
});

describe('--summary-json', () => {
  it('writes the summary as one JSON object: counts, exit status, the failed jobs', async () => {
    const path = join(scratch, 'summary.json');
    const timed = await runQrun(['-c', '2', '-q', '-t', '300ms', '--kill-after', '100ms', '--summary-json', path], { input: 'true\nexit 3\nsleep 5\n' });
    assert.equal(timed.code, 2);
    const summary = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(
      { ...summary, elapsedMs: 0, queue: Object.keys(summary.queue as object).sort(), failures: (summary.failures as { seq: number }[]).sort((a, b) => a.seq - b.seq) },
      {
        succeeded: 1, failed: 2, timedOut: 1, canceled: 0, notStarted: 0, notRecorded: 0, skipped: 0, retried: 0, haltedBy: null, elapsedMs: 0,
        interruptedBy: null, error: null, brokenPipe: false, exitCode: 2, failuresOmitted: 0,
        queue: ['jobsPerSecond', 'maxQueueDepth', 'producerWaitMs', 'queueCapacity', 'workerIdleRatio', 'workerWaitMs', 'workers'],
        failures: [
          { seq: 2, command: 'exit 3', end: 'exit 3', exitCode: 3, signal: null, timedOut: false },
          { seq: 3, command: 'sleep 5', end: 'timed out (SIGTERM)', exitCode: null, signal: 'SIGTERM', timedOut: true },
        ],
      },
    );
  });

  it('"-" writes it to stdout after all job output; an interrupted run still writes it', async () => {
    const dashed = await runQrun(['-q', '--summary-json', '-'], { input: 'echo out\n' });
    const [out, json] = dashed.stdout.toString().split('\n');
    assert.equal(out, 'out');
    assert.equal((JSON.parse(json ?? '') as { succeeded: number }).succeeded, 1);
    const path = join(scratch, 'interrupted.json');
    const qrun = new Qrun(['-c', '1', '-q', '--output', 'line', '--summary-json', path], { input: `${fixture('ready-sleep.sh')} s 1\necho never\n` });
    await qrun.waitFor((stdout) => stdout.includes('ready s'), 'the job');
    qrun.kill('SIGINT');
    assert.equal((await qrun.done).signal, 'SIGINT');
    const summary = JSON.parse(readFileSync(path, 'utf8')) as { interruptedBy: string; exitCode: number; notStarted: number };
    assert.deepEqual([summary.interruptedBy, summary.exitCode, summary.notStarted], ['SIGINT', 130, 1]);
  });

  it('an unwritable file is refused before any job starts', async () => {
    const marker = join(scratch, 'summary-ran');
    const result = await runQrun(['--summary-json', '/proc/no/such/dir/s.json'], { input: `touch ${marker}\n` });
    assert.equal(result.code, 255);
    assert.equal(result.stderr, "qrun: --summary-json '/proc/no/such/dir/s.json' cannot be written: ENOENT\n");
    assert.throws(() => statSync(marker));
  });
});
