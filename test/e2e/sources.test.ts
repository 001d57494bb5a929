// End to end, differential: GNU parallel's input sources (:::, ::::, :::+, ::::+, --link) and
// positional replacement strings, run through qrun and through the real `parallel`, compared.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { same as sameAsGnu } from './gnu.js';
import { runQrun } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'qrun-e2e-src-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const names = join(scratch, 'names.txt');
writeFileSync(names, 'f1\nf2\n');
const more = join(scratch, 'more.txt');
writeFileSync(more, 'm1\nm2\nm3\n');

const same = (args: readonly string[], input = ''): void => sameAsGnu(args, input, scratch);

describe('input sources, compared with GNU parallel', () => {
  const cases: string[][] = [
    ['echo', ':::', 'a', 'b', ':::', '1', '2'],
    ['echo', ':::', 'a', 'b', 'c', ':::+', '1', '2'],
    ['--link', 'echo', ':::', 'a', 'b', 'c', ':::', '1', '2'],
    ['echo', '{2}-{1}', ':::', 'a', 'b', ':::', 'x y', '2'],
    [':::', 'echo hi', 'echo there'],
    ['echo', '{}', ':::', 'a b', ':::', 'c'],
    ['echo', ':::', 'a b', "c'd", '$(echo no)', '"q"'],
    ['echo', '{1/}', '{1.}', '{1//}', '{1/.}', ':::', 'dir/a.txt', 'b.tar.gz', 'a/b.c/', '.', '..', 'a.', 'a/.b', '/x/', '/'],
    ['echo', ':::', '', 'x'],
    ['echo', '{#}', '{1}', ':::', 'a', 'b', 'c'],
  ];
  for (const args of cases) it(args.join(' '), () => same(args));

  it(':::: files, several after one ::::, ::::+, and -a with ::: ', () => {
    same(['echo', '::::', names, ':::', 'x', 'y']);
    same(['echo', '::::', names, more]);
    same(['echo', '::::', names, '::::+', more]);
    same(['-a', names, 'echo', ':::', 'x']);
  });

  it('stdin is read only when named: ::: alone ignores it, :::: - reads it', () => {
    same(['echo', ':::', 'a'], 'ignored\n');
    same(['echo', '::::', '-', ':::', 'x', 'y'], 's1\ns2\n');
  });

  it('property: random sources and templates give GNU parallel\'s output', () => {
    const word = fc.stringMatching(/^[a-z0-9 ./'"$-]{0,6}$/);
    const template = fc.constantFrom(['echo'], ['echo', '{}'], ['echo', '{1}', '{2}'], ['echo', '{2}', 'x{1.}y'], ['echo', 'x{1}y'], ['printf', '%s-', '{/}', '{.}']);
    const separator = fc.constantFrom(':::', ':::+');
    fc.assert(
      fc.property(template, fc.array(fc.tuple(separator, fc.array(word, { minLength: 1, maxLength: 3 })), { minLength: 1, maxLength: 3 }), fc.boolean(), (words, sources, link) => {
        const args = [...(link ? ['--link'] : []), ...words];
        sources.forEach(([sep, values], i) => args.push(i === 0 ? ':::' : sep, ...values));
        same(args);
      }),
      { numRuns: 25 },
    );
  });
});

describe('--tag, --tagstring, --colsep and --trim, compared with GNU parallel', () => {
  it('--tag with sources and with plain records; --tagstring with replacement strings', () => {
    same(['--tag', 'echo', ':::', 'a', 'b', ':::', '1', '2']);
    same(['--tag', 'echo'], 'x y\nz\n');
    same(['--tagstring', '{#}-{1}', 'echo', ':::', 'a', 'b']);
    same(['--tag', '--colsep', ',', 'echo', 'hi'], 'a,b\n');
  });

  it('--colsep cuts records into {1} {2}...; {} and no template give all columns; --trim', () => {
    same(['--colsep', ',', 'echo', '{2}', '{1}'], 'a,b\nc,d,e\n');
    same(['--colsep', ',', 'echo', '{}'], 'a,b\n');
    same(['--colsep', ',', 'echo'], 'a,b\n');
    same(['-C', '[,;]', 'echo', '{3}{2}{1}'], 'a,b;c\n');
    same(['--colsep', ',', '--trim', 'lr', 'echo', '{1}x{2}'], ' a , b \n');
    same(['--colsep', ',', '--trim', 'l', 'echo', '{1}x{2}'], ' a , b \n');
    same(['--colsep', ',', '--trim', 'r', 'echo', '{1}x{2}'], ' a , b \n');
  });

  it('a bad --colsep is one line, exit 255', async () => {
    const result = await runQrun(['--colsep', '(']);
    assert.equal(result.code, 255);
    assert.match(result.stderr, /^qrun: --colsep must be a regular expression, got '\(': .*; see qrun --help\n$/);
  });
});

describe('--header, compared with GNU parallel', () => {
  const table = 'name,size\nfoo.txt,1\nbar.tar.gz,2\n';
  const cases: string[][] = [
    ['--header', ':', '--colsep', ',', 'echo', '{size}', '{name.}', '{name/}', '{#}'],
    ['--header', ':', '--colsep', ',', 'echo', '{}'],
    ['--header', ':', '--colsep', ',', 'echo', '{size}x{nope}'],
    ['--header', ':', '--tagstring', '{size}', '--colsep', ',', 'echo', '{name}'],
    ['--header', ':', '-n', '2', '--colsep', ',', 'echo', '{name}'],
    ['--header', '.*', '--colsep', ',', 'echo', '{name}'],
  ];
  for (const args of cases) it(args.join(' '), () => same(args, table));
  it('with input sources: the first value of each is its name', () => {
    same(['--header', ':', 'echo', '{a}', '{b}', ':::', 'a', '1', '2', ':::', 'b', 'x', 'y']);
    same(['--header', ':', 'echo', '{f}-{g}', '::::', names, ':::', 'g', 'x']);
    same(['--header', ':', 'echo', '{s}', '::::', '-'], 's\nv1\nv2\n');
  });
  it('without --colsep, records are cut at tabs', () => same(['--header', ':', 'echo', '{b}'], 'a\tb\n1\t2\n'));
});

describe('-n and -N: several records per job, compared with GNU parallel', () => {
  const input = '1,x\n2\n3\n4\n5\n';
  const cases: string[][] = [
    ['-n', '2', 'echo'],
    ['-N', '2', 'echo', '{2}-{1}'],
    ['-N0', 'echo', 'hi'],
    ['-n', '2', 'echo', '{}'],
    ['--max-args', '2', 'echo'],
    ['-n2', '--tag', 'echo'],
    ['-n', '3', '--colsep', ',', 'echo', '{4}{1}'],
  ];
  for (const args of cases) it(args.join(' '), () => same(args, input));
  it('with input sources', () => {
    same(['-n', '2', 'echo', ':::', 'a', 'b', 'c', 'd', 'e']);
    same(['-n', '2', 'echo', ':::', 'a', 'b', ':::', '1', '2']);
  });
  it('-n and -N together are refused', async () => {
    const result = await runQrun(['-n', '2', '-N', '2', 'echo']);
    assert.equal(result.code, 255);
    assert.equal(result.stderr, 'qrun: -n and -N both set how many arguments a job takes; give one; see qrun --help\n');
  });
});

describe('input sources: errors', () => {
  it('--ndjson with ::: is refused; an unreadable :::: file is refused before any job', async () => {
    const ndjson = await runQrun(['--ndjson', ':::', 'a']);
    assert.equal(ndjson.code, 255);
    assert.match(ndjson.stderr, /^qrun: --ndjson reads records from stdin or -a files; ::: and :::: input sources cannot be used with it; see qrun --help\n$/);
    const missing = await runQrun(['echo', '::::', join(scratch, 'nope.txt'), ':::', 'x']);
    assert.equal(missing.code, 255);
    assert.match(missing.stderr, /cannot be read: no such file\n$/);
    assert.equal(missing.stdout.length, 0);
  });
});
