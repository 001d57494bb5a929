// End to end: what a person at a terminal, a CI log and a cron mail see (summary, notices,
// --grace, -q/--silent, --lock, GitHub annotations, queue metrics, help, completions).

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Qrun, baseEnv, liveProcesses, qrunBin, root, runQrun, track, uniqueSleep } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'qrun-e2e-op-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const esc = String.fromCharCode(27);

/** Runs a shell command line on a pseudo-terminal (`script`); returns everything the terminal showed. */
function onTerminal(command: string, env: NodeJS.ProcessEnv = {}, stdin?: string): { status: number | null; screen: string } {
  // CI unset, not empty: the spinner's colour library reads any CI variable as a CI log.
  const outsideCi: NodeJS.ProcessEnv = { ...baseEnv, TERM: 'xterm', ...env };
  delete outsideCi.CI;
  const result = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: root, encoding: 'utf8', timeout: 30_000, input: stdin, env: outsideCi });
  return { status: result.status, screen: result.stdout };
}

describe('summary', () => {
  it('counts add up as read; timed-out and signalled jobs are listed first; the rest are in the joblog', async () => {
    const joblog = join(scratch, 'summary.log');
    const input = ['exit 1', 'exit 2', 'kill -9 $$', 'exit 4', 'sleep 30', 'exit 6', 'exit 7', 'true', 'true', 'true'].join('\n');
    const result = await runQrun(['-c', '10', '-t', '2s', '--kill-after', '200ms', '--joblog', joblog], { input });
    assert.equal(result.code, 7);
    const lines = result.stderr.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^qrun: 10 jobs in \S+: 3 succeeded, 7 failed \(1 timed out\), 0 not started$/);
    assert.match(lines[1] ?? '', /^ {2}failed #5, timed out \(SIGTERM\): sleep 30$/);
    assert.match(lines[2] ?? '', /^ {2}failed #3, signal SIGKILL: kill -9 \$\$$/);
    assert.match(lines[3] ?? '', /^ {2}failed #\d, exit \d: exit \d$/);
    assert.equal(lines[6], `  ... and 2 more failed: every failed job is in --joblog ${joblog}`);
    assert.ok(!result.stderr.includes(esc), 'no colour off a terminal');
  });

  it('without a joblog, says how to get every failed job', async () => {
    const result = await runQrun(['-c', '2'], { input: 'exit 1\n'.repeat(7) });
    assert.match(result.stderr, /\.\.\. and 2 more failed \(--joblog <file> or --summary-json <file> lists them\)\n$/);
  });

  it('red and green with FORCE_COLOR, none with NO_COLOR', async () => {
    const forced = await runQrun([], { input: 'true\nexit 3\n', env: { FORCE_COLOR: '1' } });
    assert.ok(forced.stderr.includes(`${esc}[32m1 succeeded${esc}[39m`), forced.stderr);
    assert.ok(forced.stderr.includes(`${esc}[31m1 failed${esc}[39m`), forced.stderr);
    const plain = await runQrun([], { input: 'true\nexit 3\n', env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    assert.ok(!plain.stderr.includes(esc), plain.stderr);
  });
});

describe('cron: -q and --silent', () => {
  it('-q: nothing on success; the summary (and labelled stderr) on failure', async () => {
    const ok = await runQrun(['-q'], { input: 'echo fine\n' });
    assert.equal(ok.code, 0);
    assert.equal(ok.stderr, '');
    assert.equal(ok.stdout.toString(), 'fine\n');
    const failed = await runQrun(['-q', '-c', '1'], { input: 'echo oops >&2; exit 3\necho quiet-failure; exit 4\ntrue\n' });
    assert.equal(failed.code, 2);
    assert.equal(
      failed.stderr.split('\n').slice(0, 3).join('\n'),
      'qrun: job #1 failed, exit 3: echo oops >&2; exit 3; its stderr:\noops\nqrun: 3 jobs in ' + /in (\S+):/.exec(failed.stderr)?.[1] + ': 1 succeeded, 2 failed, 0 not started',
    );
    // A failed job that wrote nothing on stderr gets no label.
    assert.doesNotMatch(failed.stderr, /job #2 failed.*its stderr/);
  });

  it('--silent: no summary, no label, no notice, even on failure; the exit status still tells', async () => {
    const result = await runQrun(['--silent'], { input: 'echo oops >&2; exit 3\n' });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'oops\n');
  });
});

describe('--grace and the stop notice', () => {
  it('first SIGINT: says at once what happens; after --grace the running job is terminated', async () => {
    const sleep = uniqueSleep();
    const qrun = new Qrun(['-c', '1', '--grace', '1s', '--kill-after', '200ms'], { input: `echo started; sleep ${sleep}\necho never\n`, limitMs: 20_000 });
    await qrun.waitFor(() => liveProcesses(sleep).length > 0, 'the job to start');
    qrun.kill('SIGINT');
    await qrun.waitFor((_, err) => err.includes('stopping'), 'the stop notice');
    assert.match(qrun.stderr, /^qrun: SIGINT: stopping; no new jobs; 1 running job gets 1s to finish \(Ctrl-C again kills them now\)$/m);
    const result = await qrun.done;
    assert.equal(result.signal, 'SIGINT');
    assert.match(result.stderr, /^qrun: --grace 1s is over: terminating 1 running job$/m);
    assert.match(result.stderr, /interrupted by SIGINT: 2 jobs in \S+: 0 succeeded, 1 failed \(1 canceled\), 1 not started/);
    assert.equal(result.stdout.toString(), 'started\n');
    assert.deepEqual(liveProcesses(sleep), []);
  });

  it('default grace (5s): one SIGTERM, as `timeout` or a container stop sends, ends a long job', async () => {
    const sleep = uniqueSleep();
    const qrun = new Qrun(['-c', '1', '--kill-after', '200ms', '--log-file', join(scratch, 'grace.ndjson')], { input: `sleep ${sleep}\n`, limitMs: 30_000 });
    await qrun.waitFor(() => liveProcesses(sleep).length > 0, 'the job to start');
    qrun.kill('SIGTERM');
    const result = await qrun.done;
    assert.equal(result.signal, 'SIGTERM');
    assert.match(result.stderr, /^qrun: SIGTERM: stopping; no new jobs; 1 running job gets 5s to finish \(SIGTERM again kills them now\)$/m);
    assert.match(result.stderr, /--grace 5s is over: terminating 1 running job/);
    // qrun's own record: the kill phase came from the grace, about 5 s after the stop.
    const phases = readFileSync(join(scratch, 'grace.ndjson'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { msg: string; time: number; reason?: string });
    const stop = phases.find((p) => p.msg === 'shutdown: stop');
    const kill = phases.find((p) => p.msg === 'shutdown: kill');
    assert.equal(kill?.reason, 'grace');
    assert.ok(stop && kill && kill.time - stop.time >= 4900, `stop ${stop?.time} kill ${kill?.time}`);
    assert.deepEqual(liveProcesses(sleep), []);
  });

  it('--grace unlimited: the running job finishes by itself; --grace 0: it is terminated at once', async () => {
    const patient = new Qrun(['-c', '1', '--grace', 'unlimited', '--output', 'line'], { input: 'echo go; sleep 1; echo finished\n', limitMs: 20_000 });
    await patient.waitFor((out) => out.includes('go'), 'the job to start');
    patient.kill('SIGINT');
    const a = await patient.done;
    assert.equal(a.stdout.toString(), 'go\nfinished\n');
    assert.match(a.stderr, /1 running job may finish \(Ctrl-C again kills them now\)/);
    assert.match(a.stderr, /1 succeeded, 0 failed, 0 not started/);

    const sleep = uniqueSleep();
    const now = new Qrun(['-c', '1', '--grace', '0', '--output', 'line'], { input: `echo go; sleep ${sleep}\n`, limitMs: 20_000 });
    await now.waitFor((out) => out.includes('go'), 'the job to start');
    now.kill('SIGINT');
    const b = await now.done;
    assert.match(b.stderr, /1 running job is terminated now\n/);
    assert.match(b.stderr, /1 failed \(1 canceled\)/);
    assert.deepEqual(liveProcesses(sleep), []);
  });
});

describe('at a terminal', () => {
  it('the progress line shows a bar, done/total and an ETA when the input is a file', () => {
    const jobs = join(scratch, 'four.txt');
    writeFileSync(jobs, 'sleep 0.4\n'.repeat(4));
    for (const input of [`-a ${jobs}`, `< ${jobs}`]) {
      const { status, screen } = onTerminal(`stty cols 120 rows 30; node ${qrunBin} -c 1 ${input}`);
      assert.equal(status, 0, screen);
      assert.match(screen, /\[#*-*\] \d+% [0-3]\/4 done, 1 running, 0:0\d/, input);
      assert.match(screen, /[1-3]\/4 done, 1 running, 0:0\d, ETA 0:0\d/, input);
      assert.match(screen, new RegExp(`${esc}\\[36m`), 'the spinner is cyan by default');
    }
  });

  it('without a known total: done, running, read ahead, elapsed, rate; NO_COLOR: no colour; TERM=dumb: no line', () => {
    const plain = onTerminal(`stty cols 120 rows 30; printf 'sleep 0.5\\n' | node ${qrunBin}`, { NO_COLOR: '1' });
    assert.match(plain.screen, /0 done, 1 running, 0 read ahead, \d+:\d\d, 0\.0 jobs\/s/);
    assert.ok(!plain.screen.includes(`${esc}[3`), 'no colour at all');
    const dumb = onTerminal(`stty cols 120 rows 30; printf 'sleep 0.5\\n' | node ${qrunBin}`, { TERM: 'dumb' });
    assert.doesNotMatch(dumb.screen, /running/);
    assert.match(dumb.screen, /1 succeeded/);
  });

  it('records typed at the terminal: says how to end them, and shows no spinner before they end', () => {
    const { status, screen } = onTerminal(`stty cols 120 rows 30; node ${qrunBin} -c 2`, {}, 'echo typed\n');
    assert.equal(status, 0);
    assert.match(screen, /qrun: reading job records from the terminal, one per line; end with Ctrl-D/);
    const notice = screen.indexOf('reading job records');
    const typedOutput = screen.indexOf('typed\r\n', screen.indexOf('echo typed') + 10);
    assert.ok(typedOutput > notice);
    assert.doesNotMatch(screen.slice(0, screen.indexOf('echo typed') + 10), /running|starting/);
  });

  it('the first Ctrl-C turns the status line into the stop state', () => {
    const sleep = uniqueSleep();
    const started = join(scratch, `started-${sleep}`);
    // The signal goes once the job runs (however slow the machine), and the grace outlasts a few refreshes.
    const command = `stty cols 140 rows 30; printf 'touch ${started}; sleep ${sleep}\\n' > ${scratch}/one.txt; node ${qrunBin} --grace 2s --kill-after 100ms -a ${scratch}/one.txt & pid=$!; until [ -e ${started} ]; do sleep 0.05; done; sleep 0.5; kill -INT $pid; wait $pid`;
    const { screen } = onTerminal(command);
    assert.match(screen, /stopping \(SIGINT\): 1 running, killed in 0:0[12]; Ctrl-C again kills them now; 0 done/);
    assert.deepEqual(liveProcesses(sleep), []);
  });
});

describe('--lock', () => {
  it('a second qrun on the same lock exits 254 with one line and runs nothing; --lock-wait waits its turn', async () => {
    const lock = join(scratch, 'cron.lock');
    const marker = join(scratch, 'second-ran');
    // Held long enough for a second qrun to start even on a busy machine.
    const first = new Qrun(['--lock', lock, '--output', 'line'], { input: 'echo holding; sleep 5\n', limitMs: 30_000 });
    await first.waitFor((out) => out.includes('holding'), 'the first run to hold the lock');
    const second = await runQrun(['--lock', lock], { input: `touch ${marker}\n` });
    assert.equal(second.code, 254);
    assert.equal(second.stderr, `qrun: another process holds --lock '${lock}': not started\n`);
    assert.equal(existsSync(marker), false);
    const third = await runQrun(['--lock', lock, '--lock-wait', '20s'], { input: `touch ${marker}\n` });
    assert.equal(third.code, 0, third.stderr);
    assert.equal(existsSync(marker), true);
    assert.equal((await first.done).code, 0);
  });

  it('an existing lock file (as flock -n leaves it) is taken at once; a flock(1) holder of the same path is waited for', async () => {
    const lock = join(scratch, 'sync.lock');
    writeFileSync(lock, '');
    const free = await runQrun(['-q', '--lock', lock], { input: 'echo ran\n' });
    assert.equal(free.code, 0, free.stderr);
    assert.equal(free.stdout.toString(), 'ran\n');
    assert.equal(free.stderr, '');
    // A cron script's `flock sync.lock cmd` holds it: qrun refuses, as a second flock -n would.
    const holder = track(spawn('flock', [lock, 'sh', '-c', 'echo held; sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] }), 60_000);
    await new Promise((resolve) => holder.stdout.once('data', resolve));
    const refused = await runQrun(['--lock', lock], { input: 'echo ran\n' });
    assert.equal(refused.code, 254);
    assert.equal(refused.stderr, `qrun: another process holds --lock '${lock}': not started\n`);
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.on('close', resolve));
    const after = await runQrun(['-q', '--lock', lock], { input: 'echo ran\n' });
    assert.equal(after.code, 0, after.stderr);
  });

  it('a FIFO as the lock is refused with one line', async () => {
    const fifo = join(scratch, 'lock.fifo');
    spawnSync('mkfifo', [fifo]);
    const result = await runQrun(['--lock', fifo], { input: 'echo ran\n' });
    assert.equal(result.code, 255);
    assert.equal(result.stderr, `qrun: --lock '${fifo}' cannot be taken: it is a FIFO; give a file path\n`);
  });

  it('a stale lock (its holder died without letting go) is taken over', async () => {
    const lock = join(scratch, 'stale.lock');
    mkdirSync(lock);
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    const result = await runQrun(['--lock', lock], { input: 'echo ran\n' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.toString(), 'ran\n');
  });
});

describe('GitHub Actions', () => {
  it('GITHUB_ACTIONS=true: an ::error:: line per failed job, escaped; --annotate none turns it off', async () => {
    const input = 'true\nprintf "50%%"; exit 3\n';
    const result = await runQrun(['-c', '1'], { input, env: { GITHUB_ACTIONS: 'true' } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^::error title=qrun job #2 failed \(exit 3\)::exit 3: printf "50%25%25"; exit 3$/m);
    assert.equal(result.stderr.match(/::error/g)?.length, 1);
    const off = await runQrun(['--annotate', 'none'], { input, env: { GITHUB_ACTIONS: 'true' } });
    assert.doesNotMatch(off.stderr, /::error/);
  });

  it('GITHUB_STEP_SUMMARY: the counts and the first 20 failed jobs appended as Markdown, escaped', async () => {
    const file = join(scratch, 'step-summary.md');
    writeFileSync(file, '# an earlier step\n');
    // 25 failures (listed in the order they failed: the timeout, a second in, is past the first 20), one with Markdown and HTML in its command; a success.
    const input = ['true', 'echo "<b>x</b> | y"; exit 7', 'sleep 5', ...Array.from({ length: 23 }, (_, i) => `exit ${i + 10}`)].join('\n');
    const result = await runQrun(['-c', '4', '--timeout', '1'], { input, env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: file } });
    assert.equal(result.code, 25);
    const text = readFileSync(file, 'utf8');
    assert.ok(text.startsWith('# an earlier step\n### qrun: 26 jobs in '), text);
    assert.match(text, /, exit 25\n/);
    assert.match(text, /^\| 1 \| 25 \| 1 \| 0 \| 0 \| 0 \|$/m);
    assert.match(text, /^\| #2 \| exit 7 \| <code>echo "&lt;b&gt;x&lt;\/b&gt; \\\| y"; exit 7<\/code> \|$/m);
    assert.equal(text.match(/^\| #\d+ \|/gm)?.length, 20, 'the first 20 failures');
    assert.match(text, /^…and 5 more failed jobs/m);
    assert.doesNotMatch(text, /<b>/, 'no markup of a command gets through');
  });

  it('GITHUB_STEP_SUMMARY: not written with --annotate none; unwritable: one warning, the exit status unchanged', async () => {
    const file = join(scratch, 'not-written.md');
    const off = await runQrun(['--annotate', 'none'], { input: 'true\n', env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: file } });
    assert.equal(off.code, 0);
    assert.equal(existsSync(file), false);
    const bad = await runQrun([], { input: 'true\n', env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: join(scratch, 'no-such-dir', 'summary.md') } });
    assert.equal(bad.code, 0);
    assert.match(bad.stderr, /^qrun: warning: cannot append the job summary to GITHUB_STEP_SUMMARY '.*no-such-dir\/summary\.md': ENOENT$/m);
  });

  it('--annotate github-group: each job output in a ::group:: named by the job', async () => {
    const result = await runQrun(['-c', '1', '--annotate', 'github-group'], { input: 'echo one\necho two; exit 2\n' });
    assert.equal(result.stdout.toString(), '::group::#1 echo one\none\n::endgroup::\n::group::#2 echo two; exit 2 (exit 2)\ntwo\n::endgroup::\n');
    assert.match(result.stderr, /^::error title=qrun job #2 failed \(exit 2\)::exit 2: echo two; exit 2$/m);
  });
});

describe('queue metrics', () => {
  it('a slow producer: workers mostly idle waiting for input', async () => {
    const summary = join(scratch, 'slow-input.json');
    const child = track(spawn(process.execPath, [qrunBin, '-c', '4', '--summary-json', summary, '--log-level', 'debug'], { cwd: root, env: { ...baseEnv, CI: 'true' } }), 30_000);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Each record goes only once the one before has run, however slowly qrun started: the
    // workers then wait for input between them.
    for (let i = 0; i < 5; i++) {
      const ran = join(scratch, `slow-input-${i}`);
      child.stdin.write(`touch ${ran}\n`);
      while (!existsSync(ran)) await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    child.stdin.end();
    await new Promise((resolve) => child.on('close', resolve));
    const queue = (JSON.parse(readFileSync(summary, 'utf8')) as { queue: { workerIdleRatio: number; producerWaitMs: number; workers: number } }).queue;
    assert.equal(queue.workers, 4);
    assert.ok(queue.workerIdleRatio > 0.5, JSON.stringify(queue));
    assert.match(stderr, /^ {2}queue: workers idle \d+% waiting for input, .*: the input is the bottleneck$/m);
  });

  it('slow jobs: the producer waits for room; --metrics-file and --log-file get the metrics', async () => {
    const metrics = join(scratch, 'nightly.prom');
    const log = join(scratch, 'metrics.ndjson');
    const result = await runQrun(['-c', '1', '--queue-size', '1', '--summary-json', '-', '--metrics-file', metrics, '--log-file', log], { input: 'sleep 0.3\n'.repeat(5) });
    assert.equal(result.code, 0);
    const queue = (JSON.parse(result.stdout.toString()) as { queue: { producerWaitMs: number; workerIdleRatio: number; maxQueueDepth: number; queueCapacity: number } }).queue;
    assert.ok(queue.producerWaitMs >= 500, JSON.stringify(queue));
    assert.ok(queue.workerIdleRatio < 0.5, JSON.stringify(queue));
    assert.equal(queue.queueCapacity, 1);
    const text = readFileSync(metrics, 'utf8');
    assert.match(text, /^qrun_jobs\{run="nightly",state="succeeded"\} 5$/m);
    assert.match(text, /^qrun_running\{run="nightly"\} 0$/m);
    assert.match(text, /^qrun_exit_code\{run="nightly"\} 0$/m);
    assert.match(text, /^# TYPE qrun_producer_wait_seconds gauge$/m);
    assert.ok(text.endsWith('# EOF\n'));
    const records = readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { msg: string; metrics?: { queueDepth: number; running: number } });
    const samples = records.filter((record) => record.msg === 'metrics');
    assert.ok(samples.length >= 2, `${samples.length} metrics records`);
    assert.ok(samples.every((sample) => typeof sample.metrics?.queueDepth === 'number' && typeof sample.metrics.running === 'number'));
  });

  it('an unwritable --metrics-file refuses to start, with one line', async () => {
    const result = await runQrun(['--metrics-file', '/no/such/dir/m.prom'], { input: `touch ${scratch}/metrics-ran\n` });
    assert.equal(result.code, 255);
    assert.match(result.stderr, /^qrun: --metrics-file '\/no\/such\/dir\/m.prom' cannot be written: ENOENT\n$/);
    assert.equal(existsSync(join(scratch, 'metrics-ran')), false);
  });
});

describe('help, man page and completions', () => {
  it('--help fits 80 columns and groups the options by concern', async () => {
    const result = await runQrun(['--help'], { env: { COLUMNS: '200' } });
    const text = result.stdout.toString();
    for (const line of text.split('\n')) assert.ok(line.length <= 80, `too wide: ${line}`);
    const headings = text.split('\n').filter((line) => /^[A-Z][A-Za-z ,()`]+:$/.test(line) || /^Fleet/.test(line));
    assert.deepEqual(headings.slice(0, 6).map((h) => h.replace(/ \(.*/, '')), ['Arguments:', 'Options:', 'Input:', 'Running:', 'Output:', 'Job control:']);
    assert.match(text, /^Progress, summary and logging:$/m);
  });

  it('the man page is generated from the same options', () => {
    const page = readFileSync(join(root, 'dist/man/qrun.1'), 'utf8');
    assert.match(page, /^\.TH QRUN 1/);
    for (const flag of ['concurrency', 'grace', 'lock\\\\-wait', 'metrics\\\\-file', 'annotate']) assert.match(page, new RegExp(`\\\\-\\\\-${flag}`));
    const man = spawnSync('man', ['-l', join(root, 'dist/man/qrun.1')], { encoding: 'utf8', env: { ...baseEnv, MANWIDTH: '80' } });
    if (man.error === undefined) assert.match(man.stdout, /--grace <duration>/);
  });

  it('qrun completion bash completes options and their values; zsh and fish scripts name every option', async () => {
    const bash = (await runQrun(['completion', 'bash'])).stdout.toString();
    const file = join(scratch, 'qrun.bash');
    writeFileSync(file, bash);
    const probe = (words: string) => spawnSync('bash', ['-c', `source ${file}; COMP_WORDS=(${words}); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _qrun; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' }).stdout;
    assert.equal(probe('qrun --conc'), '--concurrency\n');
    assert.equal(probe('qrun --output li'), 'line\n');
    assert.equal(probe('qrun --annotate git'), 'github\ngithub-group\n');
    for (const shell of ['zsh', 'fish']) {
      const text = (await runQrun(['completion', shell])).stdout.toString();
      for (const flag of ['concurrency', 'grace', 'lock-wait', 'summary-json', 'metrics-file']) assert.ok(text.includes(flag), `${shell}: ${flag}`);
    }
    const bad = await runQrun(['completion', 'tcsh']);
    assert.equal(bad.code, 255);
    assert.equal(bad.stderr, "qrun: qrun completion needs a shell: bash, zsh or fish, got 'tcsh'\n");
  });
});
