// End to end, differential: --results <file>.json/.csv/.tsv and -.json (stdout), through qrun and
// through the real `parallel`, compared byte for byte but for the start times and runtimes.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ran } from './gnu.js';
import { qrunBin, runQrun } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'qrun-e2e-restable-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Start times and runtimes are the machine's: blanked in both tools' rows. */
function untimed(text: string): string {
  return text
    .replace(/"Starttime": \d+\.\d{3}, "JobRuntime": \d+\.\d{3}/g, '"Starttime": T, "JobRuntime": R')
    .replace(/^(\d+)([,\t]):\2\d+\.\d{3}\2\d+\.\d{3}\2/gm, '$1$2:$2T$2R$2');
}

let runs = 0;
/** Runs both tools side by side with `--results <name>` in directories of their own; returns what each wrote (file, then stdout). */
async function table(name: string, args: readonly string[], input = ''): Promise<{ qrun: Written; gnu: Written }> {
  runs++;
  const run = async (tool: 'qrun' | 'gnu'): Promise<Written> => {
    const cwd = join(scratch, `${tool}-${runs}`);
    mkdirSync(cwd);
    const r = tool === 'qrun' ? await ran(process.execPath, [qrunBin, '-q', '-k', '--results', name, ...args], input, cwd) : await ran('parallel', ['--will-cite', '-k', '--results', name, ...args], input, cwd);
    const file = name.startsWith('-.') ? '' : readFileSync(join(cwd, name), 'utf8');
    return { file: untimed(file), stdout: untimed(r.stdout), status: r.status };
  };
  const [qrun, gnu] = await Promise.all([run('qrun'), run('gnu')]);
  return { qrun, gnu };
}

/** A tool's --results file (blank if it went to stdout), its stdout, and its status. */
interface Written {
  readonly file: string;
  readonly stdout: string;
  readonly status: number | null;
}

async function same(name: string, args: readonly string[], input = ''): Promise<void> {
  const { qrun, gnu } = await table(name, args, input);
  assert.equal(qrun.file, gnu.file, `qrun --results ${name} ${args.join(' ')}`);
  assert.equal(qrun.stdout, gnu.stdout);
  assert.equal(qrun.status, gnu.status);
}

describe('--results <file>.json/.csv/.tsv, compared with GNU parallel', { concurrency: 3 }, () => {
  it('.json: one object per job; quotes, backslashes, control characters escaped; bytes above ASCII as they are', async () => {
    await same('out.json', ['echo {}; echo err >&2', ':::', 'a', 'b"c', 'back\\slash', 'tab\there', 'é ü']);
    await same('out.json', ['printf "\\001\\037x\\177"', ':::', '1']);
  });

  it('.csv: a header with V1..Vn, fields quoted when they hold a quote, white space or a comma', async () => {
    await same('out.csv', ['printf "x,y\\n"; echo e >&2', ':::', 'a', 'b c', ':::', '1', '"q"']);
    await same('out.csv', ['echo'], 'plain\nwith space\n');
    // --header: the arguments' columns take their names.
    await same('out.csv', ['--header', ':', 'echo', ':::', 'x', '1', '2', ':::', 'y', '3']);
  });

  it('.tsv: the same with tabs', async () => {
    await same('out.tsv', ['echo', ':::', 'a', 'b c', 'd,e']);
  });

  it('failed, killed and timed-out jobs: Exitval and Signal as the joblog has them', async () => {
    await same('out.json', ['--timeout', '1', '{}', ':::', 'exit 3', 'kill -9 $$', 'sleep 30', 'echo ok']);
  });

  it('-.json, -.csv: the table goes to stdout, and nothing else does', async () => {
    await same('-.json', ['echo', ':::', 'a', 'b']);
    await same('-.csv', ['echo {}; echo e >&2', ':::', 'a', 'b']);
  });

  it("a job's output goes into its row only, in chunks, however large", async () => {
    const dir = join(scratch, 'large');
    mkdirSync(dir);
    const result = await runQrun(['-q', '--results', 'big.tsv', 'head -c 3000000 /dev/zero | tr "\\0" x; echo', ':::', '1'], { cwd: dir });
    assert.equal(result.code, 0);
    assert.equal(result.stdout.length, 0);
    const text = readFileSync(join(dir, 'big.tsv'), 'utf8');
    const header = 'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\tV1\tStdout\tStderr\n';
    assert.ok(text.startsWith(header));
    const row = text.slice(header.length);
    assert.match(row, /^1\t:\t\d+\.\d{3}\t\d+\.\d{3}\t0\t3000002\t0\t0\t"head -c 3000000 \/dev\/zero \| tr ""\\0"" x; echo 1"\t1\t"x/);
    // The output holds a newline, so its field is quoted, as GNU parallel quotes it.
    assert.ok(row.endsWith(`\t"${'x'.repeat(3_000_000)}1\n"\t\n`));
  });

  it('a --results file that cannot be written is one line, exit 255, before any job', async () => {
    const result = await runQrun(['--results', '/nonexistent/dir/out.json', 'echo', ':::', 'a']);
    assert.equal(result.code, 255);
    assert.match(result.stderr, /^qrun: --results '\/nonexistent\/dir\/out.json' cannot be written: ENOENT.*\n$/);
    assert.equal(result.stdout.length, 0);
  });
});

/** Every file under `dir` with its content, sorted by path ("path: content"). */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (at: string, rel: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      const name = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(path, name);
      else out.push(`${name}: ${JSON.stringify(readFileSync(path, 'utf8'))}`);
    }
  };
  if (existsSync(dir)) walk(dir, '');
  return out.sort();
}

let dirRuns = 0;
/** Both tools with `--results <name>` in directories of their own: the same tree, stdout and status. */
async function sameTree(name: string, args: readonly string[], input = ''): Promise<string[]> {
  dirRuns++;
  const run = async (tool: 'qrun' | 'gnu') => {
    const cwd = join(scratch, `tree-${tool}-${dirRuns}`);
    mkdirSync(cwd);
    const r = tool === 'qrun' ? await ran(process.execPath, [qrunBin, '-k', '--results', name, ...args], input, cwd) : await ran('parallel', ['--will-cite', '-k', '--results', name, ...args], input, cwd);
    return { tree: tree(cwd), stdout: r.stdout, status: r.status };
  };
  const [qrun, gnu] = await Promise.all([run('qrun'), run('gnu')]);
  assert.deepEqual(qrun.tree, gnu.tree, `qrun --results ${name} ${args.join(' ')}`);
  assert.equal(qrun.stdout, gnu.stdout);
  assert.equal(qrun.status, gnu.status);
  return qrun.tree;
}

describe("--results DIR in GNU parallel's layout, compared with GNU parallel", { concurrency: 3 }, () => {
  it('DIR/1/<value>/2/<value>/{seq,stdout,stderr} per job, nothing on stdout', async () => {
    const files = await sameTree('out', ['echo {1} {2}; echo e{1} >&2', ':::', 'I', 'II', ':::', 'III', 'IIII']);
    assert.ok(files.includes('out/1/I/2/III/stdout: "I III\\n"'));
    assert.ok(files.includes('out/1/II/2/IIII/seq: "4"'));
  });

  it('--header names the levels; a slash in a value is written \\_; input lines and failing jobs too', async () => {
    await sameTree('out', ['--header', ':', 'echo {a}', ':::', 'a', '1', '2']);
    await sameTree('out', ['echo', ':::', 'a/b', 'x%y']);
    await sameTree('res', ['echo {}; exit 2'], 'l1\nl2\n');
  });

  it('replacement strings make the path: a file with .err and .seq beside it, or a directory when it ends in /', async () => {
    await sameTree('out/{1}/{2}', ['echo {1}{2}', ':::', 'I', 'II', ':::', 'III']);
    await sameTree('out/{1}/', ['echo {}', ':::', 'a', 'b']);
  });

  it("a value that would lead out of the results directory is qrun's one-line error (255), nothing written outside", async () => {
    const cwd = join(scratch, 'escape');
    mkdirSync(join(cwd, 'res'), { recursive: true });
    const result = await runQrun(['--results', 'res/{}', 'echo', ':::', '../../outside'], { cwd });
    assert.equal(result.code, 255);
    assert.match(result.stderr, /qrun: cannot write results in 'res\/\{\}': the path 'res\/\.\.\/\.\.\/outside' made from the job's values leads out of '.*\/res'\n/);
    assert.ok(!existsSync(join(scratch, 'outside')) && !existsSync(join(scratch, 'outside.err')));
  });
});
