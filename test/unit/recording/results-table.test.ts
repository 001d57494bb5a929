import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { Disposals } from '../../../src/disposals.js';
import { PrivateDir } from '../../../src/private-dir.js';
import { StdioGuard } from '../../../src/output/stdio-guard.js';
import { openRecording, ReaderGoneError } from '../../../src/recording/open-recording.js';
import { isStdoutTable, ResultsTable, resultsFile, tableFormat } from '../../../src/recording/results-table.js';
import { parseOptions } from '../../../src/cli/options.js';
import { job, jobResult } from '../fakes/fakes.js';

const dir = mkdtempSync(join(tmpdir(), 'qrun-unit-table-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A table whose rows are collected; each job's output fed through its files. */
async function table(format: 'json' | 'csv' | 'tsv', names: readonly string[] = []) {
  const rows: Buffer[] = [];
  const temp = new PrivateDir(dir);
  const writer = new ResultsTable(format, (bytes) => void rows.push(bytes), temp, names);
  const write = async (seq: number, args: string[], out: string, err: string, over = {}) => {
    const files = writer.start(job(seq, { args }));
    files.onStdout(Buffer.from(out));
    files.onStderr(Buffer.from(err));
    await writer.finish(jobResult({ job: job(seq, { args }), command: `echo ${args.join(' ')}`, stdoutBytes: Buffer.byteLength(out), ...over }));
  };
  return { write, text: () => Buffer.concat(rows).toString(), temp };
}

describe('--results tables', () => {
  it('are picked by the extension, stdout for -.json', () => {
    assert.equal(tableFormat('out.JSON'), 'json');
    assert.equal(tableFormat('out.tsv'), 'tsv');
    assert.equal(tableFormat('dir'), undefined);
    assert.ok(isStdoutTable('-.csv'));
    assert.ok(!isStdoutTable('x-.csv'));
  });

  it("JSON: GNU parallel's nine columns, the values, and the output escaped, one object per line", async () => {
    const t = await table('json');
    await t.write(1, ['a "q"', 'b'], 'line\n\ttab', 'err\u0001', { exitCode: 3 });
    const row = JSON.parse(t.text()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(row), ['Seq', 'Host', 'Starttime', 'JobRuntime', 'Send', 'Receive', 'Exitval', 'Signal', 'Command', 'V', 'Stdout', 'Stderr']);
    assert.equal(row.Exitval, 3);
    assert.deepEqual(row.V, ['a "q"', 'b']);
    assert.equal(row.Stdout, 'line\n\ttab');
    assert.equal(row.Stderr, 'err\u0001');
    assert.equal(row.Receive, 9);
  });

  it('CSV: a header once (names from --header, else V1…), fields quoted when they need it; TSV the same with tabs', async () => {
    const csv = await table('csv', ['name']);
    await csv.write(1, ['x,y', 'z'], 'two\nlines', '');
    await csv.write(2, ['p', 'q'], 'plain', 'e');
    const lines = csv.text().split('\n');
    assert.equal(lines[0], 'Seq,Host,Starttime,JobRuntime,Send,Receive,Exitval,Signal,Command,name,V2,Stdout,Stderr');
    assert.match(csv.text(), /,"x,y",z,"two\nlines",\n/);
    assert.match(csv.text(), /\n2,:,[\d.]+,[\d.]+,0,5,0,0,"echo p q",p,q,plain,e\n$/);
    const tsv = await table('tsv');
    await tsv.write(1, ['a'], 'out', 'err');
    assert.match(tsv.text(), /^Seq\tHost\t.*\tV1\tStdout\tStderr\n1\t:\t/);
  });

  it("a job's output is held in nameless files of the private directory, none left after its row", async () => {
    const t = await table('json');
    const files = new ResultsTable('json', () => undefined, t.temp).start(job(9));
    files.onStdout(Buffer.from('held'));
    assert.deepEqual(readdirSync(t.temp.path()), [], 'the files are unlinked as soon as they are open');
    t.temp.dispose();
  });

  it('a results file is truncated when opened; one that cannot be is a one-line usage error', () => {
    const path = join(dir, 'old.json');
    writeFileSync(path, 'old rows');
    const file = resultsFile(path);
    file.sink(Buffer.from('new\n'));
    file.close();
    assert.equal(readFileSync(path, 'utf8'), 'new\n');
    assert.throws(() => resultsFile(join(dir, 'missing', 'x.json')), /^UsageError: --results '.*x\.json' cannot be written: ENOENT/);
  });
});

describe('the recording stage', () => {
  const stdio = (stdout = new PassThrough()) => new StdioGuard({ stdout, stderr: new PassThrough(), terminate: () => undefined, fail: () => undefined, kill: new AbortController().signal, graceMs: 100 });

  it('opens the joblog and the results, reads --resume back, cuts a row left without its newline (warning), and closes all on dispose', async () => {
    const joblog = join(dir, 'run.jl');
    writeFileSync(joblog, 'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n1\t:\t1.000\t0.100\t0\t0\t0\t0\ttrue\n2\t:\t1.0');
    const options = parseOptions({ joblog, resume: true, results: join(dir, 'res.json') });
    const warnings: string[] = [];
    const disposals = new Disposals();
    const recording = await openRecording(options, { stdout: new PassThrough(), stdio: stdio(), tempDir: new PrivateDir(dir), names: [], warn: (text) => warnings.push(text) }, disposals);
    assert.deepEqual([...(recording.resumed?.done ?? [])], [1]);
    assert.deepEqual(warnings, [`--joblog '${joblog}' line 3 was cut off (no newline at its end): removed, and its job runs again`]);
    assert.ok(recording.joblog !== undefined && recording.results?.replacesOutput === true);
    await recording.joblog.write(jobResult({ job: job(2), command: 'again' }));
    await disposals.dispose();
    assert.match(readFileSync(joblog, 'utf8'), /\ttrue\n2\t:\t[\d.]+\t\s+[\d.]+\t0\t0\t0\t0\tagain\n$/);
  });

  it('a dry run opens nothing; `--joblog -` on a closed stdout is the reader gone (141), not an error', async () => {
    const disposals = new Disposals();
    const dry = await openRecording(parseOptions({ joblog: join(dir, 'never.jl'), dryRun: true }), { stdout: new PassThrough(), stdio: stdio(), tempDir: new PrivateDir(dir), names: [], warn: () => undefined }, disposals);
    assert.equal(dry.joblog, undefined);
    assert.ok(!readdirSync(dir).includes('never.jl'));
    const broken = new PassThrough();
    broken.on('error', () => undefined);
    broken.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    await assert.rejects(openRecording(parseOptions({ joblog: '-' }), { stdout: broken, stdio: stdio(broken), tempDir: new PrivateDir(dir), names: [], warn: () => undefined }, disposals), ReaderGoneError);
    await disposals.dispose();
  });
});
