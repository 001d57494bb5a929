// End to end, under faults, bad input and load: qrun loses nothing and leaks nothing.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { Qrun, executor, fixture, liveProcesses, qrunBin, root, runQrun, track, uniqueSleep } from './helpers.js';
import { until } from './fleet-helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'qrun-e2e-rel-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Seqs in a joblog. */
function loggedSeqs(path: string): number[] {
  return readFileSync(path, 'utf8').trimEnd().split('\n').slice(1).map((row) => Number(row.split('\t')[0]));
}

/** The summary's counts. */
function counts(stderr: string): { total: number; succeeded: number; failed: number; notStarted: number } {
  const match = /(\d+) jobs? in \S+: (\d+) succeeded, (\d+) failed, (?:.*, )?(\d+) not started/.exec(stderr);
  assert.ok(match, stderr);
  return { total: Number(match[1]), succeeded: Number(match[2]), failed: Number(match[3]), notStarted: Number(match[4]) };
}

describe('faults', () => {
  it('interrupted at random points: every job accounted once, and --resume runs exactly the rest', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 4, max: 24 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 600 }), fc.boolean(), async (jobs, concurrency, delayMs, failSome) => {
        const dir = mkdtempSync(join(scratch, 'prop-'));
        const log = join(dir, 'joblog');
        const input = join(dir, 'jobs.txt');
        // Job i prints "job-i" and takes a little while; with failSome, every 5th fails.
        const lines = Array.from({ length: jobs }, (_, i) => `sleep 0.0${i % 7}; echo job-${i + 1}${failSome && i % 5 === 4 ? '; exit 3' : ''}`);
        writeFileSync(input, `${lines.join('\n')}\n`);
        const first = new Qrun(['-c', String(concurrency), '-a', input, '--joblog', log]);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        first.kill('SIGINT');
        const one = await first.done;
        const printed = one.stdout.toString().split('\n').filter(Boolean);
        assert.equal(new Set(printed).size, printed.length, 'no job printed twice');
        const logged = existsSync(log) ? loggedSeqs(log) : [];
        if (one.signal === 'SIGINT' && !one.stderr.includes('qrun: ')) {
          // The signal came before qrun had set anything up: it died at once, having run nothing.
          assert.deepEqual([printed, logged], [[], []]);
        } else if (one.signal === 'SIGINT') {
          const c = counts(one.stderr);
          assert.equal(c.succeeded + c.failed + c.notStarted, c.total, 'every job read is accounted for');
          assert.equal(logged.length, c.succeeded + c.failed, 'every finished job has a row');
        } else {
          assert.ok(one.code !== null && one.code <= 101, 'the run ended before the signal');
        }
        const second = await runQrun(['-c', String(concurrency), '-q', '-a', input, '--joblog', log, '--resume']);
        const rest = second.stdout.toString().split('\n').filter(Boolean);
        assert.deepEqual([...printed, ...rest].sort(), lines.map((_, i) => `job-${i + 1}`).sort(), 'the two runs together printed every job once');
        assert.deepEqual(loggedSeqs(log).sort((a, b) => a - b), lines.map((_, i) => i + 1));
      }),
      { numRuns: 6 },
    );
  });

  it('qrun SIGKILLed mid-run: --resume reruns the jobs that were running and the rest', async () => {
    const log = join(scratch, 'sigkill.log');
    const sleep = uniqueSleep();
    const input = `echo a\necho b\n${fixture('ready-sleep.sh')} c ${sleep}\necho d\n`;
    const first = new Qrun(['-c', '1', '--output', 'line', '--joblog', log], { input });
    await first.waitFor((out) => out.includes('ready c'), 'job 3 running');
    first.kill('SIGKILL');
    await first.done;
    assert.deepEqual(loggedSeqs(log), [1, 2]);
    // Killed with SIGKILL, qrun could not clean up: the spawn helper ends the job it was running
    // (SIGTERM, then SIGKILL 2 s later); through execa it is left over (documented). Then tidy.
    if (executor() === 'execa') {
      const orphans = liveProcesses(sleep);
      assert.ok(orphans.length > 0, 'a SIGKILLed qrun leaves its execa job behind (documented)');
      for (const pid of orphans) process.kill(pid, 'SIGKILL');
    } else {
      await until(() => liveProcesses(sleep).length === 0, 'the helper to end the job of the SIGKILLed qrun', 15_000);
    }
    const second = await runQrun(['-c', '1', '-k', '-q', '--joblog', log, '--resume'], { input: `echo a\necho b\necho c-again\necho d\n` });
    assert.equal(second.stdout.toString(), 'c-again\nd\n');
  });

  it('a job that escapes with setsid is not waited for and cannot write into other jobs\' output', async () => {
    const sleep = uniqueSleep();
    // The job waits until the escapee has its own session (else the job's end could kill it first).
    const out = join(scratch, `escaped-${sleep}`);
    const result = await runQrun(['-c', '1', '-q'], { input: `setsid sh -c 'touch ${out}; sleep 0.3; echo LEAK; sleep ${sleep}' & while [ ! -e ${out} ]; do sleep 0.01; done; echo first\nsleep 0.6; echo second\n` });
    assert.equal(result.stdout.toString(), 'first\nsecond\n');
    assert.ok(result.elapsedMs < 10_000);
    // The escapee is outside the job's process group: documented as qrun's one leak.
    const escaped = liveProcesses(sleep);
    assert.ok(escaped.length >= 1, 'the escapee still runs');
    for (const pid of escaped) process.kill(pid, 'SIGKILL');
  });

  it('an unwritable joblog or results dir: one line, exit 255, nothing run', async () => {
    const marker = join(scratch, 'unwritable-ran');
    const full = await runQrun(['--joblog', '/dev/full'], { input: `touch ${marker}\n` });
    assert.equal(full.code, 255);
    assert.equal(full.stderr, "qrun: --joblog '/dev/full' cannot be written: ENOSPC\n");
    const results = await runQrun(['--results', '/dev/null/results'], { input: `touch ${marker}\n` });
    assert.equal(results.code, 255);
    assert.match(results.stderr, /^qrun: --results '\/dev\/null\/results' cannot be created: ENOTDIR/);
    assert.equal(existsSync(marker), false);
  });

  it('SIGINT leaves no temp files behind', async () => {
    const tmp = mkdtempSync(join(scratch, 'tmp-'));
    const run = new Qrun(['-c', '2', '--log-file', join(tmp, '..', 'sigint-tmp.ndjson')], { input: `head -c 5000000 /dev/zero; ${fixture('ready-sleep.sh')} x 5\n${fixture('ready-sleep.sh')} y 5\n`, env: { TMPDIR: tmp } });
    // Capture files are unnamed where the file system allows (O_TMPFILE): wait for the private directory and a running job.
    await run.waitFor(() => readdirSync(tmp).length > 0 && liveProcesses('ready-sleep.sh y 5').length > 0, 'the private directory and a running job');
    run.kill('SIGINT');
    run.kill('SIGINT');
    await run.done;
    assert.deepEqual(readdirSync(tmp), []);
  });
});

describe('bad input', () => {
  it('a 10 MB record: the job fails to start (too long for exec), is counted, and the run goes on', async () => {
    const big = `echo ${'x'.repeat(10 * 1024 * 1024)}`;
    const result = await runQrun(['-q', '-c', '1'], { input: `${big}\necho after\n` });
    assert.equal(result.code, 1);
    assert.equal(result.stdout.toString(), 'after\n');
  });

  it('bytes that are not UTF-8 in a record reach the job as they are', async () => {
    const record = Buffer.concat([Buffer.from('printf "%s" "a'), Buffer.from([0xff, 0xfe, 0x01, 0xc3, 0xa9, 0xed, 0xa0, 0x80]), Buffer.from('b"\n')]);
    const result = await runQrun(['-q'], { input: record });
    assert.equal(result.code, 0);
    // \xc3\xa9 is é (UTF-8); \xed\xa0\x80 would be a UTF-16 surrogate, which UTF-8 does not allow.
    assert.deepEqual(result.stdout, Buffer.concat([Buffer.from('a'), Buffer.from([0xff, 0xfe]), Buffer.from('\x01é'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('b')]));
  });

  it('Latin-1 file names from find -print0 | qrun -0 and from ::: *: removed, tagged, logged, dry-run and --results named byte for byte, as GNU parallel', async () => {
    const names = ['caf\xe9', 'na\xefve \xbb', "it's \x80\xff", 'plain'].map((name) => Buffer.from(name, 'latin1'));
    const listed = Buffer.concat(names.map((name) => Buffer.concat([name, Buffer.of(0)])));
    const seen = new Map<string, { globbed: Buffer; results: Buffer; tagged: Buffer; commands: string[]; dry: Buffer }>();
    for (const tool of ['qrun', 'parallel']) {
      const dir = mkdtempSync(join(scratch, `latin1-${tool}-`));
      for (const name of names) writeFileSync(Buffer.concat([Buffer.from(`${dir}/`), name]), 'x');
      const log = join(dir, 'log');
      const run = (more: string[]): Buffer => {
        const ran = tool === 'qrun' ? spawnSync(process.execPath, [qrunBin, '-q', '-0', '-k', ...more], { cwd: dir, input: listed, timeout: 60_000 }) : spawnSync('parallel', ['-0', '-k', ...more], { cwd: dir, input: listed, timeout: 60_000 });
        assert.equal(ran.status, 0, `${tool} ${more.join(' ')}: ${ran.stderr}`);
        return ran.stdout;
      };
      // The names as arguments too: `::: *` in bash.
      const caller = tool === 'qrun' ? `"${process.execPath}" "${qrunBin}" -q` : 'parallel';
      const globbed = spawnSync('bash', ['-c', `${caller} -k 'printf "%s|" {}' ::: *`], { cwd: dir, timeout: 60_000, env: { ...process.env, LC_ALL: 'C' } });
      assert.equal(globbed.status, 0, `${tool} ::: *: ${globbed.stderr}`);
      const results = join(scratch, `latin1-results-${tool}`);
      run(['--results', results, 'printf "%s" {}']);
      const listing = spawnSync('bash', ['-c', 'find . -type f -exec sh -c \'printf "%s=" "$1"; cat "$1"; echo\' _ {} \\; | LC_ALL=C sort'], { cwd: results, timeout: 60_000 }).stdout;
      const tagged = run(['--tag', '--joblog', log, 'printf "%s|" {}; rm -- {}']);
      assert.deepEqual(readdirSync(dir), ['log'], `${tool} removed every file`);
      const commands = readFileSync(log).toString('latin1').trimEnd().split('\n').slice(1).map((row) => row.split('\t')[8] ?? '');
      seen.set(tool, { globbed: globbed.stdout, results: listing, tagged, commands, dry: run(['--dry-run', 'echo {}']) });
    }
    const [qrun, gnu] = [seen.get('qrun'), seen.get('parallel')];
    assert.deepEqual(qrun?.tagged, Buffer.concat(names.map((name) => Buffer.concat([name, Buffer.from('\t'), name, Buffer.from('|')]))));
    assert.deepEqual(qrun?.tagged, gnu?.tagged);
    assert.ok(qrun?.globbed.includes(Buffer.from('caf\xe9|', 'latin1')), `::: * keeps the bytes: ${qrun?.globbed.toString('latin1')}`);
    assert.deepEqual(qrun?.globbed, gnu?.globbed);
    assert.ok(qrun?.results.includes(Buffer.from('./1/caf\xe9/stdout=caf\xe9\n', 'latin1')), `--results names: ${qrun?.results.toString('latin1')}`);
    assert.deepEqual(qrun?.results.toString('latin1'), gnu?.results.toString('latin1'));
    assert.ok(qrun?.commands.some((command) => command.includes('caf\xe9')), `the joblog keeps the bytes: ${qrun?.commands.join(', ')}`);
    assert.deepEqual(qrun?.commands, gnu?.commands);
    assert.deepEqual(qrun?.dry.toString('latin1'), gnu?.dry.toString('latin1'));
  });

  it('no trailing newline, CRLF, blank lines, NUL input with -0', async () => {
    assert.equal((await runQrun(['-q', '-c', '1'], { input: 'echo a\r\n\r\n\necho b' })).stdout.toString(), 'a\nb\n');
    assert.equal((await runQrun(['-q', '-c', '1', '-0'], { input: 'echo a\0\0echo b' })).stdout.toString(), 'a\nb\n');
  });
});

describe('load', () => {
  it('concurrency 256 with few file descriptors: runs within the limit, says so, loses nothing', async () => {
    const input = Array.from({ length: 300 }, (_, i) => `sleep 0.05; echo ${i}`).join('\n');
    const script = `ulimit -n 120; exec node ${qrunBin} -c 256 --output line`;
    const child = track(spawn('sh', ['-c', script], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] }));
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => (err += c));
    child.stdin.end(input);
    const code: number = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 0, err);
    assert.match(err, /^qrun: --concurrency 256 needs about \d+ open files, over the limit of 120 \(ulimit -n\): running \d+ at a time$/m);
    assert.match(err, /300 jobs in \S+: 300 succeeded, 0 failed, 0 not started/);
    assert.equal(out.split('\n').filter(Boolean).length, 300);
  });

  it('concurrency 256 with enough file descriptors: 256 jobs hold their pipes open at once', async () => {
    const input = Array.from({ length: 256 }, (_, i) => `sleep 1; echo ${i}`).join('\n');
    const script = `ulimit -n 4096; exec node ${qrunBin} -c 256 --output line -q`;
    const result = spawnSync('sh', ['-c', script], { cwd: root, input, encoding: 'utf8', timeout: 60_000 });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr, '');
    assert.equal(result.stdout.split('\n').filter(Boolean).length, 256);
  });

});

describe('terminal', () => {
  it('resizing the terminal, down to 1 column, does not hang the progress display', () => {
    const done = join(scratch, 'tmux-done');
    const session = `qrun-test-${process.pid}`;
    const command = `printf 'sleep 1\\nsleep 1\\nsleep 1\\n' | CI= node ${qrunBin} -c 1 --progress > /dev/null 2>&1; echo $? > ${done}`;
    assert.equal(spawnSync('tmux', ['new-session', '-d', '-s', session, '-x', '100', '-y', '20', command]).status, 0);
    try {
      for (const width of ['40', '1', '80']) {
        spawnSync('sleep', ['0.5']);
        spawnSync('tmux', ['resize-window', '-t', session, '-x', width]);
      }
      const deadline = Date.now() + 60_000;
      while (!existsSync(done) && Date.now() < deadline) spawnSync('sleep', ['0.2']);
      assert.equal(readFileSync(done, 'utf8').trim(), '0');
    } finally {
      spawnSync('tmux', ['kill-session', '-t', session]);
    }
  });
});

