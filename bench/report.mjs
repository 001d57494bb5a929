#!/usr/bin/env node
// bench/out/results.json -> docs/bench.md (tables) and docs/bench.svg (chart of ratios to xargs).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// Where the report goes (without extension): docs/bench by default; a partial run (WORKLOADS=…) may name its own.
const report = process.env.BENCH_REPORT ?? 'docs/bench';
const results = JSON.parse(readFileSync(`${root}bench/out/results.json`, 'utf8'));
const s = (x) => x.toFixed(2);
const ms = (x) => (x * 1000).toFixed(0);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);

const lines = [
  '# qrun benchmark',
  '',
  `Measured ${results.date.slice(0, 10)} on ${results.machine}; concurrency ${results.concurrency},`,
  `median of ${results.runs} runs after a warm-up (hyperfine), output to /dev/null. Reproduce: \`npm run bench\`.`,
  'Ratios compare tools measured in the same run; absolute times vary with the machine.',
  '',
];

lines.push('qrun without a suffix uses its default executor (auto: the spawn helper on Linux, in every output mode); "qrun execa" is `--executor execa`; "run() own streams" is the library given streams of its own (bench/library-run.mjs).', '');
for (const w of results.workloads) {
  const xargs = w.rows.find((r) => r.tool === 'xargs -P')?.median;
  const pool = w.rows.find((r) => r.tool === 'Node spawn pool')?.median;
  const gnu = w.rows.find((r) => r.tool === 'GNU parallel')?.median;
  lines.push(`## ${w.title}`, '', '| tool | median s | min–max s | jobs/s | overhead ms/job | CPU ms/job | × xargs | × Node pool | × GNU parallel | peak RSS MB |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of w.rows) {
    const ideal = (w.jobs * w.work) / results.concurrency;
    const overhead = ((r.median - ideal) * 1000) / w.jobs;
    const ratio = (to) => (to ? s(r.median / to) : '–');
    lines.push(`| ${r.tool} | ${s(r.median)} | ${s(r.min)}–${s(r.max)} | ${(w.jobs / r.median).toFixed(0)} | ${overhead.toFixed(3)} | ${((r.cpu * 1000) / w.jobs).toFixed(3)} | ${ratio(xargs)} | ${ratio(pool)} | ${ratio(gnu)} | ${r.rssMb.toFixed(0)} |`);
  }
  lines.push('');
}

const sp = results.special;
if (sp.startup) {
  lines.push('## Start-up (one `true` job)', '', '| command | median ms |', '| --- | ---: |');
  lines.push(`| echo true \\| qrun | ${ms(sp.startup.qrun)} |`);
  if (sp.startup.qrunExeca !== undefined) lines.push(`| echo true \\| qrun --executor execa | ${ms(sp.startup.qrunExeca)} |`);
  lines.push(`| echo true \\| parallel | ${ms(sp.startup.parallel)} |`, `| node -e 0 | ${ms(sp.startup.node)} |`);
  lines.push('', `qrun / GNU parallel: ${s(sp.startup.qrun / sp.startup.parallel)}×`, '');
}
if (sp.gb) {
  const m = { direct: median(sp.gb.runs.map((r) => r.direct)), qrun: median(sp.gb.runs.map((r) => r.qrun)), rss: Math.max(...sp.gb.runs.map((r) => r.rssMb)) };
  lines.push('## One job printing 1 GB (group mode)', '', '| | median s |', '| --- | ---: |', `| job straight into the pipe | ${s(m.direct)} |`, `| through qrun | ${s(m.qrun)} |`, '');
  lines.push(`Ratio ${s(m.qrun / m.direct)}×; qrun peak RSS ${m.rss.toFixed(0)} MB; bytes delivered: ${sp.gb.runs.map((r) => r.bytes).join(', ')}; spill files left: ${sp.gb.spillLeftover}.`, '');
}
if (sp.keepOrder) {
  const k = median(sp.keepOrder.runs.map((r) => r.keepOrder));
  const p = median(sp.keepOrder.runs.map((r) => r.plain));
  lines.push('## `-k` with a slow first job (2 s) and 10,000 fast ones', '', `-k: ${s(k)} s, without -k: ${s(p)} s (${s(k / p)}×); peak RSS with -k ${Math.max(...sp.keepOrder.runs.map((r) => r.rssMb)).toFixed(0)} MB; lines out: ${sp.keepOrder.runs.map((r) => r.lines).join(', ')}.`, '');
}
if (sp.endless) {
  const xs = sp.endless.samples;
  const third = Math.floor(xs.length / 3);
  lines.push(`## Endless input (\`yes true | qrun\`, ${sp.endless.seconds} s)`, '', `RSS sampled every second: peak ${Math.max(...xs).toFixed(0)} MB; mean of the first third ${mean(xs.slice(0, third)).toFixed(1)} MB, of the last third ${mean(xs.slice(-third)).toFixed(1)} MB.`, '', `Samples (MB): ${xs.map((x) => x.toFixed(0)).join(' ')}`, '');
}
if (sp.pipe) {
  const p = sp.pipe;
  const mb = p.bytes / 1e6;
  const med = (name) => median(p.runs[name].map((r) => r.wall));
  // Pairwise ratios of runs made back to back (qrun's run i against GNU's run i), then their median.
  const pairwise = (a, b) => median(p.runs[a].map((r, i) => p.runs[b][i].wall / r.wall));
  lines.push(
    `## ${(p.bytes / 1e9).toFixed(2)} GB of lines into \`wc -l\` jobs (--block 1M), runs interleaved`,
    '',
    '| command | median s | MB/s | peak RSS MB |',
    '| --- | ---: | ---: | ---: |',
    ...Object.keys(p.runs).map((name) => `| ${name} | ${s(med(name))} | ${(mb / med(name)).toFixed(0)} | ${Math.max(...p.runs[name].map((r) => r.rssMb)).toFixed(0)} |`),
    '',
    `qrun's throughput against GNU parallel's (median of pairwise ratios): --pipe ${s(pairwise('qrun --pipe', 'GNU parallel --pipe'))}×, --pipe-part ${s(pairwise('qrun --pipe-part', 'GNU parallel --pipe-part'))}×. Every run's line counts were checked: ${p.lines.toLocaleString('en')} lines each.`,
    '',
  );
}
if (sp.fleet) {
  const f = sp.fleet;
  lines.push(
    '## Fleet mode (redis-server, submitter and 2 workers × -c 4, all on this machine)',
    '',
    `2,000 × true: local \`qrun -c 8\` ${s(f.true2000.localMedian)} s, through the fleet ${s(f.true2000.fleetMedian)} s; throughput ${f.true2000.throughputRatioMedian.toFixed(2)}× the local run (median of the pairwise ratios ${f.true2000.throughputRatios.map((r) => r.toFixed(2)).join(', ')}; ratio of the medians ${(f.true2000.localMedian / f.true2000.fleetMedian).toFixed(2)}×). Worker CPU per job: ${f.true2000.workerCpuMsPerJob?.toFixed(2) ?? '–'} ms in the worker's Node process, ${f.true2000.helperCpuMsPerJob?.toFixed(2) ?? '–'} ms in its spawn helper.`,
    '',
    `100 MB from one job: ${f.mb100.mbPerSecondMedian.toFixed(0)} MB/s (median), Redis used_memory peak ${f.mb100.redisPeakMiBMax.toFixed(1)} MiB.`,
    '',
    `100,000 × true: ${s(f.jobs100k.seconds)} s; Redis used_memory ${f.jobs100k.redisBeforeMiB.toFixed(2)} MiB before, ${f.jobs100k.redisAfterMiB.toFixed(2)} MiB after (${f.jobs100k.deltaMiB >= 0 ? '+' : ''}${f.jobs100k.deltaMiB.toFixed(3)} MiB).`,
    '',
  );
}
writeFileSync(`${root}${report}.md`, `${lines.join('\n')}`);

// The chart: for each workload, one bar per tool, length = median / xargs median.
const workloads = results.workloads.filter((w) => w.rows.some((r) => r.tool === 'xargs -P'));
// A run of only the special measurements (WORKLOADS=pipe) has nothing to chart.
if (workloads.length === 0) {
  console.error(`wrote ${report}.md`);
  process.exit(0);
}
const toolsSeen = [...new Set(workloads.flatMap((w) => w.rows.map((r) => r.tool)))];
const palette = ['#1f77b4', '#4a9fd8', '#9ecae9', '#17becf', '#7fdbe6', '#555555', '#d62728', '#ff9896', '#9467bd', '#2ca02c', '#8c564b'];
const barH = 12;
const left = 180;
const width = 760;
const maxRatio = Math.max(...workloads.flatMap((w) => { const x = w.rows.find((r) => r.tool === 'xargs -P').median; return w.rows.map((r) => r.median / x); }));
const scale = (width - left - 60) / maxRatio;
let y = 40;
const parts = [];
for (const w of workloads) {
  const x = w.rows.find((r) => r.tool === 'xargs -P').median;
  parts.push(`<text x="10" y="${y + 10}" font-weight="bold">${w.title}</text>`);
  y += 18;
  for (const r of w.rows) {
    const ratio = r.median / x;
    const color = palette[toolsSeen.indexOf(r.tool) % palette.length];
    parts.push(`<text x="${left - 8}" y="${y + barH - 2}" text-anchor="end">${r.tool}</text>`);
    parts.push(`<rect x="${left}" y="${y}" width="${(ratio * scale).toFixed(1)}" height="${barH}" fill="${color}"/>`);
    parts.push(`<text x="${left + ratio * scale + 4}" y="${y + barH - 2}">${ratio.toFixed(2)}×</text>`);
    y += barH + 3;
  }
  y += 12;
}
const oneX = left + scale;
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="20" font-size="13" font-weight="bold">Wall time relative to xargs -P ${results.concurrency} (median of ${results.runs}; lower is faster)</text>
<line x1="${oneX}" y1="30" x2="${oneX}" y2="${y}" stroke="#999" stroke-dasharray="3,3"/>
${parts.join('\n')}
</svg>
`;
writeFileSync(`${root}${report}.svg`, svg);
console.error(`wrote ${report}.md and ${report}.svg`);
