#!/usr/bin/env node
// qrun's benchmark: times qrun against xargs, GNU parallel, moreutils parallel, a raw Node spawn
// pool and a C fork/exec loop, on the same inputs at the same concurrency, in one run.
// Writes bench/out/results.json; bench/report.mjs turns it into docs/bench.md and docs/bench.svg.
//   env: RUNS (default 5) timed runs per command, JOBS (8) concurrency,
//        WORKLOADS (comma-separated names, default all), ENDLESS_SECONDS (60)
// Needs: hyperfine, GNU parallel, moreutils, gcc, /usr/bin/time, redis-server (Debian: hyperfine parallel moreutils gcc time redis-server).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchFleet } from './fleet.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'bench', 'out');
const inputs = join(out, 'inputs');
mkdirSync(inputs, { recursive: true });
const RUNS = Number(process.env.RUNS ?? 5);
const J = Number(process.env.JOBS ?? 8);
const only = process.env.WORKLOADS ? new Set(process.env.WORKLOADS.split(',')) : undefined;
const endlessSeconds = Number(process.env.ENDLESS_SECONDS ?? 60);

for (const tool of ['hyperfine', 'parallel', 'parallel.moreutils', 'gcc', '/usr/bin/time', 'redis-server']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    console.error(`missing: ${tool} (apt-get install -y hyperfine parallel moreutils gcc time redis-server)`);
    process.exit(1);
  }
}
mkdirSync(join(process.env.HOME ?? '/root', '.parallel'), { recursive: true });
writeFileSync(join(process.env.HOME ?? '/root', '.parallel', 'will-cite'), '');
execFileSync('gcc', ['-O2', '-o', join(out, 'fork-floor'), join(root, 'bench', 'fork-floor.c')]);
if (!existsSync(join(root, 'dist', 'bundle', 'cli.mjs'))) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
if (!existsSync(join(root, 'native', 'bin', `qrun-spawn-linux-${process.arch}`))) {
  console.error('missing: the spawn helper (npm run build needs musl-gcc or gcc): qrun (group) would run on execa');
  process.exit(1);
}

const qrun = `node ${root}bin/qrun.js -c ${J} -q`;
/** Every tool reads job lines on stdin ({in}). qrun's default executor is the spawn helper (auto). */
const tools = {
  'qrun (group)': `${qrun} < {in}`,
  'qrun (line)': `${qrun} --output line < {in}`,
  'qrun (ungroup)': `${qrun} --output ungroup < {in}`,
  'qrun (--results x.json)': `rm -f ${out}/r.json; ${qrun} --results ${out}/r.json < {in}`,
  'qrun run() own streams': `node ${root}bench/library-run.mjs ${J} < {in}`,
  'qrun execa (group)': `${qrun} --executor execa < {in}`,
  'qrun execa (line)': `${qrun} --executor execa --output line < {in}`,
  'qrun execa (ungroup)': `${qrun} --executor execa --output ungroup < {in}`,
  'qrun execa (--results x.json)': `rm -f ${out}/r.json; ${qrun} --executor execa --results ${out}/r.json < {in}`,
  'xargs -P': `xargs -P ${J} -d '\\n' -n 1 sh -c < {in}`,
  'GNU parallel': `parallel --will-cite -j ${J} < {in}`,
  'GNU parallel -u': `parallel --will-cite -u -j ${J} < {in}`,
  'moreutils parallel': `xargs -d '\\n' parallel.moreutils -j ${J} -- < {in}`,
  'Node spawn pool': `node ${root}bench/spawn-pool.mjs ${J} < {in}`,
  'C fork/exec floor': `${out}/fork-floor ${J} < {in}`,
};
const all = Object.keys(tools);

const workloads = [
  { name: 'true', title: '2,000 × true', line: () => 'true', jobs: 2000, work: 0, tools: all },
  { name: 'echo', title: '2,000 × echo', line: (i) => `echo line-${i}`, jobs: 2000, work: 0, tools: all },
  { name: 'sleep', title: '500 × sleep 0.01', line: () => 'sleep 0.01', jobs: 500, work: 0.01, tools: all },
  { name: 'mb', title: '200 × 1 MB output', line: () => 'head -c 1000000 /dev/zero', jobs: 200, work: 0, tools: all.filter((t) => !t.includes('results')) },
  // Long (minutes per run): qrun against xargs only, no warm-up.
  { name: 'true100k', title: '100,000 × true (file)', line: () => 'true', jobs: 100_000, work: 0, tools: ['qrun (group)', 'qrun execa (group)', 'xargs -P'], warmup: 0 },
];

function inputFile(w) {
  const path = join(inputs, `${w.name}.txt`);
  const lines = [];
  for (let i = 1; i <= w.jobs; i++) lines.push(w.line(i));
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** Peak RSS in MB of one run of a shell command (output to /dev/null). */
function peakRss(command) {
  const r = spawnSync('/usr/bin/time', ['-f', '%M', 'sh', '-c', `${command} > /dev/null 2>&1`], { encoding: 'utf8' });
  return Number(r.stderr.trim().split('\n').at(-1)) / 1024;
}

const results = { machine: machine(), runs: RUNS, concurrency: J, date: new Date().toISOString(), workloads: [], special: {} };

function machine() {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${execFileSync('parallel', ['--version'], { encoding: 'utf8' }).split('\n')[0]}`;
}

for (const w of workloads) {
  if (only && !only.has(w.name)) continue;
  const file = inputFile(w);
  const json = join(out, `${w.name}.json`);
  // The 100,000-job input is read from a file with -a, as a user would pass a big job list.
  const commands = w.tools.map((t) => tools[t].replaceAll('{in}', file));
  console.error(`== ${w.title}: ${w.tools.length} tools × ${RUNS} runs`);
  execFileSync('hyperfine', ['-w', String(w.warmup ?? 1), '-r', String(RUNS), '-i', '--style', 'basic', '--export-json', json, ...commands], { stdio: ['ignore', 'ignore', 'inherit'] });
  const timed = JSON.parse(readFileSync(json, 'utf8')).results;
  const rows = w.tools.map((tool, i) => {
    const r = timed[i];
    return { tool, median: r.median, min: r.min, max: r.max, cpu: r.user + r.system, rssMb: peakRss(commands[i]) };
  });
  results.workloads.push({ name: w.name, title: w.title, jobs: w.jobs, work: w.work, rows });
}

// Start-up: one job.
if (!only || only.has('startup')) {
  console.error('== start-up');
  const json = join(out, 'startup.json');
  const commands = [`echo true | ${qrun}`, `echo true | ${qrun} --executor execa`, 'echo true | parallel --will-cite', 'node -e 0'];
  execFileSync('hyperfine', ['-w', '3', '-r', String(Math.max(RUNS, 10)), '--style', 'basic', '--export-json', json, ...commands], { stdio: ['ignore', 'ignore', 'inherit'] });
  const r = JSON.parse(readFileSync(json, 'utf8')).results;
  results.special.startup = { qrun: r[0].median, qrunExeca: r[1].median, parallel: r[2].median, node: r[3].median };
}

/** Runs a shell pipeline once under /usr/bin/time; returns wall seconds, qrun's peak RSS and stdout. */
function timed(command, env = {}) {
  const started = performance.now();
  const r = spawnSync('sh', ['-c', command], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 20 });
  const wall = (performance.now() - started) / 1000;
  const rss = Number(/rss=(\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024;
  return { wall, rssMb: rss, stdout: r.stdout.trim(), status: r.status };
}

// One job printing 1 GB, group mode, against the job writing straight into the pipe.
if (!only || only.has('gb')) {
  console.error('== 1 GB from one job');
  const tmp = mkdtempSync(join(tmpdir(), 'qrun-bench-'));
  const job = 'head -c 1000000000 /dev/zero';
  const runs = [];
  for (let i = 0; i < Math.min(RUNS, 3); i++) {
    const direct = timed(`sh -c '${job}' | wc -c`);
    const viaQrun = timed(`echo '${job}' | /usr/bin/time -f rss=%M ${qrun} | wc -c`, { TMPDIR: tmp });
    runs.push({ direct: direct.wall, qrun: viaQrun.wall, rssMb: viaQrun.rssMb, bytes: Number(viaQrun.stdout) });
  }
  const leftover = readdirSync(tmp);
  rmSync(tmp, { recursive: true, force: true });
  results.special.gb = { runs, spillLeftover: leftover.length };
}

// -k with a slow first job and 10,000 fast ones.
if (!only || only.has('keeporder')) {
  console.error('== -k: slow first job, then 10,000 fast ones');
  const file = join(inputs, 'keeporder.txt');
  writeFileSync(file, `sleep 2; echo first\n${Array.from({ length: 10_000 }, (_, i) => `echo fast-${i}`).join('\n')}\n`);
  const runs = [];
  for (let i = 0; i < Math.min(RUNS, 3); i++) {
    const ordered = timed(`/usr/bin/time -f rss=%M ${qrun} -k < ${file} | wc -l`);
    const plain = timed(`/usr/bin/time -f rss=%M ${qrun} < ${file} | wc -l`);
    runs.push({ keepOrder: ordered.wall, plain: plain.wall, rssMb: ordered.rssMb, lines: Number(ordered.stdout) });
  }
  results.special.keepOrder = { runs };
}

// Endless input: `yes true | qrun` for a while, RSS sampled every second.
if (!only || only.has('endless')) {
  console.error(`== endless input for ${endlessSeconds} s`);
  const samples = await endless(endlessSeconds);
  results.special.endless = { seconds: endlessSeconds, samples };
}

function endless(seconds) {
  return new Promise((resolve) => {
    const yes = spawn('yes', ['true'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const child = spawn('node', [join(root, 'bin', 'qrun.js'), '-c', String(J), '-q'], { stdio: [yes.stdout, 'ignore', 'ignore'] });
    const samples = [];
    const timer = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        samples.push(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
      } catch {
        // exited
      }
      if (samples.length >= seconds) {
        clearInterval(timer);
        child.kill('SIGINT');
        yes.kill();
      }
    }, 1000);
    child.on('close', () => resolve(samples));
  });
}

// --pipe and --pipe-part: 1 GB of lines into `wc -l` jobs, qrun against GNU parallel, runs interleaved.
if (!only || only.has('pipe')) {
  console.error('== 1 GB of lines through --pipe and --pipe-part into wc -l');
  const file = join(inputs, 'lines-1gb.txt');
  const lines = 118_000_000;
  if (!existsSync(file)) execFileSync('sh', ['-c', `seq 1 ${lines} > ${file}`]);
  const bytes = Number(execFileSync('stat', ['-c', '%s', file], { encoding: 'utf8' }));
  const commands = {
    'qrun --pipe': `cat ${file} | /usr/bin/time -f rss=%M ${qrun} --pipe --block 1M wc -l`,
    'GNU parallel --pipe': `cat ${file} | /usr/bin/time -f rss=%M parallel --will-cite -j ${J} --pipe --block 1M wc -l`,
    'qrun --pipe-part': `/usr/bin/time -f rss=%M ${qrun} --pipe-part -a ${file} --block 1M wc -l`,
    'GNU parallel --pipe-part': `/usr/bin/time -f rss=%M parallel --will-cite -j ${J} --pipe-part -a ${file} --block 1M wc -l`,
  };
  const runs = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const [name, command] of Object.entries(commands)) {
      const r = timed(`${command} | awk '{ n += $1 } END { print n }'`);
      // Every line counted once: a wrong cut would lose or repeat some.
      if (Number(r.stdout) !== lines) throw new Error(`${name}: counted ${r.stdout} lines, not ${lines}`);
      runs[name].push({ wall: r.wall, rssMb: r.rssMb });
    }
  }
  results.special.pipe = { bytes, lines, runs };
}

// Fleet mode: submitter + 2 workers × -c 4 + redis-server on this machine, against local -c 8.
if (!only || only.has('fleet')) {
  console.error('== fleet mode (redis-server, 2 workers × 4)');
  results.special.fleet = await benchFleet({ runs: RUNS });
}

writeFileSync(join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.error(`wrote ${join(out, 'results.json')}`);
