// End to end, differential: GNU parallel's input sources (:::, ::::, :::+, ::::+, --link) and
// positional replacement strings, run through qrun and through the real `parallel`, compared.

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { both, ran, same as sameAsGnu } from './gnu.js';
import { qrunBin, runQrun } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'qrun-e2e-src-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const names = join(scratch, 'names.txt');
writeFileSync(names, 'f1\nf2\n');
const more = join(scratch, 'more.txt');
writeFileSync(more, 'm1\nm2\nm3\n');

const same = (args: readonly string[], input = ''): Promise<void> => sameAsGnu(args, input, scratch);

describe('input sources, compared with GNU parallel', { concurrency: 4 }, () => {
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

  it(':::: files, several after one ::::, ::::+, and -a with ::: ', async () => {
    await same(['echo', '::::', names, ':::', 'x', 'y']);
    await same(['echo', '::::', names, more]);
    await same(['echo', '::::', names, '::::+', more]);
    await same(['-a', names, 'echo', ':::', 'x']);
  });

  it('stdin is read only when named: ::: alone ignores it, :::: - reads it', async () => {
    await same(['echo', ':::', 'a'], 'ignored\n');
    await same(['echo', '::::', '-', ':::', 'x', 'y'], 's1\ns2\n');
  });

  it('property: random -m/-X/--xargs with -s and -j give GNU parallel\'s jobs', async () => {
    const word = fc.stringMatching(/^[a-z0-9 .'-]{1,5}$/);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('-m', '-X', '--xargs'), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 16, max: 60 }), fc.constantFrom(['echo'], ['echo', 'x{}y'], ['echo', '{}', '{#}'], ['echo', '{.}', 'a{1}b']), fc.array(word, { minLength: 1, maxLength: 12 }), async (mode, jobs, chars, words, values) => {
        const args = [`-j${jobs}`, mode, '-s', String(chars), ...words, ':::', ...values];
        const ran = await both(args, '', scratch);
        if (ran.gnu.status === 255 && ran.gnu.stderr.includes('Command line too long')) {
          // GNU parallel stops; qrun fails that job with the reason and runs the rest (a deliberate difference).
          assert.match(ran.qrun.stderr, /the command line would be \d+ bytes; -s allows less than/);
          return;
        }
        assert.equal(ran.gnu.status, 0, ran.gnu.stderr);
        assert.equal(ran.qrun.stdout, ran.gnu.stdout, `qrun ${args.join(' ')}`);
      }),
      { numRuns: 20 },
    );
  });

  it('property: random records through --colsep, --trim, -n/-N, --tag and --header give GNU parallel\'s output', async () => {
    // Every record starts with a letter (a blank record is one of qrun's deliberate differences),
    // and all have the same number of columns (GNU parallel's --tag is odd on a short row under --header).
    const cell = fc.stringMatching(/^[a-z0-9 ]{0,3}$/);
    const rows = fc.integer({ min: 1, max: 3 }).chain((columns) =>
      fc.array(fc.tuple(fc.stringMatching(/^[a-z][a-z0-9 ]{0,3}$/), fc.array(cell, { minLength: columns - 1, maxLength: columns - 1 })).map(([first, rest]) => [first, ...rest].join(',')), { minLength: 1, maxLength: 6 }),
    );
    const settings = fc.record({
      colsep: fc.boolean(),
      trim: fc.constantFrom(undefined, 'lr', 'l', 'r'),
      group: fc.constantFrom<string[] | undefined>(undefined, ['-n', '2'], ['-N', '2'], ['-n', '3']),
      tag: fc.boolean(),
      header: fc.boolean(),
    });
    const template = fc.constantFrom(['echo'], ['echo', '{1}-{2}'], ['echo', '{}'], ['printf', '%s-', '{2}', '{1}', '{#}'], ['echo', 'x{1.}y']);
    await fc.assert(
      fc.asyncProperty(rows, settings, template, async (records, o, words) => {
        const args = [
          ...(o.colsep ? ['--colsep', ','] : []),
          ...(o.trim !== undefined ? ['--trim', o.trim] : []),
          ...(o.group ?? []),
          ...(o.tag ? ['--tag'] : []),
          ...(o.header ? ['--header', ':'] : []),
          ...words,
        ];
        // A header row of distinct names (GNU parallel's --tag is odd with empty or repeated ones).
        const names = (records[0] ?? '').split(',').map((_, i) => `c${i + 1}`).join(',');
        await same(args, `${[...(o.header ? [names] : []), ...records].join('\n')}\n`);
      }),
      { numRuns: 30 },
    );
  });

  it('property: random sources and templates give GNU parallel\'s output', async () => {
    const word = fc.stringMatching(/^[a-z0-9 ./'"$-]{0,6}$/);
    const template = fc.constantFrom(['echo'], ['echo', '{}'], ['echo', '{1}', '{2}'], ['echo', '{2}', 'x{1.}y'], ['echo', 'x{1}y'], ['printf', '%s-', '{/}', '{.}']);
    const separator = fc.constantFrom(':::', ':::+');
    await fc.assert(
      fc.asyncProperty(template, fc.array(fc.tuple(separator, fc.array(word, { minLength: 1, maxLength: 3 })), { minLength: 1, maxLength: 3 }), fc.boolean(), async (words, sources, link) => {
        const args = [...(link ? ['--link'] : []), ...words];
        sources.forEach(([sep, values], i) => args.push(i === 0 ? ':::' : sep, ...values));
        await same(args);
      }),
      { numRuns: 25 },
    );
  });
});

describe('input source mixes: regular files, FIFOs, process substitution and stdin, compared with GNU parallel', () => {
  let runs = 0;
  it('property: random -a / :::: mixes of every kind of source give GNU parallel\'s output and status', async () => {
    const line = fc.stringMatching(/^[a-z0-9]{1,4}$/);
    const source = fc.record({ kind: fc.constantFrom('file', 'fifo', 'procsub', 'stdin'), lines: fc.array(line, { minLength: 1, maxLength: 3 }) });
    const mix = fc.array(source, { minLength: 1, maxLength: 3 }).map((sources) => {
      // stdin ('-') can be one source at most.
      let seen = false;
      return sources.filter((one) => one.kind !== 'stdin' || (seen ? false : (seen = true)));
    });
    await fc.assert(
      fc.asyncProperty(mix, fc.constantFrom('-a', '::::'), fc.constantFrom(['echo'], ['echo', '{2}', '{1}']), async (sources, form, template) => {
        const n = ++runs;
        /** The bash script that runs one tool on this mix: each FIFO and process substitution its own. */
        const script = (tool: string, key: string): string => {
          const setup: string[] = ['set -e', `cd '${scratch}'`];
          let stdin = '';
          const paths = sources.map((one, i) => {
            const text = one.lines.map((value) => `${value}\\n`).join('');
            if (one.kind === 'stdin') {
              stdin = text;
              return '-';
            }
            if (one.kind === 'procsub') return `<(printf '${text}')`;
            const path = `mix.${n}.${i}.${key}`;
            if (one.kind === 'file') {
              setup.push(`printf '${text}' > ${path}`);
              return path;
            }
            // The writer gives up should the tool never open the FIFO.
            setup.push(`rm -f ${path}; mkfifo ${path}`, `(timeout 30 sh -c "printf '${text}' > ${path}" &)`);
            return path;
          });
          // -a goes before the template (after it, it would be part of the command); :::: after it.
          const command = form === '-a' ? [...paths.flatMap((path) => ['-a', path]), ...template] : [...template, '::::', ...paths];
          return [...setup, `printf '${stdin}' | ${tool} -k ${command.join(' ')}`].join('\n');
        };
        const [qrun, gnu] = await Promise.all([ran('bash', ['-c', script(`'${process.execPath}' '${qrunBin}' -q`, 'q')], '', scratch), ran('bash', ['-c', script('parallel --will-cite', 'g')], '', scratch)]);
        const shown = `${form} ${JSON.stringify(sources)} ${template.join(' ')}`;
        assert.equal(gnu.status, 0, `parallel: ${shown}: ${gnu.stderr}`);
        assert.equal(qrun.stdout, gnu.stdout, shown);
        assert.equal(qrun.status, gnu.status, `${shown}: ${qrun.stderr}`);
      }),
      { numRuns: 30 },
    );
  });
});

describe('--tag, --tagstring, --colsep and --trim, compared with GNU parallel', { concurrency: 4 }, () => {
  it('--tag with sources and with plain records; --tagstring with replacement strings', async () => {
    await same(['--tag', 'echo', ':::', 'a', 'b', ':::', '1', '2']);
    await same(['--tag', 'echo'], 'x y\nz\n');
    await same(['--tagstring', '{#}-{1}', 'echo', ':::', 'a', 'b']);
    await same(['--tag', '--colsep', ',', 'echo', 'hi'], 'a,b\n');
  });

  it('--colsep cuts records into {1} {2}...; {} and no template give all columns; --trim', async () => {
    await same(['--colsep', ',', 'echo', '{2}', '{1}'], 'a,b\nc,d,e\n');
    await same(['--colsep', ',', 'echo', '{}'], 'a,b\n');
    await same(['--colsep', ',', 'echo'], 'a,b\n');
    await same(['-C', '[,;]', 'echo', '{3}{2}{1}'], 'a,b;c\n');
    await same(['--colsep', ',', '--trim', 'lr', 'echo', '{1}x{2}'], ' a , b \n');
    await same(['--colsep', ',', '--trim', 'l', 'echo', '{1}x{2}'], ' a , b \n');
    await same(['--colsep', ',', '--trim', 'r', 'echo', '{1}x{2}'], ' a , b \n');
  });

  it('a bad --colsep is one line, exit 255', async () => {
    const result = await runQrun(['--colsep', '(']);
    assert.equal(result.code, 255);
    assert.match(result.stderr, /^qrun: --colsep must be a regular expression, got '\(': .*; see qrun --help\n$/);
  });
});

describe('-m, -X, --xargs and -s, compared with GNU parallel', { concurrency: 4 }, () => {
  const numbers = Array.from({ length: 30 }, (_, i) => `${i + 1}`).join('\n') + '\n';
  const cases: string[][] = [
    ['-j2', '-m', 'echo'],
    ['-j3', '-X', 'echo', 'pre-{}-post'],
    ['-j1', '-m', 'echo'],
    ['-j2', '--xargs', 'echo'],
    ['-j2', '-s', '30', '-m', 'echo'],
    ['-j2', '--max-chars', '30', '--xargs', 'echo'],
    ['-j4', '-X', 'echo', '{}', 'x{}y', '{#}'],
    ['-j2', '-s', '40', '-X', 'echo', 'a{}b'],
    ['-j3', '-m', '-s', '50', 'echo', '{.}', '{1}'],
    ['-j2', '-s', '25', '-X', 'echo', 'x{}'],
  ];
  for (const args of cases) it(args.join(' '), () => same(args, numbers));
  it('with input sources, quoting and --colsep', async () => {
    await same(['-j2', '-s', '40', '-m', 'echo', ':::', 'a', 'b', 'c', 'd e', 'f', "g'h", 'i', 'j', 'k']);
    await same(['-j2', '-X', 'echo', 'x{}y', ':::', 'a', 'b c', 'd']);
    await same(['-j2', '-m', '--colsep', ',', 'echo', '{2}', ':::', '1,2', '3,4', '5,6']);
    await same(['--colsep', ',', 'echo', '{2}', '{3}', ':::', '1,2', '3,4', ':::', 'x,y']);
  });
  it('a record too long for -s alone is a failed job with the reason (GNU parallel stops with 255)', async () => {
    const result = await runQrun(['-k', '-m', '-s', '20', 'echo', ':::', 'aaaaaaaaaaaaaaaaaaaa', 'b']);
    assert.equal(result.code, 1);
    assert.equal(result.stdout.toString(), 'b\n');
    assert.match(result.stderr, /^qrun: line 1: the command line would be 25 bytes; -s allows less than 20\n/);
  });
  it('bad combinations are one line, exit 255', async () => {
    for (const [args, message] of [
      [['-m', '-X', 'echo'], '-m and -X both set how arguments fill a job; give one'],
      [['-s', '100', 'echo'], '-s limits the command lines of -m, -X or --xargs; give one of them'],
      [['-m', '-s', '200000', 'echo'], "-s must be less than 131072 (Linux's limit on one argument: the command line goes to sh -c whole), got 200000"],
    ] as const) {
      const result = await runQrun([...args]);
      assert.equal(result.code, 255);
      assert.equal(result.stderr, `qrun: ${message}; see qrun --help\n`);
    }
  });
});

describe('--header, compared with GNU parallel', { concurrency: 4 }, () => {
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
  it('with input sources: the first value of each is its name', async () => {
    await same(['--header', ':', 'echo', '{a}', '{b}', ':::', 'a', '1', '2', ':::', 'b', 'x', 'y']);
    await same(['--header', ':', 'echo', '{f}-{g}', '::::', names, ':::', 'g', 'x']);
    await same(['--header', ':', 'echo', '{s}', '::::', '-'], 's\nv1\nv2\n');
  });
  it('without --colsep, records are cut at tabs', () => same(['--header', ':', 'echo', '{b}'], 'a\tb\n1\t2\n'));
});

describe('-n and -N: several records per job, compared with GNU parallel', { concurrency: 4 }, () => {
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
  it('with input sources', async () => {
    await same(['-n', '2', 'echo', ':::', 'a', 'b', 'c', 'd', 'e']);
    await same(['-n', '2', 'echo', ':::', 'a', 'b', ':::', '1', '2']);
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

describe('sources that cannot be read twice: pipes, FIFOs, stdin', { concurrency: 4 }, () => {
  // bash gives `<(cmd)` as /dev/fd/N, a pipe: readable once. Both tools run the same script.
  const viaBash = async (script: string): Promise<void> => {
    const [qrun, gnu] = await Promise.all([ran('bash', ['-c', script.replaceAll('TOOL', `'${process.execPath}' '${qrunBin}' -q`)], '', scratch), ran('bash', ['-c', script.replaceAll('TOOL', 'parallel --will-cite')], '', scratch)]);
    assert.equal(gnu.status, 0, gnu.stderr);
    assert.equal(qrun.stderr, '');
    assert.equal(qrun.stdout, gnu.stdout, script);
    assert.equal(qrun.status, 0);
  };
  it(':::: <(cmd) :::: <(cmd): every combination runs', () => viaBash('TOOL -k echo {1} {2} :::: <(seq 6 7) :::: <(seq 1 3)'));
  it('::: values :::: <(cmd), --link with a pipe, --header from a pipe', async () => {
    await viaBash('TOOL -k echo {1} {2} ::: 6 7 :::: <(seq 1 3)');
    await viaBash('TOOL -k --link echo {1} {2} :::: <(seq 1 5) :::: <(seq 1 2)');
    await viaBash('TOOL -k --header : echo {a} {b} :::: <(printf "a\\n1\\n2\\n") :::: <(printf "b\\nx\\ny\\n")');
  });
  it('a named FIFO as a later source, and stdin (- ) after another source', async () => {
    await viaBash('d=$(mktemp -d); mkfifo "$d/f"; seq 1 3 > "$d/f" & TOOL -k echo {1} {2} ::: 6 7 :::: "$d/f"; wait; rm -r "$d"');
    await viaBash('seq 4 5 | TOOL -k echo {1} {2} ::: 1 2 3 :::: -');
  });
  it('--halt N% counts a pipe once, and the private copy is removed', async () => {
    const tmp = mkdtempSync(join(scratch, 'spool-'));
    const result = await ran('bash', ['-c', `TMPDIR='${tmp}' '${process.execPath}' '${qrunBin}' -k --halt now,fail=50% echo {1} {2} ::: a b :::: <(seq 1 2)`], '', scratch);
    assert.equal(result.stdout, 'a 1\na 2\nb 1\nb 2\n');
    assert.equal(result.status, 0);
    assert.deepEqual(readdirSync(tmp), []);
  });
  it('an endless pipe read once streams (no copy): the first group is not spooled', async () => {
    const result = await ran('bash', ['-c', `'${process.execPath}' '${qrunBin}' -q --halt now,fail=1 -c 1 'echo {}; exit 1' :::: <(yes)`], '', scratch);
    assert.equal(result.stdout, 'y\n');
    assert.equal(result.status, 1);
  });
});
