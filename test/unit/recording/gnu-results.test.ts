import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { GnuResults } from '../../../src/recording/gnu-results.js';
import { job, jobResult } from '../fakes/fakes.js';

const dir = mkdtempSync(join(tmpdir(), 'qrun-unit-gnures-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function record(results: GnuResults, seq: number, args: string[], out: string, err = ''): void {
  const files = results.start(job(seq, { args, record: args.join(' ') }));
  files.onStdout(Buffer.from(out));
  files.onStderr(Buffer.from(err));
  results.finish(jobResult({ job: job(seq, { args }) }));
}

describe("--results DIR in GNU parallel's layout", () => {
  it('a level per argument (its number or header name, then its value, / as \\_), seq without a newline; files 0600', () => {
    const root = join(dir, 'tree');
    const results = new GnuResults(root, ['name']);
    assert.equal(results.replacesOutput, true);
    record(results, 7, ['a/b', 'II'], 'out\n', 'err\n');
    const leaf = join(root, 'name', 'a\\_b', '2', 'II');
    assert.deepEqual(readdirSync(leaf).sort(), ['seq', 'stderr', 'stdout']);
    assert.equal(readFileSync(join(leaf, 'seq'), 'utf8'), '7');
    assert.equal(readFileSync(join(leaf, 'stdout'), 'utf8'), 'out\n');
    assert.equal(statSync(join(leaf, 'stdout')).mode & 0o777, 0o600);
  });

  it('a retry starts the files over; a discarded job leaves no seq file', () => {
    const root = join(dir, 'retry');
    const results = new GnuResults(root, []);
    results.start(job(1, { args: ['x'] })).onStdout(Buffer.from('first try, long\n'));
    record(results, 1, ['x'], 'second\n');
    assert.equal(readFileSync(join(root, '1', 'x', 'stdout'), 'utf8'), 'second\n');
    results.start(job(2, { args: ['y'] }));
    results.discard(job(2, { args: ['y'] }));
    assert.deepEqual(readdirSync(join(root, '1', 'y')).sort(), ['stderr', 'stdout']);
  });

  it('replacement strings make the path: a file with .err and .seq, or a directory with a trailing /', () => {
    const results = new GnuResults(join(dir, 'paths/{1}/{2}'), []);
    record(results, 1, ['I', 'III'], 'o', 'e');
    assert.deepEqual(readdirSync(join(dir, 'paths', 'I')).sort(), ['III', 'III.err', 'III.seq']);
    const asDir = new GnuResults(join(dir, 'dirs/{}/'), []);
    record(asDir, 2, ['v'], 'o');
    assert.deepEqual(readdirSync(join(dir, 'dirs', 'v')).sort(), ['seq', 'stderr', 'stdout']);
  });

  it('a value that would lead out of the results is refused when the job is recorded, and nothing is written outside', () => {
    const results = new GnuResults(join(dir, 'safe/{}'), []);
    results.start(job(1, { args: ['../../escaped'] })).onStdout(Buffer.from('x'));
    assert.throws(() => results.finish(jobResult({ job: job(1, { args: ['../../escaped'] }) })), /^Error: cannot write results in '.*safe\/\{\}': the path '.*safe\/\.\.\/\.\.\/escaped' made from the job's values leads out of '.*safe'$/);
    assert.ok(!readdirSync(join(dir, '..')).includes('escaped'));
    const named = new GnuResults(join(dir, 'named'), ['..', '..']);
    named.start(job(1, { args: ['..', 'x'] }));
    assert.throws(() => named.finish(jobResult({ job: job(1, { args: ['..', 'x'] }) })), /leads out of/);
  });
});

describe('--results DIR: names as GNU parallel makes them', () => {
  it('levels in the order of their --header names (numbers first), values escaped and cut to 255 bytes on a character', () => {
    const root = join(dir, 'names');
    const results = new GnuResults(root, ['b', 'a']);
    const long = `${'x'.repeat(254)}é`;
    record(results, 1, ['v\\1\tt', long], 'out');
    const leaf = join(root, 'a', 'x'.repeat(254), 'b', 'v\\\\1\\tt');
    assert.equal(readFileSync(join(leaf, 'stdout'), 'utf8'), 'out');
  });

  it('a name made by replacement strings without a trailing slash is a file beside the fixed part, not under it', () => {
    const prefix = join(dir, 'flat', 'par_{}_x');
    const results = new GnuResults(prefix, []);
    record(results, 1, ['foo'], 'out', 'err');
    assert.equal(readFileSync(join(dir, 'flat', 'par_foo_x'), 'utf8'), 'out');
    assert.equal(readFileSync(join(dir, 'flat', 'par_foo_x.err'), 'utf8'), 'err');
    assert.throws(() => record(results, 2, ['../../../escape'], ''), /leads out of/);
  });
});
