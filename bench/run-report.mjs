#!/usr/bin/env node
// The run report at scale: a 100,000-job joblog made into a page (`qrun report`, timed by
// hyperfine beside `wc -l` of the same file, a floor for reading it), the page's size, and its
// render in headless Chromium (the page's own clock, from its script's start to the last chart
// drawn). Writes docs/bench-run-report.md and docs/report.png (the README's picture: the report
// of a real run of 400 jobs with failures).
//   env: RUNS (default 10) timed runs; JOBS (default 100000).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'bench', 'out');
mkdirSync(out, { recursive: true });
const runs = Number(process.env.RUNS ?? 10);
const jobs = Number(process.env.JOBS ?? 100_000);
for (const tool of ['hyperfine', 'chromium']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    console.error(`missing: ${tool} (apt-get install -y ${tool})`);
    process.exit(1);
  }
}
const scratch = mkdtempSync(join(tmpdir(), 'qrun-bench-report-'));
try {
  // A run shaped like a real one: 16 slots, log-normal run times, a long tail at the end, 0.3% failures.
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const slots = new Array(16).fill(1_764_000_000);
  const rows = ['Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand'];
  for (let seq = 1; seq <= jobs; seq++) {
    let slot = 0;
    for (let s = 1; s < slots.length; s++) if (slots[s] < slots[slot]) slot = s;
    const start = slots[slot] + random() * 0.002;
    const normal = Math.sqrt(-2 * Math.log(random() || 1e-9)) * Math.cos(2 * Math.PI * random());
    const runtime = Math.exp(-2.5 + 0.8 * normal) * (seq > jobs - 20 ? 200 : 1);
    slots[slot] = start + runtime;
    const failed = random() < 0.003;
    rows.push(`${seq}\t:\t${start.toFixed(3)}\t${runtime.toFixed(3).padStart(10)}\t0\t${Math.floor(random() * 4096)}\t${failed ? 1 : 0}\t0\t./process-shard.sh shard-${String(seq).padStart(6, '0')}.parquet`);
  }
  const joblog = join(scratch, 'run.log');
  writeFileSync(joblog, `${rows.join('\n')}\n`);
  const page = join(scratch, 'report.html');
  const json = join(out, 'report.json');
  execFileSync('hyperfine', ['-N', '-w', '2', '-r', String(runs), '--style', 'basic', '--export-json', json, `node ${root}bin/qrun.js report ${joblog} -o ${page}`, `wc -l ${joblog}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  const [report, floor] = JSON.parse(readFileSync(json, 'utf8')).results;
  const size = statSync(page).size;
  const renders = [];
  for (let i = 0; i < 5; i++) {
    const profile = mkdtempSync(join(scratch, 'chromium-'));
    const dom = execFileSync('chromium', ['--headless', '--no-sandbox', '--disable-gpu', `--user-data-dir=${profile}`, '--window-size=1280,1400', '--dump-dom', `file://${page}`], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
    renders.push(Number(/data-render-ms="(\d+)"/.exec(dom)?.[1]));
  }
  renders.sort((a, b) => a - b);
  const median = renders[Math.floor(renders.length / 2)];
  // The README's picture: a real run, 400 jobs of the same shape through qrun -j 16 (run times a
  // tenth of the big joblog's, a few failures, a long tail), reported with its --log-file.
  const jobsFile = join(scratch, 'jobs.txt');
  const commands = [];
  for (let seq = 1; seq <= 400; seq++) {
    const normal = Math.sqrt(-2 * Math.log(random() || 1e-9)) * Math.cos(2 * Math.PI * random());
    const seconds = Math.min(3, Math.exp(-3 + 0.7 * normal) * (seq > 390 ? 25 : 1));
    commands.push(`sleep ${seconds.toFixed(3)}${random() < 0.01 ? '; exit 3' : ''}`);
  }
  writeFileSync(jobsFile, `${commands.join('\n')}\n`);
  const small = join(scratch, 'small.log');
  const smallLog = join(scratch, 'small.jsonl');
  spawnSync('node', [`${root}bin/qrun.js`, '-j', '16', '-q', '--joblog', small, '--log-file', smallLog, '-a', jobsFile], { stdio: 'ignore' });
  execFileSync('node', [`${root}bin/qrun.js`, 'report', small, smallLog, '-o', join(scratch, 'small.html'), '--title', 'qrun report: 400 jobs, -j 16 (qrun -j 16 --joblog run.log --log-file run.jsonl -a jobs.txt)']);
  const profile = mkdtempSync(join(scratch, 'chromium-'));
  execFileSync('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--user-data-dir=${profile}`, '--window-size=1280,1400', `--screenshot=${join(root, 'docs', 'report.png')}`, `file://${join(scratch, 'small.html')}`], { stdio: 'ignore' });
  const s = (seconds) => `${(seconds * 1000).toFixed(0)} ms`;
  const lines = [
    '# The run report at scale',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model.trim() ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; a`,
    `${jobs.toLocaleString('en')}-job joblog (${(statSync(joblog).size / 2 ** 20).toFixed(1)} MiB, 16 slots, log-normal run times, 0.3% failures). Reproduce: \`node bench/run-report.mjs\`.`,
    '',
    '| what | median | target |',
    '| --- | ---: | ---: |',
    `| \`qrun report run.log -o report.html\` (${runs} runs after 2 warm-ups, hyperfine) | ${s(report.median)} | ≤ 3 s |`,
    `| \`wc -l run.log\`, the same file (a floor for reading it) | ${s(floor.median)} | |`,
    `| the page's size | ${(size / 2 ** 20).toFixed(2)} MiB | ≤ 10 MB |`,
    `| render in headless Chromium (the page's clock: script start to last chart; 5 loads, min ${renders[0]} / max ${renders[renders.length - 1]} ms) | ${median} ms | ≤ 2 s |`,
    '',
  ];
  writeFileSync(join(root, 'docs', 'bench-run-report.md'), lines.join('\n'));
  console.error(`wrote ${join(root, 'docs', 'bench-run-report.md')} and docs/report.png`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
