// End to end, differential: --pipe and --pipe-part through qrun and through the real `parallel`,
// compared; the jobs' stdin, the block files, flat memory on a large stream, and bad calls.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { both, same as sameAsGnu } from './gnu.js';
import { Qrun, runQrun } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'qrun-e2e-pipe-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const numbers = join(scratch, 'numbers.txt');
writeFileSync(numbers, Array.from({ length: 20_000 }, (_, i) => `${i + 1}\n`).join(''));
const input = readFileSync(numbers, 'utf8');
const same = (args: readonly string[], stdin = input): Promise<void> => sameAsGnu(args, stdin, scratch);

describe('--pipe, compared with GNU parallel', { concurrency: 3 }, () => {
  const cases: string[][] = [
    ['--pipe', '--block', '10k', 'wc'],
    ['--pipe', 'wc', '-l'],
    ['--pipe', '--block', '5k', 'cat'],
    ['--pipe', '-N', '1000', 'wc', '-l'],
    ['--pipe', '-N', '3000', '--block', '1k', 'md5sum'],
    ['--pipe', '--recstart', '1', '--block', '2k', 'md5sum'],
    ['--pipe', '--recend', '0', '--block', '1k', 'wc', '-c'],
    ['--pipe', '--recstart', '9', '--recend', '\\n', '--block', '3k', 'wc', '-l'],
    ['--pipe', '--block-size', '20000', 'echo', 'block {#}:', '&&', 'wc', '-l'],
    ['--pipe', '--block', '8k', '-a', numbers, 'wc', '-l'],
    ['--pipe', '--block', '10k', 'sed', '-n', '1p'],
    ['--pipe', '--tag', '--block', '30k', 'wc', '-l'],
  ];
  for (const args of cases) it(args.join(' '), () => same(args));

  it('no input, no job', () => same(['--pipe', 'wc', '-l'], ''));

  it("a job's stdin streams its block (not a file it could seek or size); without --pipe it is /dev/null", async () => {
    // A FIFO through the spawn helper, as GNU parallel gives; Node's socket pair through execa.
    await same(['--pipe', '--block', '50k', 'test -p /dev/stdin -o -S /dev/stdin && echo stream; cat > /dev/null']);
    const plain = await runQrun(['-q', 'wc -c #', ':::', 'x'], { input: 'not for the job\n' });
    assert.equal(plain.stdout.toString(), '0\n');
  });
});

describe('--pipe and --pipe-part: joblog and results, compared with GNU parallel', { concurrency: 3 }, () => {
  /** Times are the machine's: blanked in both. */
  const untimed = (text: string): string => text.replace(/\d+\.\d{3}/g, 'T');
  for (const args of [
    ['--pipe', '--block', '20k', '--joblog', '-', 'wc', '-l'],
    ['--pipe', '--block', '40k', '--results', '-.json', 'wc', '-l'],
    ['--pipe', '--block', '40k', '--results', '-.csv', 'wc', '-l'],
    ['--pipe-part', '-a', numbers, '--block', '40k', '--joblog', '-', 'wc', '-l'],
  ]) {
    it(`${args.join(' ')}: Send is the block's size with --pipe, the command has nothing appended`, async () => {
      const { qrun, gnu } = await both(args, input, scratch);
      assert.equal(gnu.status, 0, gnu.stderr);
      assert.equal(untimed(qrun.stdout), untimed(gnu.stdout));
    });
  }
});

describe('--pipe and --pipe-part with --header, compared with GNU parallel', { concurrency: 3 }, () => {
  const table = `head,er\n${input}`;
  const tableFile = join(scratch, 'table.csv');
  writeFileSync(tableFile, table);
  const untimed = (text: string): string => text.replace(/\d+\.\d{3}/g, 'T');
  for (const args of [
    ['--pipe', '--header', ':', '--block', '10k', '--joblog', '-', 'md5sum'],
    ['--pipe', '--header', '2', '--block', '20k', 'md5sum'],
    ['--pipe', '--header', ':', '-N', '3000', 'md5sum'],
    ['--pipe-part', '-a', tableFile, '--header', ':', '--block', '10k', '--joblog', '-', 'md5sum'],
    ['--pipe-part', '-a', tableFile, '--header', '3', '--block', '-2', '-j2', 'md5sum'],
  ]) {
    it(`${args.join(' ')}: every block starts with the header (Send counts it)`, async () => {
      const { qrun, gnu } = await both(args, table, scratch);
      assert.equal(gnu.status, 0, gnu.stderr);
      assert.equal(untimed(qrun.stdout), untimed(gnu.stdout));
    });
  }
});

describe('--pipe-part, compared with GNU parallel', { concurrency: 3 }, () => {
  const cases: string[][] = [
    ['--pipe-part', '-a', numbers, '--block', '10k', 'wc'],
    ['--pipe-part', '-a', numbers, '-j2', 'wc', '-l'],
    ['--pipe-part', '-a', numbers, '--block', '-3', '-j2', 'md5sum'],
    ['--pipe-part', '-a', numbers, '--recend', '5', '--block', '1k', 'md5sum'],
    ['--pipe-part', '-a', numbers, '-a', numbers, '--block', '40k', 'wc', '-l'],
  ];
  for (const args of cases) it(args.join(' '), () => same(args, ''));
});

describe('--pipe: resources', () => {
  it('block files live in a private directory that is gone when the run ends, a failed job or not', async () => {
    const tmp = join(scratch, 'tmp');
    mkdirSync(tmp);
    const result = await runQrun(['-q', '--pipe', '--block', '20k', 'wc -l; test {#} != 2'], { input, env: { TMPDIR: tmp } });
    assert.equal(result.code, 1);
    assert.deepEqual(readdirSync(tmp), []);
  });

  it('a 400 MB stream goes through with flat memory (blocks on disk, at most the queue of them)', async () => {
    const line = 'some text to fill a pipe with, 0123456789\n';
    const total = 400 * 1024 * 1024;
    const qrun = new Qrun(['-q', '-c', '2', '--pipe', 'wc', '-l'], { limitMs: 120_000 });
    const pid = qrun.child.pid ?? 0;
    let peakKb = 0;
    const sample = setInterval(() => {
      try {
        peakKb = Math.max(peakKb, Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0));
      } catch {
        // It ended.
      }
    }, 50);
    let sent = 0;
    const chunk = Buffer.from(line.repeat(1560));
    const source = Readable.from((function* () {
      while (sent < total) {
        sent += chunk.length;
        yield chunk;
      }
    })());
    source.pipe(qrun.child.stdin!);
    const result = await qrun.done;
    clearInterval(sample);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.toString().trim().split('\n').reduce((sum, n) => sum + Number(n), 0);
    assert.equal(lines, (sent / chunk.length) * 1560);
    assert.ok(peakKb > 0 && peakKb < 250 * 1024, `peak RSS ${peakKb} kB for ${sent} bytes`);
  });
});

describe('--pipe and --pipe-part: bad calls are one line, exit 255', () => {
  // The third field: whether the line ends with the help hint (not for what is found reading the input).
  const cases: [string[], string, boolean?][] = [
    [['--pipe'], '--pipe needs a command to give each block to, e.g. qrun --pipe wc -l'],
    [['--pipe-part', 'wc'], '--pipe-part needs -a <file>: the file whose parts the jobs read'],
    [['--pipe-part', '-a', '-', 'wc'], '--pipe-part reads parts of regular files given with -a; stdin cannot be', false],
    [['--pipe', '--block', 'big', 'wc'], "--block must be a size in bytes like 1M (1024 × 1024), 500k (500 × 1000) or 65536, got 'big'"],
    [['--pipe', '--block', '-1', 'wc'], '--block must be 1 byte or more with --pipe (a negative --block is for --pipe-part), got -1'],
    [['--block', '1M', 'wc'], '--block needs --pipe or --pipe-part'],
    [['--recend', 'x', 'wc'], '--recend needs --pipe or --pipe-part'],
    [['--pipe', '-N0', 'wc'], '-N0 cannot be used with --pipe: a block holds 1 record or more'],
    [['--pipe', '--ndjson', 'wc'], '--pipe gives jobs blocks of input; --ndjson records are jobs of their own'],
    [['--pipe', 'wc', ':::', 'a'], '--pipe reads blocks from stdin or -a files; ::: and :::: input sources cannot be used with it'],
    [['--pipe', '--redis', 'redis://127.0.0.1:1', 'wc'], "--pipe cannot be used with --redis: a worker on another machine cannot read this machine's blocks"],
  ];
  for (const [args, message, hint = true] of cases) {
    it(args.join(' '), async () => {
      const result = await runQrun(args, { input: 'x\n' });
      assert.equal(result.code, 255);
      assert.equal(result.stderr, `qrun: ${message}${hint ? '; see qrun --help' : ''}\n`);
      assert.equal(result.stdout.length, 0);
    });
  }
});
