// The fleet-mode workloads of `npm run bench`: a private redis-server, two `qrun worker`s (-c 4
// each) and the submitter, all on this machine, against a local `qrun -c 8` in the same run.
//   2,000 × true (interleaved runs), 100 MB from one job (rate and Redis memory peak),
//   100,000 × true (Redis memory before and after).
// Exported for bench/run.mjs; run alone: node bench/fleet.mjs (prints the JSON).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const qrunBin = join(root, 'bin', 'qrun.js');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function redisCli(socket, ...args) {
  return spawnSync('redis-cli', ['-s', socket, ...args], { encoding: 'utf8' }).stdout ?? '';
}
const usedMemory = (socket) => Number(/^used_memory:(\d+)/m.exec(redisCli(socket, 'info', 'memory'))?.[1]);

/** Runs a shell command to its end; wall seconds. */
function wall(command) {
  const started = performance.now();
  const r = spawnSync('sh', ['-c', command], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${command}: exit ${r.status}: ${r.stderr}`);
  return (performance.now() - started) / 1000;
}

/** CPU seconds (user + system) a process has used so far. */
function cpuOf(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** The spawn helper a worker started, if any (its child named qrun-spawn…). */
function helperOf(pid) {
  try {
    for (const child of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean)) {
      if (readFileSync(`/proc/${child}/comm`, 'utf8').startsWith('qrun-spawn')) return Number(child);
    }
  } catch {
    // The worker has ended.
  }
  return undefined;
}

/** Measures the fleet workloads; RUNS interleaved pairs for the 2,000-job one. */
export async function benchFleet({ runs = 5, quick = false } = {}) {
  if (spawnSync('sh', ['-c', 'command -v redis-server']).status !== 0) throw new Error('missing: redis-server (apt-get install -y redis-server)');
  const dir = mkdtempSync(join(tmpdir(), 'qrun-bench-fleet-'));
  const socket = join(dir, 'redis.sock');
  const server = spawn('redis-server', ['--port', '0', '--unixsocket', socket, '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const workers = [];
  try {
    for (let i = 0; i < 50 && redisCli(socket, 'ping').trim() !== 'PONG'; i++) await new Promise((r) => setTimeout(r, 100));
    for (const name of ['w1', 'w2']) {
      const worker = spawn(process.execPath, [qrunBin, 'worker', '--redis', socket, '-c', '4', '--name', name], { stdio: ['ignore', 'ignore', 'pipe'] });
      await new Promise((resolve) => worker.stderr.on('data', (d) => String(d).includes('taking jobs') && resolve()));
      workers.push(worker);
    }
    const trueFile = join(dir, 'true2000.txt');
    writeFileSync(trueFile, 'true\n'.repeat(2000));
    const local = [];
    const fleet = [];
    wall(`node ${qrunBin} -q --redis ${socket} -a ${trueFile}`); // warm-up
    // The workers' CPU while they run the fleet's jobs (the local runs do not touch them).
    let workerCpu = 0;
    let helperCpu = 0;
    for (let i = 0; i < runs; i++) {
      local.push(wall(`node ${qrunBin} -q -c 8 -a ${trueFile}`));
      const before = workers.map((w) => cpuOf(w.pid));
      const helpersBefore = workers.map((w) => helperOf(w.pid)).map((pid) => (pid ? cpuOf(pid) : 0));
      fleet.push(wall(`node ${qrunBin} -q --redis ${socket} -a ${trueFile}`));
      workerCpu += workers.reduce((sum, w, k) => sum + cpuOf(w.pid) - before[k], 0);
      helperCpu += workers.map((w) => helperOf(w.pid)).reduce((sum, pid, k) => sum + (pid ? cpuOf(pid) : 0) - helpersBefore[k], 0);
    }
    const ratios = local.map((l, i) => l / fleet[i]);
    const perJob = (seconds) => (seconds * 1000) / (runs * 2000);
    const true2000 = { local, fleet, localMedian: median(local), fleetMedian: median(fleet), throughputRatios: ratios, throughputRatioMedian: median(ratios), workerCpuMsPerJob: perJob(workerCpu), helperCpuMsPerJob: perJob(helperCpu) };
    // FLEET_QUICK=1: the 2,000-job comparison only.
    if (quick) return { true2000 };

    // 100 MB from one job, Redis memory sampled every 50 ms.
    const mb = [];
    for (let i = 0; i < Math.min(runs, 3); i++) {
      const baseline = usedMemory(socket);
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, usedMemory(socket))), 50);
      const started = performance.now();
      const bytes = await new Promise((resolve, reject) => {
        const child = spawn('sh', ['-c', `echo 'yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 100000000' | node ${qrunBin} -q --output line --redis ${socket} | wc -c`], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.on('close', (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`exit ${code}`))));
      });
      const seconds = (performance.now() - started) / 1000;
      clearInterval(sampler);
      mb.push({ seconds, bytes, mbPerSecond: bytes / 1e6 / seconds, redisPeakMiB: (peak - baseline) / 2 ** 20, redisPeakTotalMiB: peak / 2 ** 20 });
    }

    // 100,000 jobs: what Redis holds before and after.
    const bigFile = join(dir, 'true100k.txt');
    writeFileSync(bigFile, 'true\n'.repeat(100_000));
    const before = usedMemory(socket);
    const bigSeconds = wall(`node ${qrunBin} -q --redis ${socket} -a ${bigFile}`);
    const after = usedMemory(socket);
    return {
      true2000,
      mb100: { runs: mb, mbPerSecondMedian: median(mb.map((r) => r.mbPerSecond)), redisPeakMiBMax: Math.max(...mb.map((r) => r.redisPeakTotalMiB)) },
      jobs100k: { seconds: bigSeconds, redisBeforeMiB: before / 2 ** 20, redisAfterMiB: after / 2 ** 20, deltaMiB: (after - before) / 2 ** 20 },
    };
  } finally {
    for (const worker of workers) worker.kill('SIGTERM');
    await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r() : w.on('close', r)))));
    server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await benchFleet({ runs: Number(process.env.RUNS ?? 5), quick: process.env.FLEET_QUICK === '1' }), null, 2));
}
