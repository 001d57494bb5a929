// End to end, differential: --results <file>.json/.csv/.tsv and -.json (stdout), through qrun and
// through the real `parallel`, compared byte for byte but for the start times and runtimes.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { baseEnv, qrunBin, runQrun } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'qrun-e2e-restable-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Start times and runtimes are the machine's: blanked in both tools' rows. */
function untimed(text: string): string {
  return text
    .replace(/"Starttime": \d+\.\d{3}, "JobRuntime": \d+\.\d{3}/g, '"Starttime": T, "JobRuntime": R')
    .replace(/^(\d+)([,\t]):\2\d+\.\d{3}\2\d+\.\d{3}\2/gm, '$1$2:$2T$2R$2');
}

let runs = 0;
/** Runs both tools with `--results <name>` in directories of their own; returns what each wrote (file, then stdout). */
function table(name: string, args: readonly string[], input = ''): { qrun: { file: string; stdout: string; status: number | null }; gnu: { file: string; stdout: string; status: number | null } } {
  runs++;
  const run = (tool: 'qrun' | 'gnu') => {
    const cwd = join(scratch, `${tool}-${runs}`);
    mkdirSync(cwd);
    const argv = tool === 'qrun' ? [qrunBin, '-q', '-k', '--results', name, ...args] : ['--will-cite', '-k', '--results', name, ...args];
    const r = spawnSync(tool === 'qrun' ? process.execPath : 'parallel', argv, { cwd, input, encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL', env: { ...baseEnv, CI: 'true' } });
    const file = name.startsWith('-.') ? '' : readFileSync(join(cwd, name), 'utf8');
    return { file: untimed(file), stdout: untimed(r.stdout), status: r.status };
  };
  return { qrun: run('qrun'), gnu: run('gnu') };
}

function same(name: string, args: readonly string[], input = ''): void {
  const { qrun, gnu } = table(name, args, input);
  assert.equal(qrun.file, gnu.file, `qrun --results ${name} ${args.join(' ')}`);
  assert.equal(qrun.stdout, gnu.stdout);
  assert.equal(qrun.status, gnu.status);
}

describe('--results <file>.json/.csv/.tsv, compared with GNU parallel', () => {
  it('.json: one object per job; quotes, backslashes, control characters escaped; bytes above ASCII as they are', () => {
    same('out.json', ['echo {}; echo err >&2', ':::', 'a', 'b"c', 'back\\slash', 'tab\there', 'é ü']);
    same('out.json', ['printf "\\001\\037x\\177"', ':::', '1']);
  });

  it('.csv: a header with V1..Vn, fields quoted when they hold a quote, white space or a comma', () => {
    same('out.csv', ['printf "x,y\\n"; echo e >&2', ':::', 'a', 'b c', ':::', '1', '"q"']);
    same('out.csv', ['echo'], 'plain\nwith space\n');
    // --header: the arguments' columns take their names.
    same('out.csv', ['--header', ':', 'echo', ':::', 'x', '1', '2', ':::', 'y', '3']);
  });

  it('.tsv: the same with tabs', () => {
    same('out.tsv', ['echo', ':::', 'a', 'b c', 'd,e']);
  });

  it('failed, killed and timed-out jobs: Exitval and Signal as the joblog has them', () => {
    same('out.json', ['--timeout', '1', '{}', ':::', 'exit 3', 'kill -9 $$', 'sleep 30', 'echo ok']);
  });

  it('-.json, -.csv: the table goes to stdout, and nothing else does', () => {
    same('-.json', ['echo', ':::', 'a', 'b']);
    same('-.csv', ['echo {}; echo e >&2', ':::', 'a', 'b']);
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
