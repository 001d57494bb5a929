// End to end: the edges between features where jobs or output could be lost, duplicated or cut,
// or a run could hang or crash: readers that leave, a second Ctrl-C and --resume, --pipe under
// either executor, qrun's own lines after output without a final newline.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Qrun, baseEnv, qrunBin, root, runQrun, track } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'qrun-e2e-edges-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs a shell pipeline around qrun (`QRUN` in it stands for the built binary). */
function shell(script: string, cwd = scratch): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('bash', ['-c', script.replaceAll('QRUN', `'${process.execPath}' '${qrunBin}'`)], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...baseEnv, CI: 'true' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Joblog rows (without the header line). */
function joblogRows(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').slice(1, -1);
}

describe('--pipe: the job has no child it did not start', () => {
  // The job reaps every child it has before reading stdin: a feeder among its children would never end.
  const waitsForChildren = "exec perl -e '1 while wait != -1; my $n = () = <STDIN>; print \"$n\\n\"'";
  for (const executor of ['helper', 'execa']) {
    it(`--pipe and --pipe-part (--executor ${executor})`, async () => {
      const lines = Array.from({ length: 200_000 }, (_, i) => `${i + 1}\n`).join('');
      const piped = await runQrun(['-q', '--executor', executor, '--pipe', '--block', '1M', waitsForChildren], { input: lines, limitMs: 30_000 });
      assert.equal(piped.code, 0, piped.stderr);
      const counts = piped.stdout.toString().trim().split('\n').map(Number);
      assert.ok(counts.length >= 2, 'more than one block');
      assert.equal(counts.reduce((a, b) => a + b, 0), 200_000);
      const file = join(scratch, `part-${executor}.txt`);
      writeFileSync(file, lines);
      const parted = await runQrun(['-q', '--executor', executor, '--pipe-part', '-a', file, '--block', '300k', waitsForChildren], { limitMs: 30_000 });
      assert.equal(parted.code, 0, parted.stderr);
      assert.equal(parted.stdout.toString().trim().split('\n').map(Number).reduce((a, b) => a + b, 0), 200_000);
    });
  }
});

describe('a second Ctrl-C, then --resume', () => {
  it("the killed job's output is printed by the run that records it, once; the user is told", async () => {
    const dir = mkdtempSync(join(scratch, 'resume-'));
    const jobs = join(dir, 'jobs');
    writeFileSync(jobs, `touch ${join(dir, 'started')}; echo out1; sleep 30\necho out2\n`);
    const joblog = join(dir, 'jl');
    const first = new Qrun(['-c', '1', '--joblog', joblog, '-a', jobs], { cwd: dir });
    await first.waitFor(() => existsSync(join(dir, 'started')), 'job 1 to start');
    first.kill('SIGINT');
    await first.waitFor((_, stderr) => stderr.includes('Ctrl-C again'), 'the first interrupt notice');
    first.kill('SIGINT');
    const killed = await first.done;
    assert.equal(killed.signal, 'SIGINT');
    assert.equal(killed.stdout.toString(), '');
    assert.match(killed.stderr, /^qrun: job #1 was killed: its output is not printed \(it has no joblog row and runs again with --resume\)$/m);
    assert.deepEqual(joblogRows(joblog), []);
    rmSync(join(dir, 'started'));
    // The resumed run: job 1 runs again (quickly now) and prints its output once.
    writeFileSync(jobs, 'echo out1\necho out2\n');
    const resumed = await runQrun(['-c', '1', '-q', '--joblog', joblog, '--resume', '-a', jobs], { cwd: dir });
    assert.equal(resumed.code, 0);
    assert.equal(killed.stdout.toString() + resumed.stdout.toString(), 'out1\nout2\n');
    assert.equal(joblogRows(joblog).length, 2);
  });
});

describe('the reader of stdout leaves', () => {
  it('jobs whose output was not written have no row and are not counted succeeded', () => {
    const result = shell("printf 'sleep 0.3; echo x\\nsleep 0.3; echo y\\n' | QRUN -c2 --joblog jl5 --summary-json s5.json | true; echo \"status ${PIPESTATUS[1]}\"");
    assert.equal(result.stdout, 'status 141\n');
    assert.equal(result.stderr, '');
    const summary = JSON.parse(readFileSync(join(scratch, 's5.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(summary.succeeded, 0);
    // The first job's write finds the reader gone; the other ended by itself (not recorded) or
    // was still running when qrun stopped and was killed (failed, canceled).
    assert.ok((summary.notRecorded as number) >= 1, JSON.stringify(summary));
    assert.equal((summary.notRecorded as number) + (summary.failed as number), 2, JSON.stringify(summary));
    assert.equal(summary.exitCode, 141);
    assert.deepEqual(joblogRows(join(scratch, 'jl5')), []);
  });

  it('mid-run: exit 141 and nothing printed on stderr (as GNU parallel)', () => {
    const result = shell("yes 'echo hi; sleep 0.05' | QRUN -c2 | head -1; echo \"status ${PIPESTATUS[1]}\"");
    assert.equal(result.stdout, 'hi\nstatus 141\n');
    assert.equal(result.stderr, '');
  });

  it('--joblog - into a reader that has gone: 141, quietly, no job run', async () => {
    const marker = join(scratch, 'joblog-dash-ran');
    const child = track(spawn(process.execPath, [qrunBin, '--joblog', '-'], { cwd: root, env: { ...baseEnv, CI: 'true' }, stdio: ['pipe', 'pipe', 'pipe'] }));
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end(`touch ${marker}\n`);
    const code = await new Promise<number | null>((resolve) => child.on('close', (status) => resolve(status)));
    assert.equal(code, 141);
    assert.equal(stderr, '');
    assert.equal(existsSync(marker), false);
  });

  it('--summary-json - into a reader that leaves: 141 quietly; into a full disk: 255 with one line', () => {
    const gone = shell('seq 3 | QRUN -k --summary-json - echo | head -1; echo "status ${PIPESTATUS[1]}"');
    assert.equal(gone.stdout, '1\nstatus 141\n');
    // Quietly: no error, no stack. The summary line is there when the reader left only after
    // every job's output fit in the pipe (the JSON, written after it, is what found it gone).
    assert.match(gone.stderr, /^(qrun: 3 jobs in \S+: 3 succeeded, 0 failed, 0 not started\n)?$/);
    const full = shell('seq 3 | QRUN -q --summary-json - echo > /dev/full');
    assert.equal(full.status, 255);
    assert.doesNotMatch(full.stderr, /Unhandled|at .*\.js/);
    assert.match(full.stderr, /^qrun: cannot write to stdout: ENOSPC\n$/m);
  });
});

describe("qrun's own lines start a line of their own", () => {
  it('::endgroup:: after output without a final newline (--annotate github-group)', async () => {
    const result = await runQrun(['-q', '--annotate', 'github-group'], { input: 'printf x\n' });
    assert.equal(result.stdout.toString(), '::group::#1 printf x\nx\n::endgroup::\n');
  });

  it('--summary-json - after output without a final newline', async () => {
    const result = await runQrun(['-q', '--summary-json', '-'], { input: 'printf x\n' });
    const lines = result.stdout.toString().split('\n');
    assert.equal(lines[0], 'x');
    assert.equal((JSON.parse(lines[1] as string) as { succeeded: number }).succeeded, 1);
    assert.equal(lines[2], '');
  });

  it("a failed job's stderr label after another job's stderr without a final newline", async () => {
    const result = await runQrun(['-c', '1'], { input: 'printf e >&2\necho f >&2; exit 3\n' });
    assert.match(result.stderr, /^e\nqrun: job #2 failed, exit 3: echo f >&2; exit 3; its stderr:\nf\n/);
  });
});

describe('every file qrun writes', () => {
  // A 1 MB disk: mounted here when this process may (root, and mounting allowed).
  const disk = mkdtempSync(join(scratch, 'tiny-'));
  const canMount = process.getuid?.() === 0 && spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', disk]).status === 0;
  after(() => {
    if (canMount) spawnSync('umount', ['-l', disk]);
  });
  it('a --log-file whose disk fills mid-run: one line naming it, exit 255, every job accounted, the summary written', { skip: canMount ? false : 'needs root to mount a 1 MB tmpfs' }, async () => {
    try {
      // Nearly full: the log fills it after a few jobs.
      writeFileSync(join(disk, 'fill'), Buffer.alloc(1000 * 1024));
      const jobs = Array.from({ length: 200 }, (_, i) => `echo job ${i}`).join('\n');
      const summaryFile = join(scratch, 'log-full.json');
      const result = await runQrun(['-q', '-c', '2', '--log-file', join(disk, 'log'), '--log-level', 'debug', '--summary-json', summaryFile], { input: jobs });
      assert.equal(result.code, 255);
      assert.doesNotMatch(result.stderr, /Unhandled|at .*\.js/);
      assert.match(result.stderr, new RegExp(`^qrun: cannot write --log-file '${disk}/log': ENOSPC$`, 'm'));
      const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as { succeeded: number; failed: number; notStarted: number; notRecorded: number; exitCode: number };
      assert.equal(summary.exitCode, 255);
      assert.ok(summary.succeeded < 200, 'the run stopped');
      const printed = result.stdout.toString().split('\n').filter(Boolean).length;
      // Jobs killed as the run stopped may have printed (they have no row: not recorded) or not.
      assert.ok(printed >= summary.succeeded && printed <= summary.succeeded + summary.notRecorded + summary.failed, `${printed} printed: ${JSON.stringify(summary)}`);
    } finally {
      spawnSync('umount', ['-l', disk]);
    }
  });

  it('--log-file /dev/full at the start: one line naming it, exit 255', async () => {
    const result = await runQrun(['--log-file', '/dev/full'], { input: 'true\n' });
    assert.equal(result.code, 255);
    assert.equal(result.stderr, "qrun: cannot write --log-file '/dev/full': ENOSPC\n");
  });

  it('--metrics-file never replaces a symlink, a device or a FIFO; a name with a newline is escaped', async () => {
    const link = join(scratch, 'metrics-link');
    spawnSync('ln', ['-s', '/proc/self/fd/2', link]);
    const linked = await runQrun(['--metrics-file', link], { input: 'true\n' });
    assert.equal(linked.code, 255);
    assert.equal(linked.stderr, `qrun: --metrics-file '${link}' cannot be written: it is replaced atomically (written beside it, then renamed over it), and it is a symlink (to /proc/self/fd/2); give the file it points to\n`);
    assert.equal(spawnSync('test', ['-L', link]).status, 0, 'still a symlink');
    const device = await runQrun(['--metrics-file', '/dev/full'], { input: 'true\n' });
    assert.equal(device.code, 255);
    assert.match(device.stderr, /^qrun: --metrics-file '\/dev\/full' cannot be written: .* it is a character device; give it a regular file\n$/);
    assert.equal(spawnSync('test', ['-c', '/dev/full']).status, 0, '/dev/full is still a device');
    const fifo = join(scratch, 'metrics-fifo');
    spawnSync('mkfifo', [fifo]);
    const piped = await runQrun(['--metrics-file', fifo], { input: 'true\n' });
    assert.equal(piped.code, 255);
    assert.match(piped.stderr, /it is a FIFO; give it a regular file\n$/);
    const odd = join(scratch, 'a\nb.prom');
    const named = await runQrun(['-q', '--metrics-file', odd], { input: 'true\n' });
    assert.equal(named.code, 0);
    assert.match(readFileSync(odd, 'utf8'), /^qrun_jobs\{run="a\\nb",state="succeeded"\} 1$/m);
  });

  it('a bad path from a QRUN_* variable is reported with the variable\'s name', async () => {
    for (const [name, value, message] of [
      ['QRUN_SHELL', '/no/sh', "qrun: QRUN_SHELL '/no/sh' is not an executable program\n"],
      ['QRUN_ARG_FILE', '/no/file', "qrun: QRUN_ARG_FILE '/no/file' cannot be read: no such file\n"],
      ['QRUN_SUMMARY_JSON', '/no/dir/s.json', "qrun: QRUN_SUMMARY_JSON '/no/dir/s.json' cannot be written: ENOENT\n"],
    ] as const) {
      const result = await runQrun([], { input: 'true\n', env: { [name]: value } });
      assert.equal(result.code, 255);
      assert.equal(result.stderr, message);
    }
    for (const name of ['QRUN_JOBLOG', 'QRUN_METRICS_FILE', 'QRUN_LOG_FILE', 'QRUN_LOCK']) {
      const result = await runQrun([], { input: 'true\n', env: { [name]: '/no/dir/x' } });
      assert.equal(result.code, 255);
      assert.match(result.stderr, new RegExp(`^qrun: ${name} '/no/dir/x' cannot be`));
    }
  });
});

describe('GNU parallel compatibility at the edges', () => {
  it('--dry-run with --tag and --tagstring prints the tag, as GNU parallel', async () => {
    const tagged = await runQrun(['-k', '--dry-run', '--tag', 'echo', ':::', 'a', 'b']);
    assert.equal(tagged.stdout.toString(), 'a\techo a\nb\techo b\n');
    const stringed = await runQrun(['--dry-run', '--tagstring', 'x{1}', 'echo', ':::', 'a']);
    assert.equal(stringed.stdout.toString(), 'xa\techo a\n');
  });

  it('--results x.csv with --colsep writes the columns as cut (GNU), the job gets them trimmed', async () => {
    const table = join(scratch, 'cut.csv');
    const result = await runQrun(['-q', '--results', table, '--colsep', ',', 'echo', '{1}-{2}', ':::', ' a , b ']);
    assert.equal(result.code, 0);
    assert.match(readFileSync(table, 'utf8'), /,"echo a-b"," a "," b ","a-b\n",\n$/);
  });
});

describe('at a terminal', () => {
  it('notices and the summary wrap at word boundaries to the terminal width; the status line never wraps', () => {
    const env: NodeJS.ProcessEnv = { ...baseEnv, TERM: 'xterm', NO_COLOR: '1' };
    delete env.CI;
    const command = `stty cols 50 rows 30; node ${qrunBin} -c 2 --progress`;
    const result = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: root, encoding: 'utf8', timeout: 30_000, input: 'sleep 0.3; false\n\x04', env });
    const text = result.stdout.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, 'g'), '\n').replace(/\r/g, '');
    const lines = text.split('\n').filter((line) => line.startsWith('qrun:') || line.startsWith('  '));
    assert.ok(lines.some((line) => line.startsWith('qrun: reading job records')), text);
    for (const line of lines) assert.ok(line.length <= 50, `over 50 columns: ${line}`);
    // Wrapped at spaces: no line ends inside a word of the notice.
    assert.match(text, /qrun: reading job records from the terminal, one\n {2}per line; end with Ctrl-D/);
    assert.match(text, /qrun: 1 job in \S+: 0 succeeded, 1 failed, 0 not\n {2}started/);
  });
});

describe('--help and the man page', () => {
  it('--help fits 80 columns, lists every variable by name, states the defaults as they are', async () => {
    const help = (await runQrun(['--help'])).stdout.toString();
    for (const line of help.split('\n')) assert.ok(line.length <= 80, `over 80 columns: ${line}`);
    assert.doesNotMatch(help, /QRUN_\s/);
    assert.match(help, /--trim <lr> +with --colsep: trim spaces and tabs around\n\s+columns: n \(none\), l, r, lr \(default: lr, as\n\s+GNU parallel\)/);
    assert.match(help, /Switches take 1\/true\/yes\/on or 0\/false\/no\/off/);
    assert.match(help, /trace or\n\s+silent/);
  });

  it('the man page has every section as a heading of its own, -h, and the environment', () => {
    const page = readFileSync(join(root, 'dist', 'man', 'qrun.1'), 'utf8');
    const headings = page.split('\n').filter((line) => line.startsWith('.SH ')).map((line) => line.slice(4));
    assert.deepEqual(headings, ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'EXAMPLES', 'REPLACEMENT STRINGS', 'INPUT SOURCES', 'EXIT STATUS', 'COMMANDS', 'ENVIRONMENT', 'SEE ALSO']);
    // The first line of each section is its text, not lost to the heading.
    assert.match(page, /\.SH INPUT SOURCES\n::: args, :::: files;/);
    assert.match(page, /\.B \\-h, \\-\\-help\n/);
    assert.match(page, /\.SH ENVIRONMENT\n[^]*QRUN_CONCURRENCY/);
    const rendered = spawnSync('man', ['-l', join(root, 'dist', 'man', 'qrun.1')], { encoding: 'utf8', env: { ...baseEnv, MANWIDTH: '80' } });
    if (rendered.status === 0) for (const line of rendered.stdout.split('\n')) assert.ok(line.length <= 80, `man line over 80 columns: ${line}`);
  });
});
