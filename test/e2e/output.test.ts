// End to end: job output arrives whole, in order when asked, byte for byte.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { baseEnv, fixture, qrunBin, root, runQrun, track } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'qrun-e2e-out-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Splits output into runs of consecutive lines from the same job label. */
function blocks(stdout: string): string[] {
  const labels = stdout.trim().split('\n').map((line) => line.split(' ')[0] as string);
  return labels.filter((label, i) => i === 0 || labels[i - 1] !== label);
}

describe('group mode (default)', () => {
  it("never interleaves two jobs' output", async () => {
    const input = Array.from({ length: 8 }, (_, i) => `${fixture('chatty.sh')} job${i} 400`).join('\n');
    const result = await runQrun(['-c', '8', '-q'], { input });
    assert.equal(result.code, 0);
    const found = blocks(result.stdout.toString());
    assert.equal(found.length, 8, `one block per job, got ${found.join(',')}`);
    assert.equal(new Set(found).size, 8);
  });

  it('writes stdout and stderr of each job whole', async () => {
    const result = await runQrun(['-c', '2', '-q'], { input: 'echo out1; echo err1 >&2; echo out2\n' });
    assert.equal(result.stdout.toString(), 'out1\nout2\n');
    assert.equal(result.stderr, 'err1\n');
  });

  it('-k writes outputs in input order', async () => {
    const input = [0.6, 0.4, 0.2, 0].map((s, i) => `sleep ${s}; echo job${i}`).join('\n');
    const unordered = await runQrun(['-c', '4', '-q'], { input });
    assert.equal(unordered.stdout.toString(), 'job3\njob2\njob1\njob0\n');
    const ordered = await runQrun(['-c', '4', '-q', '-k'], { input });
    assert.equal(ordered.stdout.toString(), 'job0\njob1\njob2\njob3\n');
  });

  it("--tag prefixes every line with the job's record and a tab (as GNU parallel); --tagstring '{#}' with the job number", async () => {
    const result = await runQrun(['-c', '1', '-q', '--tag'], { input: 'printf "a\\nb"\necho c >&2\n' });
    assert.equal(result.stdout.toString(), 'printf "a\\nb"\ta\nprintf "a\\nb"\tb');
    assert.equal(result.stderr, 'echo c >&2\tc\n');
    const numbered = await runQrun(['-c', '1', '-q', '--tagstring', '{#}'], { input: 'printf "a\\nb"\necho c >&2\n' });
    assert.equal(numbered.stdout.toString(), '1\ta\n1\tb');
    assert.equal(numbered.stderr, '2\tc\n');
  });

  it('passes binary and invalid UTF-8 output through unchanged, in every mode', async () => {
    const data = Buffer.concat([randomBytes(300_000), Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x0a])]);
    const file = join(scratch, 'blob.bin');
    writeFileSync(file, data);
    for (const mode of ['group', 'line', 'ungroup']) {
      const result = await runQrun(['-q', '--output', mode], { input: `cat ${file}\n` });
      assert.equal(result.code, 0);
      assert.ok(result.stdout.equals(data), `${mode}: ${result.stdout.length} bytes of ${data.length}`);
    }
  });

  it('a job writing 200 MB arrives whole, spilled to a private temp dir that is removed', async () => {
    const tmp = mkdtempSync(join(scratch, 'tmp-'));
    const child = track(spawn(process.execPath, [qrunBin, '-q'], { cwd: root, env: { ...baseEnv, TMPDIR: tmp }, stdio: ['pipe', 'pipe', 'inherit'] }));
    child.stdin.end('yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 200000000; echo tail\n');
    const hash = createHash('sha256');
    let bytes = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 0);
    assert.equal(bytes, 200_000_005);
    const expected = createHash('sha256');
    const line = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz\n');
    const block = Buffer.concat(Array.from({ length: 1000 }, () => line));
    let left = 200_000_000;
    while (left > 0) {
      const piece = block.subarray(0, Math.min(block.length, left));
      expected.update(piece);
      left -= piece.length;
    }
    expected.update('tail\n');
    assert.equal(hash.digest('hex'), expected.digest('hex'));
    assert.deepEqual(readdirSync(tmp), [], 'spill directory removed');
  });
});

describe('output that cannot be kept', () => {
  it('an unusable temp dir: exit 255, one-line reason, none of the cut output, running jobs stopped', async () => {
    // A TMPDIR under a file can never be created (unlike a missing directory, which someone could make).
    const result = await runQrun(['-c', '2'], { input: 'head -c 3000000 /dev/zero\nsleep 60; echo later\necho x\n', env: { TMPDIR: '/dev/null/qrun-tmp' } });
    assert.equal(result.code, 255);
    assert.equal(result.stdout.length, 0);
    assert.match(result.stderr, /^qrun: cannot create a temp directory for job output in \/dev\/null\/qrun-tmp: ENOTDIR$/m);
    // Every job read is accounted for: none succeeded; those taken failed, the rest never started.
    const [, total, failed, notStarted] = /qrun: (\d) jobs? in \S+: 0 succeeded, (\d) failed, (\d) not started/.exec(result.stderr) ?? [];
    assert.ok(Number(failed) >= 1, result.stderr);
    assert.equal(Number(failed) + Number(notStarted), Number(total));
    assert.match(result.stderr, /failed #1, could not start: cannot create a temp directory/);
    // The 60 s job was terminated, not awaited (a bound far from both, whatever the machine's load).
    assert.ok(result.elapsedMs < 40_000, 'the running job was terminated, not awaited');
  });
});

describe('line mode', () => {
  it('forwards whole lines as they come; a line is never split by another job', async () => {
    const input = Array.from({ length: 6 }, (_, i) => `${fixture('chatty.sh')} job${i} 300`).join('\n');
    const result = await runQrun(['-c', '6', '-q', '--output', 'line'], { input });
    const lines = result.stdout.toString().trim().split('\n');
    assert.equal(lines.length, 1800);
    for (const line of lines) assert.match(line, /^job\d line \d+$/);
  });

  it('shows output before the job ends', async () => {
    const result = await runQrun(['-c', '2', '-q', '--output', 'line'], { input: 'echo first; sleep 0.5; echo third\nsleep 0.2; echo second\n' });
    assert.equal(result.stdout.toString(), 'first\nsecond\nthird\n');
  });

  it('-k: the oldest job writes live, later ones wait their turn', async () => {
    const result = await runQrun(['-c', '3', '-q', '--output', 'line', '-k'], {
      input: 'echo a1; sleep 0.4; echo a2\necho b1\nsleep 0.1; echo c1\n',
    });
    assert.equal(result.stdout.toString(), 'a1\na2\nb1\nc1\n');
  });
});

describe('line mode under a slow and a fast reader', () => {
  // Jobs of 1.3 MB each (more than one job's in-memory share, so held output spills), finishing
  // while the oldest still writes live: -k keeps input order and no line is cut, whatever the reader's pace.
  const jobs = Array.from({ length: 16 }, () => 'seq -f "job $QRUN_SEQ %g 0123456789abcdefghijklmnopqrstuvwxyz" 26215').join('\n');
  const readAll = (args: readonly string[], pauseMs: number): Promise<string> => {
    const child = track(spawn(process.execPath, [qrunBin, '-q', ...args], { env: { ...baseEnv, CI: 'true' }, stdio: ['pipe', 'pipe', 'inherit'] }));
    child.stdin.end(jobs);
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (pauseMs === 0) return;
      child.stdout.pause();
      setTimeout(() => child.stdout.resume(), pauseMs);
    });
    return new Promise((resolve, reject) => child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks).toString()) : reject(new Error(`qrun exited ${code}`)))));
  };
  const check = (stdout: string, ordered: boolean): void => {
    const next = new Map<number, number>();
    let lastJob = 0;
    for (const line of stdout.slice(0, -1).split('\n')) {
      const match = /^job (\d+) (\d+) 0123456789abcdefghijklmnopqrstuvwxyz$/.exec(line);
      assert.ok(match, `a cut or mixed line: ${line.slice(0, 100)}`);
      const job = Number(match[1]);
      const n = Number(match[2]);
      assert.equal(n, (next.get(job) ?? 0) + 1, `job ${job}'s lines in order`);
      next.set(job, n);
      if (ordered) {
        assert.ok(job === lastJob || (job === lastJob + 1 && next.get(lastJob) === (lastJob === 0 ? undefined : 26215)), `job ${job} after job ${lastJob} line ${next.get(lastJob)}`);
        lastJob = job;
      }
    }
    assert.equal(next.size, 16);
    for (const count of next.values()) assert.equal(count, 26215);
  };
  for (const [reader, pauseMs] of [['fast', 0], ['slow', 2]] as const) {
    it(`-k: input order, every line whole (${reader} reader)`, async () => check(await readAll(['-c', '4', '--output', 'line', '-k'], pauseMs), true));
    it(`without -k: every line whole (${reader} reader)`, async () => check(await readAll(['-c', '4', '--output', 'line'], pauseMs), false));
  }
});

describe('ungroup mode', () => {
  it('children write straight to the output', async () => {
    const result = await runQrun(['-c', '1', '-q', '--output', 'ungroup'], { input: 'echo one\necho two >&2\n' });
    assert.equal(result.stdout.toString(), 'one\n');
    assert.equal(result.stderr, 'two\n');
  });
});
