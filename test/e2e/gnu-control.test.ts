// End to end, differential where GNU parallel can be compared: --term-seq, --timeout N%, and GNU's
// other spellings (--halt-on-error, --res).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { both, ran, same, type Ran } from './gnu.js';
import { liveProcesses, Qrun, qrunBin, runQrun, track, uniqueSleep } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'qrun-e2e-gnuctl-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
writeFileSync(join(scratch, 'halt-codes.txt'), '1\n0\n1\n0\n0\n');

/** A joblog's rows as "seq exitval signal command" (what both tools must agree on). */
function outcomes(joblog: string): string[] {
  return joblog
    .trim()
    .split('\n')
    .slice(1)
    .map((row) => row.split('\t'))
    .filter((f) => f.length >= 9)
    .map((f) => `${f[0]} ${f[6]} ${f[7]} ${f[8]}`);
}

describe('--term-seq', () => {
  it('sends each signal in turn while the job is still there, as GNU parallel does; ends with KILL', async () => {
    const marks = join(scratch, 'marks');
    const token = `0.05${uniqueSleep().replace('.', '')}`;
    // The job notes each signal it gets and goes on; only KILL ends it.
    const job = `trap 'echo usr1 >> ${marks}' USR1; trap 'echo term >> ${marks}' TERM; echo ready >> ${marks}; while :; do sleep ${token}; done`;
    const { gnu, qrun } = await both(['--joblog', '-', '--term-seq', 'USR1,300,TERM,300,KILL,25', '--timeout', '1'], `${job}\n`, scratch);
    rmSync(marks, { force: true });
    const again = await runQrun(['-q', '--joblog', '-', '--term-seq', 'USR1,300,TERM,300,KILL,25', '--timeout', '1'], { input: `${job}\n`, cwd: scratch });
    assert.deepEqual(readFileSync(marks, 'utf8').split('\n').slice(0, 3), ['ready', 'usr1', 'term']);
    assert.equal(again.code, 1);
    assert.deepEqual(outcomes(again.stdout.toString()), [`1 -1 9 ${job}`]);
    assert.deepEqual(outcomes(qrun.stdout), outcomes(gnu.stdout));
    assert.equal(qrun.status, gnu.status);
    assert.deepEqual(liveProcesses(token), []);
  });

  it('a job that ends at the first signal gets no more of them; the joblog says which signal', async () => {
    const { gnu, qrun } = await both(['--joblog', '-', '--term-seq', 'INT,200,KILL,25', '--timeout', '0.3'], 'sleep 30\n', scratch);
    assert.deepEqual(outcomes(qrun.stdout), ['1 -1 2 sleep 30']);
    assert.deepEqual(outcomes(qrun.stdout), outcomes(gnu.stdout));
  });

  it('--kill-after is its short form: both together, or a bad sequence, are one line and exit 255', async () => {
    const together = await runQrun(['--kill-after', '1s', '--term-seq', 'TERM,100,KILL', 'true']);
    assert.equal(together.code, 255);
    assert.equal(together.stderr, 'qrun: --kill-after is a short form of --term-seq TERM,<ms>,KILL; give one; see qrun --help\n');
    for (const bad of ['TERM,x', 'NOPE,100', '', 'TERM,,KILL']) {
      const result = await runQrun(['--term-seq', bad, 'true']);
      assert.equal(result.code, 255, bad);
      assert.match(result.stderr, /^qrun: --term-seq must be signals and waits in ms like TERM,200,TERM,100,KILL,25, got .*; see qrun --help\n$/);
    }
  });
});

describe('--timeout N%', () => {
  it('kills a job that runs past N% of the median runtime of the succeeded jobs, as GNU parallel does', async () => {
    // 1000% of ~0.2 s is ~2 s: the short jobs are far inside it, the long one far outside.
    const input = 'sleep 0.2\nsleep 0.2\nsleep 0.2\nsleep 60\necho after\n';
    const { gnu, qrun } = await both(['-j1', '--joblog', '-', '--timeout', '1000%'], input, scratch);
    assert.deepEqual(outcomes(qrun.stdout), ['1 0 0 sleep 0.2', '2 0 0 sleep 0.2', '3 0 0 sleep 0.2', '4 -1 15 sleep 60', '5 0 0 echo after']);
    assert.deepEqual(outcomes(qrun.stdout), outcomes(gnu.stdout));
    assert.equal(qrun.status, 1);
    assert.equal(gnu.status, 1);
  });

  it('a job started before any succeeded is limited once the median is known', async () => {
    // Job 1 runs long from the start; jobs 2-4 succeed meanwhile and give a median of ~0 s.
    const result = await runQrun(['-j2', '-q', '--joblog', '-', '--timeout', '200%'], { input: 'sleep 60\ntrue\ntrue\ntrue\n', limitMs: 30_000 });
    assert.equal(result.code, 1);
    assert.deepEqual(outcomes(result.stdout.toString()).sort(), ['1 -1 15 sleep 60', '2 0 0 true', '3 0 0 true', '4 0 0 true']);
  });

  it('no limit before any job succeeded: a lone job runs to its end', async () => {
    const result = await runQrun(['-q', '--joblog', '-', '--timeout', '100%'], { input: 'sleep 0.5; echo done\n' });
    assert.equal(result.code, 0);
    assert.deepEqual(outcomes(result.stdout.toString()), ['1 0 0 sleep 0.5; echo done']);
  });

  it('a bad percentage is one line, exit 255', async () => {
    const result = await runQrun(['--timeout', '0%', 'true']);
    assert.equal(result.code, 255);
    assert.match(result.stderr, /^qrun: --timeout must be a duration greater than 0 .* or a percentage of the median runtime like 200%, got '0%'; see qrun --help\n$/);
  });
});

describe("GNU parallel's other spellings", () => {
  it('--halt-on-error is --halt', async () => {
    await same(['-j1', '--halt-on-error', 'now,fail=1', ':::', 'echo a', 'false', 'echo b'], '', scratch, 1);
    await same(['-j1', '--halt-on-error', '2', ':::', 'echo a', 'false', 'echo b'], '', scratch, 1);
  });

  it('--res is --results', async () => {
    const dir = join(scratch, 'res');
    const result = await runQrun(['-q', '--res', dir, 'echo', ':::', 'x']);
    assert.equal(result.code, 0);
    assert.equal(result.stdout.toString(), '');
    assert.equal(readFileSync(join(dir, '1', 'x', 'stdout'), 'utf8'), 'x\n');
    const twice = await runQrun(['--res', dir, '--results', dir, 'true']);
    assert.equal(twice.code, 255);
    assert.equal(twice.stderr, 'qrun: --res is another name for --results; give one; see qrun --help\n');
  });
});

describe('--shuf', () => {
  it('runs every job once, in another order, numbered in run order; the same jobs as GNU parallel', async () => {
    const args = ['-j1', '--shuf', 'echo', '{#}', '{}', ':::', ...Array.from({ length: 300 }, (_, i) => `v${i}`)];
    const { qrun, gnu } = await both(args, '', scratch, false);
    assert.equal(qrun.status, 0);
    const rows = qrun.stdout.trim().split('\n');
    assert.deepEqual(rows.map((row) => Number(row.split(' ')[0])), Array.from({ length: 300 }, (_, i) => i + 1));
    const values = (out: string): string[] => out.trim().split('\n').map((row) => row.split(' ')[1] ?? '').sort();
    assert.deepEqual(values(qrun.stdout), values(gnu.stdout));
    assert.notDeepEqual(rows.map((row) => row.split(' ')[1]), Array.from({ length: 300 }, (_, i) => `v${i}`));
  });

  it('records from stdin too; no temp files left', async () => {
    const tmp = join(scratch, 'shuf-tmp');
    mkdirSync(tmp);
    const input = Array.from({ length: 2000 }, (_, i) => `echo ${i}`).join('\n');
    const result = await runQrun(['-q', '--shuf'], { input, env: { TMPDIR: tmp } });
    assert.equal(result.code, 0);
    assert.deepEqual(result.stdout.toString().trim().split('\n').map(Number).sort((a, b) => a - b), Array.from({ length: 2000 }, (_, i) => i));
    assert.deepEqual(readdirSync(tmp), []);
  });

  it('refused with --resume and with --pipe: one line, exit 255', async () => {
    const resume = await runQrun(['--shuf', '--joblog', join(scratch, 'x.log'), '--resume', 'true']);
    assert.equal(resume.code, 255);
    assert.equal(resume.stderr, 'qrun: --shuf numbers jobs in a new random order each run, so --resume could not tell which are done; see qrun --help\n');
    const pipe = await runQrun(['--shuf', '--pipe', 'wc']);
    assert.equal(pipe.code, 255);
    assert.equal(pipe.stderr, 'qrun: --shuf shuffles jobs; --pipe blocks keep the input\'s order; see qrun --help\n');
  });
});

describe('--dry-run into a reader that goes away', () => {
  it('ends quietly with 141, as job output does', async () => {
    const child = spawn('bash', ['-c', `seq 100000 | ${process.execPath} ${qrunBin} -q --dry-run echo | head -1; echo "status \${PIPESTATUS[1]}"`], { stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    await new Promise((resolve) => child.on('close', resolve));
    assert.equal(out, 'echo 1\nstatus 141\n');
    assert.equal(err, '');
  });
});

describe('--load and --memfree', () => {
  it('with room to spare, jobs run as without them (compared with GNU parallel)', async () => {
    await same(['--load', '100000', '--memfree', '1k', 'echo', ':::', 'a', 'b'], '', scratch);
    await same(['--load', '10000%', 'echo', ':::', 'c'], '', scratch);
  });

  it('no job starts while less memory is free than --memfree; it says why once; Ctrl-C: all not started', async () => {
    const qrun = new Qrun(['--memfree', '1P', 'echo', ':::', 'a', 'b']);
    await qrun.waitFor((_, stderr) => stderr.includes('waiting to start jobs'), 'the waiting notice');
    qrun.kill('SIGINT');
    const result = await qrun.done;
    assert.equal(result.signal, 'SIGINT');
    assert.equal(result.stdout.length, 0);
    assert.match(result.stderr, /^qrun: waiting to start jobs: \d+ MB of memory is free, --memfree is 1073741824 MB\n/);
    assert.equal(result.stderr.match(/waiting to start/g)?.length, 1);
    assert.match(result.stderr, /2 jobs in .*: 0 succeeded, 0 failed, 2 not started/);
  });

  it('bad values are one line, exit 255', async () => {
    for (const [args, message] of [
      [['--load', 'high'], "--load must be a load average above 0 like 4 or 1.5, or a share of the CPUs like 80%, got 'high'"],
      [['--memfree', 'lots'], "--memfree must be a size in bytes like 1M (1024 × 1024), 500k (500 × 1000) or 65536, got 'lots'"],
      [['--memfree', '1G', '--redis', 'redis://127.0.0.1:1'], "--memfree watches this machine; with --redis jobs run on the workers' machines (give it to qrun worker)"],
    ] as const) {
      const result = await runQrun([...args, 'true']);
      assert.equal(result.code, 255);
      assert.equal(result.stderr, `qrun: ${message}; see qrun --help\n`);
    }
  });
});

describe('--halt N% with input sources and -n', () => {
  /** stdout and exit status of both tools. */
  async function sameRun(args: readonly string[]): Promise<void> {
    const { qrun, gnu } = await both(['-j1', ...args], '', scratch);
    assert.equal(qrun.stdout, gnu.stdout, `qrun ${args.join(' ')}`);
    assert.equal(qrun.status, gnu.status, `qrun ${args.join(' ')}: ${qrun.stderr}`);
  }

  it('the total is every combination, or --link pairs, or jobs of n arguments: halting where GNU parallel halts', async () => {
    await sameRun(['--halt', 'now,fail=50%', '{}', ':::', 'true', 'false', 'false', 'true']);
    await sameRun(['--halt', 'soon,fail=30%', 'echo {1}{2}; exit {2}', ':::', '0', '1', '2', '3', ':::', '0', '1']);
    await sameRun(['-n2', '--halt', 'now,fail=50%', 'sh', '-c', 'exit $1', 'x', ':::', '0', '0', '1', '1', '0', '0', '1', '1']);
    await sameRun(['--link', '--halt', 'now,fail=40%', 'echo {1}; exit {2}', ':::', 'a', 'b', 'c', 'd', 'e', ':::', '0', '1']);
    await sameRun(['--halt', 'now,success=50%', 'echo {}; exit {}', '::::', join(scratch, 'halt-codes.txt')]);
  });

  it('refused where the number of jobs is known only at the end: one line, exit 255', async () => {
    const pipe = await runQrun(['--halt', 'now,fail=10%', '--pipe', 'wc']);
    assert.equal(pipe.code, 255);
    assert.equal(pipe.stderr, 'qrun: --halt with a percentage needs the number of jobs up front; with --pipe it is known only at the end (give --halt a number instead); see qrun --help\n');
    // stdin as an input source is copied once, so it can be counted.
    const stdin = await runQrun(['-q', '--halt', 'now,fail=10%', 'echo', '::::', '-'], { input: 'a\n' });
    assert.equal(stdin.code, 0);
    assert.equal(stdin.stdout.toString(), 'a\n');
  });
});

describe("GNU parallel's environment for jobs", () => {
  it('$PARALLEL_SEQ and $PARALLEL_JOBSLOT as GNU parallel sets them', async () => {
    await same(['-N2', 'echo', 'seq:$PARALLEL_SEQ'], 'a\nb\nc\nd\n');
    await same(['-j1', 'echo', '$PARALLEL_SEQ $PARALLEL_JOBSLOT', ':::', 'a', 'b', 'c']);
    await same(['-j3', 'echo', '$PARALLEL_SEQ', ':::', 'a', 'b', 'c', 'd']);
  });

  it("$PARALLEL_PID is qrun's pid; $QRUN_SEQ and $QRUN_SLOT beside GNU's names", async () => {
    const child = new Qrun(['-j1', '-k', 'echo', '$PARALLEL_PID $QRUN_SEQ=$PARALLEL_SEQ $QRUN_SLOT=$PARALLEL_JOBSLOT', ':::', 'x', 'y']);
    const result = await child.done;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.toString(), `${child.child.pid} 1=1 1=1 x\n${child.child.pid} 2=2 1=1 y\n`);
  });
});

describe('--joblog +file (append, GNU parallel)', () => {
  /** The rows of a joblog without their start times and runtimes. */
  const rowsOf = (path: string): string[] => readFileSync(path, 'utf8').trimEnd().split('\n').map((row) => row.split('\t').filter((_, i) => i !== 2 && i !== 3).join('\t'));
  const qrunRun = (args: readonly string[]): Promise<Ran> => ran(process.execPath, [qrunBin, '-q', '-k', ...args], '', undefined);
  const gnuRun = (args: readonly string[]): Promise<Ran> => ran('parallel', ['--will-cite', '-k', ...args], '', undefined);

  it('rows appended run after run with no header, as GNU parallel; --resume reads it back', async () => {
    const dir = mkdtempSync(join(scratch, 'joblog-plus-'));
    for (const [tool, run] of [['qrun', qrunRun], ['gnu', gnuRun]] as const) {
      const log = join(dir, `${tool}.jl`);
      for (const words of [['a'], ['b', 'c']]) assert.equal((await run(['--joblog', `+${log}`, 'echo', ':::', ...words])).status, 0);
      // --resume with the appended log: seqs 1 and 2 have rows, so only the third job runs.
      const resumed = await run(['--joblog', `+${log}`, '--resume', 'echo', ':::', 'x', 'y', 'z']);
      assert.equal(resumed.stdout, 'z\n', tool);
    }
    assert.deepEqual(rowsOf(join(dir, 'qrun.jl')), rowsOf(join(dir, 'gnu.jl')));
    assert.equal(rowsOf(join(dir, 'qrun.jl')).length, 4, 'no header, four rows');
    assert.equal(existsSync(join(dir, '+qrun.jl')), false);
  });
});

describe('-j in GNU parallel forms', () => {
  it('+N, -N and N%: as many jobs at once as GNU parallel runs; 0: every job at once', async () => {
    // Jobs that overlap: the first ones start together, in slots 1..N, so the highest slot is N.
    // Long enough that GNU parallel, slow to start jobs on a busy machine, has them all running.
    const count = availableParallelism() + 2;
    const input = Array.from({ length: count }, (_, i) => `${i + 1}\n`).join('');
    const highest = (stdout: string): number => Math.max(...stdout.trim().split('\n').map((line) => Number(line.split(' ')[0])));
    for (const spec of ['+1', '-1', '50%']) {
      const { qrun, gnu } = await both(['-j', spec, 'sleep 1.5; echo $PARALLEL_JOBSLOT'], input);
      assert.equal(qrun.status, 0, qrun.stderr);
      assert.equal(highest(qrun.stdout), highest(gnu.stdout), `-j ${spec}`);
    }
    // GNU's -j 0 starts jobs as fast as it finds it can (a busy machine sees fewer at once): qrun
    // starts them all (up to its open-file limit).
    const all = await runQrun(['-j', '0', 'sleep 0.5; echo $PARALLEL_JOBSLOT'], { input });
    assert.equal(all.code, 0, all.stderr);
    assert.equal(highest(all.stdout.toString()), count);
  });
});

describe("GNU parallel's spellings", { concurrency: 4 }, () => {
  it('-u/--ungroup, --line-buffer/--lb, --group: the output modes, as GNU', async () => {
    for (const mode of [["-u"], ["--ungroup"], ["--line-buffer"], ["--lb"], ["--group"]]) await same([...mode, "-j1", 'echo {}; echo e{} >&2', ':::', 'a', 'b', 'c']);
    const clash = await runQrun(['-u', '--lb', 'true']);
    assert.equal(clash.code, 255);
    assert.equal(clash.stderr, 'qrun: --ungroup and --lb ask for different output modes; give one; see qrun --help\n');
  });

  it('--nice N: jobs run at that niceness (nice clamps it to 19), as GNU', async () => {
    await same(['--nice', '17', 'nice; echo {}', ':::', 'x']);
    await same(['--nice', '30', 'nice; echo {}', ':::', 'x']);
    const bad = await runQrun(['--nice', 'high', 'true']);
    assert.equal(bad.stderr, "qrun: --nice must be a whole number (a niceness, -20 to 19), got 'high'; see qrun --help\n");
  });

  it('--env NAME: the variable reaches the job (a name not set is left out), as GNU; --bar and --eta are --progress', async () => {
    const cwd = mkdtempSync(join(scratch, 'env-'));
    await same(['--env', 'HOME', '--env', 'NOT_SET_HERE', 'echo "$HOME:${NOT_SET_HERE-unset}"', ':::', 'x'], '', cwd);
    for (const progress of ['--bar', '--eta']) {
      const result = await runQrun([progress, 'echo', ':::', 'x']);
      assert.equal(result.code, 0);
      assert.equal(result.stdout.toString(), 'x\n');
    }
  });

  it('-v in line mode (ordered and tagged with the output) and ungrouped, as GNU', async () => {
    await same(['--lb', '--tag', '-v', 'echo {}; echo {}', ':::', 'a', 'b']);
    await same(['-u', '-v', 'echo {}', ':::', 'a']);
    await same(['-v', '--tagstring', 'x{#}', 'echo {}', ':::', 'a', 'b']);
  });

  it('--ctag and --ctagstring: the same colours byte for byte, in group and line mode (the whole table: unit-tested)', async () => {
    await same(['-j', '8', '--ctag', 'echo', ':::', ...Array.from({ length: 40 }, (_, i) => String(i))]);
    await same(['--ctagstring', 'x{}', 'echo {}; echo 2', ':::', 'a', 'b']);
    await same(['--ctag', '--lb', 'echo {}; echo {}', ':::', 'a', 'b']);
  });

  it('{##} (--plus) and total_jobs(): the number of jobs, known before the first starts, from stdin too; as GNU', async () => {
    await same(['--plus', 'echo', '{##}', '{#}', ':::', 'a', 'b', 'c']);
    await same(['--plus', 'echo', '{##}:{}'], '1\n2\n3\n4\n5\n');
    await same(['--plus', '-N2', 'echo', '{##}', '{}', ':::', 'a', 'b', 'c']);
    await same(['echo', '{= $_=total_jobs() =}', ':::', 'a', 'b', ':::', 'x', 'y']);
    const pipe = await runQrun(['--pipe', '--plus', 'echo {##}'], { input: 'a\n' });
    assert.equal(pipe.code, 255);
    assert.equal(pipe.stderr, 'qrun: {##} and total_jobs() need the number of jobs before the first starts; with --pipe it is known only at the end; see qrun --help\n');
  });

  it('bad values of the new spellings are one line naming the option, exit 255, no job run', async () => {
    for (const [args, message] of [
      [['-N', '1x'], "-N must be a whole number of 0 or more, got '1x'"],
      [['-s', '1q', '-m'], "-s must be a whole number of 1 or more, got '1q'"],
      [['--process-slot-var', '1x'], "--process-slot-var takes the name of an environment variable, got '1x'"],
      [['--jl', 'a', '--joblog', 'b'], '--jl is another name for --joblog; give one'],
      [['-P', '2', '-j', '3'], '--max-procs is another name for --jobs; give one'],
      [['--arg-sep', ',', '--arg-file-sep', ','], "--arg-sep and --arg-file-sep must be different words, both are ','"],
      [['-I', ''], "--replace must be a non-empty string, got ''"],
    ] as const) {
      const result = await runQrun([...args, 'echo', 'ran', ':::', 'x']);
      assert.equal(result.code, 255, args.join(' '));
      assert.equal(result.stderr, `qrun: ${message}; see qrun --help\n`);
      assert.equal(result.stdout.toString(), '');
    }
  });

  it('options qrun does not build are refused with the reason, never silently taken', async () => {
    for (const [args, reason] of [
      [['-k', '-a', '/dev/null', '--fg'], "--fg is for GNU parallel's sem, with sem's options only: qrun sem [--fg] [--id name] [-j n] command (or qrun --semaphore …)"],
      [['-a', '/dev/null', '--semaphore'], "--semaphore is for GNU parallel's sem, with sem's options only: qrun sem [--fg] [--id name] [-j n] command (or qrun --semaphore …)"],
    ] as const) {
      const result = await runQrun([...args, 'echo', ':::', 'x']);
      assert.equal(result.code, 255, args.join(' '));
      assert.equal(result.stderr, `qrun: ${reason}; see qrun --help\n`);
      assert.equal(result.stdout.toString(), '');
    }
    const perl = await runQrun(['--tagstring', '{= uc =}', 'echo', ':::', 'a']);
    assert.equal(perl.code, 255);
    assert.equal(perl.stderr, "qrun: {= perl expression =} works in the command, not in --tagstring or --results (got '{= uc =}'); see qrun --help\n");
  });

  it('--plus strings and --rpl: replacement strings in Perl, positional too, as GNU', async () => {
    const values = ['a/b/c.tar.gz', 'c.tar.gz', '/x/y.z', 'noext', 'dir/noext', 'a.b.c.d', '.hidden', 'a.b/c', 'sp ace.txt'];
    await same(['--plus', 'echo', '{+/},{+.},{+..},{+...},{..},{...},{/..},{/...}', ':::', ...values]);
    await same(['--plus', 'echo', '{2+.} {1..}', ':::', 'a.b.c', ':::', 'x.y']);
    await same(['--rpl', '{u} $_=uc($_)', '--rpl', '{r} $_ = reverse $_', 'echo', '{u} {2u} {1r}', ':::', 'ab', ':::', 'cd']);
    const bad = await runQrun(['--rpl', 'nocode', 'echo', ':::', 'a']);
    assert.equal(bad.stderr, "qrun: --rpl takes a tag such as {..} and a Perl expression, got 'nocode'; see qrun --help\n");
  });

  it('{= perl expression =} and {=N perl =}: run by the system perl, the result quoted, per argument; seq(), slot(), Q(), as GNU', async () => {
    await same(['echo', '{= $_ .= "x" =}', ':::', 'a', 'b c']);
    await same(['echo', '{= $_ = seq() =}-{}', ':::', 'a', 'b']);
    await same(['echo', '{=2 $_=uc($_) =}', ':::', 'a', ':::', 'b']);
    await same(['-N2', 'echo', '{= s/a/A/ =}', ':::', 'a', 'b', 'a', 'b']);
    await same(['echo', '{= $_ = Q($_) =}', ':::', 'a b', "it's"]);
    await same(['echo {= s/\\.[^.]+$// =} {}', ':::', 'x.tar.gz', 'noext']);
  });

  it("{= … =} that perl cannot compile is qrun's one-line error before any job (255), as GNU refuses it", async () => {
    const result = await runQrun(['echo', '{= $_ +=( =}', ':::', 'a']);
    assert.equal(result.code, 255);
    assert.match(result.stderr, /^qrun: \{= \$_ \+=\( =\}: perl cannot compile it: syntax error at \(eval 1\) line \d+, at EOF\n$/);
    assert.equal(result.stdout.toString(), '');
  });
});

describe('-j <file>', () => {
  it('the number of jobs at once is read from the file, as GNU; read again when it changes, as jobs complete', async () => {
    const dir = mkdtempSync(join(scratch, 'procfile-'));
    const procs = join(dir, 'procs');
    writeFileSync(procs, '2\n');
    await same(['-j', procs, 'echo {}', ':::', 'a', 'b', 'c']);
    // One at a time while the file says 1; once it says 3, as job 1 completes, three run in slots 1 to 3.
    // Each job waits for its own go file (or all): the test, not the machine's speed, decides when jobs end.
    writeFileSync(procs, '1\n');
    const slots = join(dir, 'slots');
    const go = (name: string): void => writeFileSync(join(dir, `go-${name}`), '');
    const run = new Qrun(['-j', procs, `echo {%} >> ${slots}; until [ -e ${dir}/go-{} ] || [ -e ${dir}/go-all ]; do sleep 0.02; done; true`, ':::', ...Array.from({ length: 6 }, (_, i) => String(i + 1))]);
    const lines = (): string[] => (existsSync(slots) ? readFileSync(slots, 'utf8').trim().split('\n') : []);
    const until = async (n: number): Promise<void> => {
      while (lines().length < n && run.child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 20));
    };
    try {
      await until(1);
      writeFileSync(procs, '3\n');
      go('1');
      await until(4);
      go('all');
      const result = await run.done;
      assert.equal(result.code, 0, result.stderr);
      const used = lines();
      assert.equal(used.length, 6);
      assert.equal(used[0], '1', 'job 1 alone while the file said 1');
      assert.deepEqual(used.slice(1, 4).sort(), ['1', '2', '3'], 'three at once once it said 3');
    } finally {
      go('all');
    }
  });

  it('a file that holds no -j form is refused before any job, naming it', async () => {
    const path = join(scratch, 'bad-procs');
    writeFileSync(path, 'lots\n');
    const result = await runQrun(['-j', path, 'echo', ':::', 'x']);
    assert.equal(result.code, 255);
    assert.equal(result.stderr, `qrun: -j '${path}' must hold a whole number of 1 or more, +N or -N (the CPUs plus or minus N), N% (of the CPUs) or 0 (as many as possible), got 'lots'; see qrun --help\n`);
  });
});
