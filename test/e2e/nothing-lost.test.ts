// End to end: the output-loss, resume-interop, signal and smaller defects of issue 9, each reproduced.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Qrun, liveProcesses, qrunBin, root, runQrun, track, uniqueSleep } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'qrun-e2e-lost-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const header = 'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand';

before(() => {
  mkdirSync(join(homedir(), '.parallel'), { recursive: true });
  writeFileSync(join(homedir(), '.parallel', 'will-cite'), '');
});

/** Rows of a joblog as [seq, receive, exitval, signal, command]. */
function rows(path: string): string[][] {
  const lines = readFileSync(path, 'utf8').split('\n');
  assert.equal(lines[0], header);
  return lines.slice(1, -1).map((line) => {
    const f = line.split('\t');
    return [f[0], f[5], f[6], f[7], f.slice(8).join('\t')] as string[];
  });
}

/** The pino records of a --log-file. */
function logRecords(path: string): { msg: string; seq?: number; reason?: string; phase?: string }[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.endsWith('}'))
    .map((line) => JSON.parse(line) as { msg: string });
}

const ended = (log: string, seq: number): boolean => logRecords(log).some((r) => r.msg === 'job ended' && r.seq === seq);

function parallel(args: string[], input: string): { status: number | null; stdout: string } {
  const result = spawnSync('parallel', ['--will-cite', ...args], { input, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout };
}

describe('1. -k: a joblog row is written only with its output, in input order', () => {
  for (const mode of ['group', 'line']) {
    it(`${mode} mode: no row before the output; after SIGKILL, --resume prints the job that had none`, async () => {
      const dir = mkdtempSync(join(scratch, `k-${mode}-`));
      const [jl, log] = [join(dir, 'jl'), join(dir, 'log.ndjson')];
      const sleep = uniqueSleep();
      // Job 1 is slow; job 2 ends at once but must wait for job 1's output under -k.
      const input = `touch ${dir}/r1; sleep $T; echo first\necho out2; touch ${dir}/r2\n`;
      const qrun = new Qrun(['-k', '-c', '2', '--output', mode, '--joblog', jl, '--log-file', log, '--log-level', 'debug'], { input, env: { T: sleep } });
      await qrun.waitFor(() => existsSync(join(dir, 'r1')) && existsSync(join(dir, 'r2')) && ended(log, 2), 'job 2 ended and handled');
      assert.deepEqual(rows(jl), [], 'no row for job 2 while its output waits for job 1');
      assert.equal(qrun.stdout, '');
      qrun.kill('SIGKILL');
      await qrun.done;
      for (const pid of liveProcesses(sleep)) process.kill(pid, 'SIGKILL');
      const second = await runQrun(['-k', '-c', '2', '--output', mode, '--joblog', jl, '--resume', '-q'], { input, env: { T: '0' } });
      assert.equal(second.code, 0, second.stderr);
      assert.equal(second.stdout.toString(), 'first\nout2\n', 'both jobs run again: neither had a row');
      assert.deepEqual(rows(jl).map((r) => r[0]), ['1', '2'], 'rows in input order');
    });
  }

  it('without -k too, each row comes right after its own output', async () => {
    const result = await runQrun(['-c', '3', '-q', '--joblog', '-'], { input: 'sleep 0.3; echo a\necho b\nsleep 0.1; echo c\n' });
    const lines = result.stdout.toString().split('\n').filter(Boolean);
    assert.equal(lines[0], header);
    assert.equal(lines.length, 7);
    for (let i = 1; i < lines.length; i += 2) {
      const row = (lines[i + 1] ?? '').split('\t');
      assert.equal(row[8]?.slice(-1), lines[i], `row ${row[0]} comes right after its output '${lines[i]}'`);
    }
  });
});

describe('2. a stop during --retry-delay keeps the attempt that ran', () => {
  it('Ctrl-C during the wait: the last attempt is written and its row matches it', async () => {
    const dir = mkdtempSync(join(scratch, 'retry-'));
    const [jl, log] = [join(dir, 'jl'), join(dir, 'log.ndjson')];
    const qrun = new Qrun(['--retries', '3', '--retry-delay', '30s', '--joblog', jl, '--log-file', log], { input: 'echo try; exit 3\n' });
    await qrun.waitFor(() => logRecords(log).some((r) => r.msg.startsWith('job will be retried')), 'the retry wait');
    qrun.kill('SIGINT');
    const result = await qrun.done;
    assert.equal(result.signal, 'SIGINT');
    assert.equal(result.stdout.toString(), 'try\n');
    assert.deepEqual(rows(jl), [['1', '4', '3', '0', 'echo try; exit 3']]);
    assert.match(result.stderr, /0 succeeded, 1 failed/);
  });

  it('--halt soon during the wait: the same', async () => {
    const jl = join(scratch, 'retry-halt.jl');
    const input = '{"cmd":"echo try; exit 3","retries":3}\n{"cmd":"sleep 0.3; exit 1","retries":0}\n';
    const result = await runQrun(['--ndjson', '-c', '2', '-k', '--retry-delay', '60s', '--halt', 'soon,fail=1', '--joblog', jl], { input });
    assert.equal(result.code, 1);
    assert.equal(result.stdout.toString(), 'try\n');
    assert.deepEqual(rows(jl).sort(), [['1', '4', '3', '0', 'echo try; exit 3'], ['2', '0', '1', '0', 'sleep 0.3; exit 1']]);
  });
});

describe('3. a stdout that cannot be written', () => {
  const cases = [
    ['group, /dev/full', '', '> /dev/full', 'ENOSPC'],
    ['line, /dev/full', '--output line', '> /dev/full', 'ENOSPC'],
    ['read-only fd 1', '', '1< /dev/null', 'EBADF'],
  ] as const;
  for (const [name, flags, redirect, code] of cases) {
    it(`${name}: exit 255, one line naming it, no row for output that was not written`, () => {
      const jl = join(scratch, `full-${code}-${flags.length}.jl`);
      const script = `seq 300 | sed 's/^/echo /' | node ${qrunBin} -c 2 ${flags} --joblog ${jl} ${redirect}`;
      const result = spawnSync('sh', ['-c', script], { cwd: root, encoding: 'utf8', timeout: 60_000 });
      assert.equal(result.status, 255, result.stderr);
      assert.match(result.stderr, new RegExp(`^qrun: cannot write to stdout: ${code}$`, 'm'));
      assert.deepEqual(rows(jl), []);
      assert.doesNotMatch(result.stderr, /\n\s+at /);
    });
  }
});

describe('4. a full $TMPDIR never cuts group output silently', () => {
  const mount = join(scratch, 'tmpfs');
  const canMount = process.getuid?.() === 0 && spawnSync('sh', ['-c', `mkdir -p ${mount} && mount -t tmpfs -o size=1m tmpfs ${mount}`]).status === 0;
  after(() => {
    if (canMount) spawnSync('umount', [mount]);
  });

  it('a job whose output did not fit: failed with the reason, exit 255, none of the cut output', { skip: canMount ? false : 'needs root to mount a 1 MB tmpfs' }, async () => {
    const jl = join(scratch, 'full-tmp.jl');
    const result = await runQrun(['--joblog', jl], { input: 'head -c 5000000 /dev/zero; true\n', env: { TMPDIR: mount } });
    assert.equal(result.code, 255, result.stderr);
    assert.equal(result.stdout.length, 0, 'no cut output printed as if whole');
    assert.match(result.stderr, /^qrun: job output is incomplete: the disk of .*tmpfs was full while the job wrote into it \(ENOSPC\)$/m);
    assert.match(result.stderr, /0 succeeded, 1 failed/);
    assert.deepEqual(rows(jl), []);
    assert.deepEqual(readdirSync(mount), [], 'temp files removed');
  });

  it('output that fits is whole and succeeds on the same small disk', { skip: canMount ? false : 'needs root' }, async () => {
    const result = await runQrun(['-q'], { input: 'head -c 300000 /dev/zero\n', env: { TMPDIR: mount } });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.length, 300_000);
  });
});

describe('5. a joblog whose last row was cut can be resumed', () => {
  it('the cut row is dropped with a warning, its job runs again; GNU parallel resumes the result', async () => {
    const jl = join(scratch, 'cut.jl');
    writeFileSync(jl, `${header}\n1\t:\t1700000000.000\t     0.001\t0\t2\t0\t0\techo a\n2\t:\t17000`);
    const input = 'echo a\necho b\necho c\n';
    const result = await runQrun(['-k', '-q', '--joblog', jl, '--resume'], { input });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.toString(), 'b\nc\n');
    assert.equal(result.stderr, `qrun: warning: --joblog '${jl}' line 3 was cut off (no newline at its end): removed, and its job runs again\n`);
    assert.deepEqual(rows(jl).map((r) => r[0]), ['1', '2', '3']);
    assert.equal(parallel(['-k', '--joblog', jl, '--resume'], input).stdout, '');
  });

  it('damage before the last row is still refused', async () => {
    const jl = join(scratch, 'damaged.jl');
    writeFileSync(jl, `${header}\n1\t:\t17000\n2\t:\t1700000000.000\t     0.001\t0\t2\t0\t0\techo b\n`);
    const result = await runQrun(['--joblog', jl, '--resume'], { input: 'echo a\n' });
    assert.equal(result.code, 255);
    assert.match(result.stderr, /line 2: expected 9 tab-separated fields/);
  });
});

describe('6. blank input lines keep their Seq numbers, as in GNU parallel', () => {
  const input = 'echo a\n\necho b\necho c\n';

  it('qrun resumes a joblog of GNU parallel that ran three lines: only echo c runs', async () => {
    const jl = join(scratch, 'blank-gnu.jl');
    parallel(['-j1', '--joblog', jl], 'echo a\n\necho b\n');
    const result = await runQrun(['-q', '--joblog', jl, '--resume'], { input });
    assert.equal(result.stdout.toString(), 'c\n');
  });

  it('GNU parallel resumes a joblog of qrun that ran three lines: echo b does not run twice', async () => {
    const jl = join(scratch, 'blank-qrun.jl');
    await runQrun(['-q', '-c', '1', '--joblog', jl], { input: 'echo a\n\necho b\n' });
    assert.deepEqual(rows(jl).map((r) => r[0]), ['1', '3'], 'the blank line is #2, and runs nothing');
    assert.equal(parallel(['-j1', '--joblog', jl, '--resume'], input).stdout, 'c\n');
  });

  it('{#} and QRUN_SEQ count blank lines too; with a command template a blank line is an argument, as in GNU parallel', async () => {
    const result = await runQrun(['-k', '-q', '-c', '2', 'echo {#} {} $QRUN_SEQ'], { input: 'x\n\n  \ny\n' });
    assert.equal(result.stdout.toString(), '1 x 1\n2  2\n3    3\n4 y 4\n');
    assert.equal(parallel(['-k', 'echo {#} {}'], 'x\n\n  \ny\n').stdout, (await runQrun(['-k', '-q', 'echo {#} {}'], { input: 'x\n\n  \ny\n' })).stdout.toString());
    // As shell lines, blank ones run nothing (and keep their numbers).
    const lines = await runQrun(['-k', '-q', '-c', '2'], { input: 'echo $QRUN_SEQ\n\n  \necho $QRUN_SEQ\n' });
    assert.equal(lines.stdout.toString(), '1\n4\n');
  });
});

describe('7. a timed-out job that exits by itself after SIGTERM', () => {
  it("joblog as GNU parallel: exit 0 -> '-1 0', exit 7 -> '7 0', killed -> '-1 15'; all counted as timed out", async () => {
    const jl = join(scratch, 'trap.jl');
    const sleep = uniqueSleep();
    const input = [`trap 'exit 0' TERM; sleep ${sleep} & wait`, `trap 'exit 7' TERM; sleep ${sleep} & wait`, `sleep ${sleep}`].join('\n');
    const result = await runQrun(['-c', '3', '-t', '3s', '--kill-after', '1s', '--joblog', jl], { input });
    const bySeq = rows(jl).sort((a, b) => Number(a[0]) - Number(b[0])).map((r) => [r[0], r[2], r[3]]);
    assert.deepEqual(bySeq, [['1', '-1', '0'], ['2', '7', '0'], ['3', '-1', '15']]);
    assert.match(result.stderr, /3 failed \(3 timed out\)/);
    assert.deepEqual(liveProcesses(sleep), []);
  });
});

describe('8. --joblog -', () => {
  it('writes the joblog to stdout, each row after its job\'s output, and no file named -', async () => {
    const dir = mkdtempSync(join(scratch, 'dash-'));
    const result = await runQrun(['-c', '1', '-q', '--joblog', '-'], { input: 'echo a\necho b\n', cwd: dir });
    assert.equal(result.code, 0);
    assert.match(result.stdout.toString(), new RegExp(`^${header}\\na\\n1\\t:\\t[\\d.]+\\t +[\\d.]+\\t0\\t2\\t0\\t0\\techo a\\nb\\n2\\t:\\t[\\d.]+\\t +[\\d.]+\\t0\\t2\\t0\\t0\\techo b\\n$`));
    assert.equal(existsSync(join(dir, '-')), false);
  });

  it('on a stdout that cannot be written: one line, exit 255, no job run', () => {
    const marker = join(scratch, 'dash-full-ran');
    const result = spawnSync('sh', ['-c', `echo 'touch ${marker}' | node ${qrunBin} --joblog - > /dev/full`], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    assert.equal(result.status, 255);
    assert.equal(result.stderr, 'qrun: cannot write to stdout: ENOSPC\n');
    assert.equal(existsSync(marker), false);
  });

  it('with --resume, as GNU parallel: there is no log to read back, so every job runs and is logged to stdout', async () => {
    const result = await runQrun(['-q', '--joblog', '-', '--resume', 'echo'], { input: 'a\nb\n' });
    assert.equal(result.code, 0);
    const lines = result.stdout.toString().split('\n');
    assert.equal(lines[0], 'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand');
    assert.deepEqual(lines.filter((line) => /^\d+\t/.test(line)).map((line) => line.split('\t').at(-1)), ['echo a', 'echo b']);
  });
});

describe('9. a signal during a --halt soon drain is a first interrupt', () => {
  it('the running job finishes (not canceled), exit 130', async () => {
    const dir = mkdtempSync(join(scratch, 'halt-int-'));
    const log = join(dir, 'log.ndjson');
    const go = join(dir, 'go');
    const input = `echo ready; while [ ! -e ${go} ]; do sleep 0.05; done; echo finished\nsleep 0.2; exit 1\n`;
    const qrun = new Qrun(['-c', '2', '--output', 'line', '--halt', 'soon,fail=1', '--log-file', log], { input });
    await qrun.waitFor((out) => out.includes('ready') && logRecords(log).some((r) => r.phase === 'stop' && r.reason === 'halt'), 'the halt drain');
    qrun.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 300));
    writeFileSync(go, '');
    const result = await qrun.done;
    assert.equal(result.signal, 'SIGINT', 'exit 130, not the halt status');
    assert.equal(result.stdout.toString(), 'ready\nfinished\n');
    assert.match(result.stderr, /1 succeeded, 1 failed/);
    assert.doesNotMatch(result.stderr, /canceled/);
  });
});

describe('10. a stdout nobody reads does not make qrun unkillable', () => {
  it('the second SIGINT terminates the jobs and qrun exits, reporting the output it could not deliver', async () => {
    const dir = mkdtempSync(join(scratch, 'fifo-'));
    const [fifo, log] = [join(dir, 'fifo'), join(dir, 'log.ndjson')];
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const sleep = uniqueSleep();
    // Opens the FIFO for reading and never reads.
    const reader = track(spawn('sh', ['-c', `exec sleep ${sleep} < ${fifo}`], { stdio: 'ignore' }));
    const qrun = track(spawn('sh', ['-c', `exec node ${qrunBin} -c 2 --kill-after 200ms --log-file ${log} --log-level debug > ${fifo}`], { cwd: root, stdio: ['pipe', 'ignore', 'pipe'] }));
    let stderr = '';
    qrun.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    qrun.stdin.end('head -c 100000 /dev/zero\n'.repeat(20));
    const closed = new Promise<NodeJS.Signals | null>((resolve) => qrun.on('close', (_code, signal) => resolve(signal)));
    const waitFor = async (predicate: () => boolean): Promise<void> => {
      while (!predicate()) await new Promise((resolve) => setTimeout(resolve, 50));
    };
    await waitFor(() => ended(log, 2));
    qrun.kill('SIGINT');
    await waitFor(() => logRecords(log).some((r) => r.phase === 'stop'));
    qrun.kill('SIGINT');
    assert.equal(await closed, 'SIGINT');
    assert.match(stderr, /not recorded: cannot write to stdout: not being read/);
    assert.match(stderr, /interrupted by SIGINT/);
    reader.kill('SIGKILL');
  });
});

describe('11. --halt N% and a signal while the input is counted', () => {
  it('the copy of the input is removed', async () => {
    const tmp = mkdtempSync(join(scratch, 'count-tmp-'));
    const qrun = new Qrun(['--halt', '50%'], { env: { TMPDIR: tmp } });
    qrun.child.stdin?.write('echo secret-record\n');
    await qrun.waitFor(() => readdirSync(tmp).some((name) => name.startsWith('qrun-input-')), 'the copy of stdin');
    qrun.kill('SIGINT');
    const result = await qrun.done;
    assert.equal(result.signal, 'SIGINT');
    assert.equal(result.stderr, 'qrun: interrupted by SIGINT while counting the input (for --halt N% or {##}): no job started\n');
    assert.deepEqual(readdirSync(tmp), []);
  });
});

describe('12. one duration bound for every path', () => {
  it('an NDJSON timeout over 2^31-1 ms is refused, not fired after 1 ms', async () => {
    const result = await runQrun(['--ndjson', '-q'], { input: '{"cmd":"echo ok","timeout":2147484}\n{"cmd":"sleep 0.2; echo fine","timeout":"1h"}\n' });
    assert.equal(result.code, 1);
    assert.equal(result.stdout.toString(), 'fine\n');
    assert.match(result.stderr, /^qrun: line 1: timeout must be a duration like 30s \(at most 24 days\), got 2147484$/m);
  });

  it('the library refuses a timeout over the bound', () => {
    const script = `import('${root}dist/src/index.js').then(({ run }) => run({ records: ['true'], timeout: 3e6 })).then(() => console.log('ran'), (e) => console.log(e.name + ': ' + e.message))`;
    const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(result.stdout, 'UsageError: --timeout must be a duration greater than 0 like 500ms, 30s, 5m or 1h (at most 24 days), or a percentage of the median runtime like 200%, got 3000000\n');
  });
});

describe('13. {//} as GNU parallel and POSIX dirname', () => {
  it('dir/sub/ -> dir, a/ -> ., /a -> /', async () => {
    const input = 'dir/sub/\na/\n/a\ndir/sub\n';
    const ours = await runQrun(['-k', '-q', 'echo {//}'], { input });
    assert.equal(ours.stdout.toString(), 'dir\n.\n/\ndir\n');
    assert.equal(ours.stdout.toString(), parallel(['-k', 'echo {//}'], input).stdout);
  });
});

describe('14. many concurrent library runs', () => {
  it('12 run() calls at once: no MaxListenersExceededWarning', () => {
    const script = `import('${root}dist/src/index.js').then(({ run }) => Promise.all(Array.from({ length: 12 }, () => run({ records: ['sleep 0.2'] })))).then((all) => console.log(all.map((s) => s.exitCode).join(',')))`;
    const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(result.stdout, `${Array(12).fill('0').join(',')}\n`);
    assert.doesNotMatch(result.stderr, /MaxListenersExceeded/);
    assert.equal(result.stderr, '');
  });
});

describe('library: events and failures', () => {
  it('onEvent sees each job start, end and get recorded; the summary lists failed jobs', () => {
    const script = `import('${root}dist/src/index.js').then(async ({ run }) => { const kinds = []; const s = await run({ records: ['true', 'exit 3'], concurrency: 1, onEvent: (e) => kinds.push(e.kind + ':' + (e.job?.seq ?? e.result?.job.seq)) }); console.log(kinds.join(' ')); console.log(JSON.stringify(s.failures)); })`;
    const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
    const [kinds, failures] = result.stdout.split('\n');
    assert.equal(kinds, 'job-started:1 job-ended:1 job-finished:1 job-started:2 job-ended:2 job-finished:2', result.stderr);
    assert.deepEqual(JSON.parse(failures ?? ''), [{ seq: 2, command: 'exit 3', end: 'exit 3', exitCode: 3, signal: null, timedOut: false }]);
  });
});

describe('15. a value inside double quotes in a template stays literal', () => {
  it("'echo \"{}\"' with $(…), backticks and quotes in the records", async () => {
    const marker = join(scratch, 'injected');
    const records = [`$(touch ${marker})`, `\`touch ${marker}\``, 'say "hi"', "it's", 'a  b'];
    const result = await runQrun(['-k', '-q', 'echo "<{}>"'], { input: `${records.join('\n')}\n` });
    assert.equal(result.stdout.toString(), records.map((r) => `<${r}>\n`).join(''));
    assert.equal(existsSync(marker), false, 'no record ran a command');
  });
});

