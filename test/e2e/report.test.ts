// End to end: `qrun report` and `--report` as a user runs them, the page opened in a real headless
// Chromium (no console message, what was drawn read back from the page and from a screenshot's
// pixels), every input format, text at a terminal, and the edges of the files it reads and writes.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Qrun, baseEnv, qrunBin, runQrun, uniqueSleep } from './helpers.js';
import { readPng } from './png.js';

const scratch = mkdtempSync(join(tmpdir(), 'qrun-e2e-report-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const chromium = ['chromium', 'chromium-browser', 'google-chrome'].find((name) => spawnSync(name, ['--version'], { encoding: 'utf8' }).status === 0);
const haveGnu = spawnSync('parallel', ['--version']).status === 0;

/** Opens `page` in headless Chromium: its DOM after the scripts ran, its console lines, a screenshot. */
function openInChromium(page: string): { dom: string; console: string[]; png: Buffer } {
  const profile = mkdtempSync(join(scratch, 'chromium-'));
  const shot = join(profile, 'shot.png');
  const common = ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--no-first-run', `--user-data-dir=${profile}`, '--window-size=1280,1400', '--enable-logging=stderr', '--v=0'];
  const run = (extra: string[]): { stdout: string; stderr: string } => {
    const result = spawnSync(chromium as string, [...common, ...extra, `file://${page}`], { encoding: 'utf8', timeout: 90_000, killSignal: 'SIGKILL', maxBuffer: 256 * 1024 * 1024 });
    assert.equal(result.status, 0, `chromium: ${result.stderr}`);
    return result;
  };
  const dumped = run(['--dump-dom']);
  run([`--screenshot=${shot}`]);
  const console = `${dumped.stderr}`.split('\n').filter((line) => line.includes(':CONSOLE'));
  return { dom: dumped.stdout, console, png: readFileSync(shot) };
}

/** The data attributes the page's script writes on <body> once it has drawn. */
function drawn(dom: string): Record<string, string> {
  const body = /<body([^>]*)>/.exec(dom)?.[1] ?? '';
  return Object.fromEntries([...body.matchAll(/data-([a-z-]+)="([^"]*)"/g)].map((match) => [match[1] as string, match[2] as string]));
}

/** Pixels of a colour (within a tolerance) inside the box "x,y,w,h" of the screenshot. */
function countColour(png: Buffer, box: string, [r, g, b]: readonly [number, number, number]): number {
  const image = readPng(png);
  const [x0, y0, w, h] = box.split(',').map(Number) as [number, number, number, number];
  let count = 0;
  for (let y = y0; y < Math.min(image.height, y0 + h); y++) {
    for (let x = x0; x < Math.min(image.width, x0 + w); x++) {
      const [pr, pg, pb] = image.at(x, y);
      if (Math.abs(pr - r) < 30 && Math.abs(pg - g) < 30 && Math.abs(pb - b) < 30) count++;
    }
  }
  return count;
}

const red = [214, 39, 40] as const;
const blue = [76, 120, 168] as const;

/** Ten jobs, three at a time; #4 and #7 fail (exit 3); all print a line. */
async function runTen(extra: string[]): Promise<{ joblog: string; code: number | null; stderr: string }> {
  const joblog = join(mkdtempSync(join(scratch, 'run-')), 'jobs.log');
  const result = await runQrun(['-c', '3', '--joblog', joblog, ...extra, 'echo job {}; sleep 0.{}; [ {} != 4 ] && [ {} != 7 ] || exit 3', ':::', ...Array.from({ length: 10 }, (_, i) => String(i + 1))]);
  return { joblog, code: result.code, stderr: result.stderr };
}

describe('qrun report', () => {
  it('a run\'s joblog becomes one self-contained page that Chromium draws: every job, the failures in red, no console message', { skip: chromium ? false : 'needs chromium' }, async () => {
    const run = await runTen([]);
    assert.equal(run.code, 2, run.stderr);
    const page = join(scratch, 'ten.html');
    const result = await runQrun(['report', run.joblog, '-o', page]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, `qrun: report of 10 jobs written to ${page}\n`);
    assert.equal(result.stdout.toString(), '');
    const html = readFileSync(page, 'utf8');
    // Nothing fetched when opened: the policy forbids it, and nothing is referenced.
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">/);
    assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)=/i);
    const opened = openInChromium(page);
    assert.deepEqual(opened.console, [], 'no console message (no error, no blocked fetch)');
    const attributes = drawn(opened.dom);
    assert.equal(attributes.drawn, 'yes');
    assert.equal(attributes['drawn-jobs'], '10');
    assert.equal(attributes['drawn-failed'], '2');
    assert.equal(attributes['drawn-killed'], '0');
    assert.match(opened.dom, /<b>10<\/b>jobs/);
    assert.match(opened.dom, /<b>2<\/b>failed/);
    // What is on the screen: job bars in blue, the two failures in red, inside the timeline.
    const box = attributes['timeline-box'] as string;
    assert.ok(countColour(opened.png, box, red) > 20, `failures drawn red in ${box}`);
    assert.ok(countColour(opened.png, box, blue) > 200, `jobs drawn blue in ${box}`);
    // The failures table names them, with their exit status and command.
    assert.match(opened.dom, /<td class="num">4<\/td><td>:<\/td><td class="num">[0-9.]+s<\/td><td class="num">3<\/td><td class="num">0<\/td><td class="cmd">echo job 4; sleep 0\.4; \[ 4 != 4 \] &amp;&amp; \[ 4 != 7 \] \|\| exit 3<\/td>/);
  });

  it('--report on a run interrupted by SIGINT: written as the run ends, with the jobs that ran and those killed', { skip: chromium ? false : 'needs chromium' }, async () => {
    const page = join(scratch, 'interrupted.html');
    const sleep = uniqueSleep();
    const qrun = new Qrun(['-c', '2', '--report', page, `echo {}; [ {} -le 2 ] || sleep ${sleep}`, ':::', '1', '2', '3', '4', '5', '6']);
    // Both slots hold a long job once #1 and #2 are done: the interrupt ends them.
    await qrun.waitFor((stdout) => stdout.includes('1\n') && stdout.includes('2\n'), 'jobs 1 and 2 done');
    qrun.kill('SIGINT');
    await qrun.waitFor((_, stderr) => stderr.includes('SIGINT'), 'the first SIGINT said');
    qrun.kill('SIGINT');
    const result = await qrun.done;
    // qrun dies by the signal it got, as a shell expects (status 130).
    assert.equal(result.signal, 'SIGINT', result.stderr);
    const attributes = drawn(openInChromium(page).dom);
    assert.equal(attributes.drawn, 'yes');
    assert.ok(Number(attributes['drawn-jobs']) >= 2, JSON.stringify(attributes));
    assert.ok(Number(attributes['drawn-killed']) >= 1, `the killed jobs are shown: ${JSON.stringify(attributes)}`);
    assert.match(readFileSync(page, 'utf8'), /"exitCode":130/);
  });

  it('--results tables (.csv, .tsv, .json), a --log-file and GNU parallel\'s joblog give the same jobs as qrun\'s joblog', async () => {
    const dir = mkdtempSync(join(scratch, 'formats-'));
    const log = join(dir, 'run.log');
    const run = await runTen(['--results', join(dir, 'r.csv'), '--log-file', log]);
    assert.equal(run.code, 2, run.stderr);
    await runTen(['--results', join(dir, 'r.tsv')]);
    await runTen(['--results', join(dir, 'r.json')]);
    const text = async (...files: string[]): Promise<string> => {
      const result = await runQrun(['report', '--text', ...files]);
      assert.equal(result.code, 0, result.stderr);
      return result.stdout.toString();
    };
    const counts = /^jobs 10: 8 succeeded, 2 failed, 0 killed or timed out$/m;
    assert.match(await text(run.joblog), counts);
    for (const table of ['r.csv', 'r.tsv', 'r.json']) assert.match(await text(join(dir, table)), counts, table);
    const fromLog = await text(log);
    assert.match(fromLog, counts);
    assert.match(fromLog, /^queue: workers idle \d+% waiting for input/m);
    assert.match(fromLog, /^exit status 2$/m);
    if (haveGnu) {
      const gnuLog = join(dir, 'gnu.log');
      spawnSync('parallel', ['-j3', '--joblog', gnuLog, 'sleep 0.{}; [ {} != 4 ] && [ {} != 7 ] || exit 3', ':::', ...Array.from({ length: 10 }, (_, i) => String(i + 1))], { timeout: 60_000 });
      assert.match(await text(gnuLog), counts);
    }
  });

  it('stdin as input; HTML to a pipe; text at a terminal', { skip: spawnSync('script', ['--version']).status === 0 ? false : 'needs script' }, async () => {
    const run = await runTen([]);
    const piped = await runQrun(['report'], { input: readFileSync(run.joblog) });
    assert.equal(piped.code, 0, piped.stderr);
    assert.match(piped.stdout.toString(), /^<!DOCTYPE html>/);
    assert.equal(piped.stderr, '');
    // At a terminal (under script), stdout gets the text view.
    const terminal = spawnSync('script', ['-qec', `${process.execPath} ${qrunBin} report ${run.joblog}`, '/dev/null'], { encoding: 'utf8', env: baseEnv, timeout: 60_000 });
    assert.equal(terminal.status, 0, terminal.stderr);
    assert.match(terminal.stdout, /jobs 10: 8 succeeded, 2 failed, 0 killed or timed out/);
    assert.doesNotMatch(terminal.stdout, /<html/);
  });

  it('a 100,000-job joblog becomes a report of at most 10 MB', async () => {
    const dir = mkdtempSync(join(scratch, 'big-'));
    const joblog = join(dir, 'big.log');
    const rows = ['Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand'];
    for (let seq = 1; seq <= 100_000; seq++) rows.push(`${seq}\t:\t${(1_700_000_000 + seq * 0.01).toFixed(3)}\t${(0.08 + (seq % 7) * 0.001).toFixed(3).padStart(10)}\t0\t9\t${seq % 1000 === 0 ? 1 : 0}\t0\techo job number ${seq}`);
    writeFileSync(joblog, `${rows.join('\n')}\n`);
    const page = join(dir, 'big.html');
    const result = await runQrun(['report', joblog, '-o', page], { limitMs: 120_000 });
    assert.equal(result.code, 0, result.stderr);
    const size = lstatSync(page).size;
    assert.ok(size <= 10 * 1024 * 1024, `${size} bytes`);
    assert.match(readFileSync(page, 'utf8'), /"jobs":100000,"succeeded":99900,"failed":100,/);
  });

  it('bad input: one line naming the file and line, exit 255, nothing written', async () => {
    const dir = mkdtempSync(join(scratch, 'bad-'));
    const bad = join(dir, 'bad.log');
    writeFileSync(bad, 'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n1\t:\t1.0\t1.0\t0\t0\t0\t0\tok\nnot a row\n');
    const page = join(dir, 'out.html');
    const cases: [string[], string][] = [
      [[bad, '-o', page], `qrun: report: ${bad} line 3: expected 9 tab-separated fields Seq, Host, Starttime, JobRuntime, Send, Receive, Exitval, Signal, Command\n`],
      [[join(dir, 'missing.log'), '-o', page], `qrun: report: cannot read ${join(dir, 'missing.log')}: ENOENT\n`],
      [[dir, '-o', page], `qrun: report: cannot read ${dir}: EISDIR\n`],
      [['-', '-', '-o', page], 'qrun: report: stdin (-) can be read only once\n'],
      [['--bogus'], "qrun: report: unknown option '--bogus'; see qrun report --help\n"],
    ];
    for (const [args, stderr] of cases) {
      const result = await runQrun(['report', ...args], { input: '' });
      assert.equal(result.stderr, stderr, args.join(' '));
      assert.equal(result.code, 255);
      assert.equal(existsSync(page), false);
    }
    const run = await runTen([]);
    const unwritable = await runQrun(['report', run.joblog, '-o', join(dir, 'no', 'such', 'dir.html')]);
    assert.equal(unwritable.code, 255);
    assert.equal(unwritable.stderr, `qrun: report: --output '${join(dir, 'no', 'such', 'dir.html')}' cannot be written: ENOENT\n`);
    const onRun = await runQrun(['--report', join(dir, 'no', 'x.html'), 'echo', ':::', 'a']);
    assert.equal(onRun.code, 255);
    assert.equal(onRun.stdout.toString(), '', 'no job ran');
    assert.equal(onRun.stderr, `qrun: --report '${join(dir, 'no', 'x.html')}' cannot be written: its directory: ENOENT\n`);
  });

  it('-o through a symlink writes its target and keeps the link; a device is written straight; the old file is replaced whole', async () => {
    const dir = mkdtempSync(join(scratch, 'links-'));
    const run = await runTen([]);
    const target = join(dir, 'target.html');
    writeFileSync(target, 'old contents');
    const link = join(dir, 'link.html');
    symlinkSync(target, link);
    const result = await runQrun(['report', run.joblog, '-o', link]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(lstatSync(link).isSymbolicLink(), true);
    assert.equal(readlinkSync(link), target);
    assert.match(readFileSync(target, 'utf8'), /^<!DOCTYPE html>[\s\S]*<\/html>\n$/);
    const device = await runQrun(['report', run.joblog, '-o', '/dev/null']);
    assert.equal(device.code, 0, device.stderr);
    assert.equal(lstatSync('/dev/null').isCharacterDevice(), true);
    // No temporary file is left beside the target.
    assert.deepEqual(
      spawnSync('ls', ['-A', dir], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).sort(),
      ['link.html', 'target.html'],
    );
  });
});
