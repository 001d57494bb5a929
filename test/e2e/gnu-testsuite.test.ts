// End to end, differential: invocations from GNU parallel's own test suite
// (testsuite/tests-to-run/parallel-local*.sh and test*.sh, GNU parallel's source) that use what qrun has
// (local execution: input sources, replacement strings, -m/-X/-s, -n/-N, --pipe, --pipe-part,
// --colsep, --header, --halt, --dry-run), each run through qrun and through the real `parallel`.
// Cases that test what qrun does differently on purpose (blank shell lines, -L, -d, --tty, ssh,
// {= perl =}) are left out; the README lists those differences.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { same } from './gnu.js';
import { cleanUp, invocations, loadCases, sameScript } from './gnu-scripts.js';

const scratch = mkdtempSync(join(tmpdir(), 'qrun-e2e-gnusuite-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const lines = (from: number, to: number): string => Array.from({ length: to - from + 1 }, (_, i) => `${from + i}\n`).join('');
writeFileSync(join(scratch, 'seq10'), lines(1, 10));
writeFileSync(join(scratch, 'seq3'), lines(1, 3));
writeFileSync(join(scratch, 'seq21-23'), lines(21, 23));
writeFileSync(join(scratch, 'blanks'), 'a\n\n  \nb\n');
writeFileSync(join(scratch, 'a1'), '6\n7\n');
writeFileSync(join(scratch, 'a2'), '4\n5\n');
writeFileSync(join(scratch, 'commands'), 'echo x\necho y\n');
writeFileSync(join(scratch, 'headed'), 'h1\nh2\na\nb\nc\n');

/** [what the suite checks, argv after `parallel`, stdin, GNU parallel's exit status]. */
const cases: [string, string[], string?, number?][] = [
  ['bug #45619: --halt now,fail=1 with only successes exits 0', ['--halt', 'now,fail=1', 'true'], lines(1, 10)],
  ['exit status of a true job', [], 'true\n'],
  ['exit status of a false job', [], 'false\n', 1],
  ['bug #43284: {#} with --xapply', ['--xapply', 'echo {1} {#} {2}', ':::', 'a', ':::', 'b']],
  ['bug #43284: {%} with -N2', ['-N2', 'echo {%}', ':::', 'a', 'b']],
  ['bug #47501: :::+ for some input sources', ['echo', ':::', 'a', 'b', 'c', 'aWRAP', ':::+', 'aa', 'bb', 'cc', ':::', 'A', 'B', ':::+', 'AA', 'BB', 'AAwrap']],
  // The jobs read their block: GNU parallel fails a job now and then that exits before it has written the block.
  ['bug #43376: {#} with --pipe', ['--pipe', 'cat >/dev/null; echo', '{#}'], 'foo\n'],
  ['bug #43376: {%} with --pipe', ['--pipe', 'cat >/dev/null; echo', '{%}'], 'foo\n'],
  ['{} as part of the command: l{}', ['l{}'], 's /bin/ls\n'],
  ['{} as part of the command: ls {}', ['ls', '{}'], '/bin/ls\n'],
  ['{} as part of the command: {}', ['{}'], 'ls /bin/ls\n'],
  ['{} as part of the command: no command', [], 'ls /bin/ls\n'],
  ['bug #44614: --pipepart --block 5', ['--pipepart', '-a', join(scratch, 'seq10'), '--block', '5', 'echo foo; cat']],
  ['bug #44995: {#} with two sources', ['echo', '{#}', ':::', '1', '2', ':::', '1', '2']],
  ['bug #46016: --dryrun with --joblog - logs nothing', ['--dryrun', '--joblog', '-', 'echo', ':::', 'Only_this']],
  ['{##}-free: -N7 {#} over 14 arguments', ['-N7', 'echo', '{#}', ':::', ...lines(1, 14).trim().split('\n')]],
  ['-n1 -m', ['-n1', '-m', 'echo'], 'line 1\nline 2\nline 3\n'],
  ['-n2 -m', ['-n2', '-m', 'echo'], 'line 1\nline 1\nline 2\n'],
  ['-n1 -X', ['-n1', '-X', 'echo'], 'line 1\nline 2\nline 3\n'],
  ['-n2 -X', ['-n2', '-X', 'echo'], 'line 1\nline 1\nline 2\n'],
  ['-n1', ['-n1', 'echo'], 'line 1\nline 2\nline 3\n'],
  ['-n2', ['-n2', 'echo'], 'line 1\nline 1\nline 2\n'],
  ['--max-args=1 -X', ['--max-args=1', '-X', 'echo'], 'line 1\nline 2\nline 3\n'],
  ['--max-args 2 -X', ['--max-args', '2', '-X', 'echo'], 'line 1\nline 1\nline 2\n'],
  ['-a: arguments from a file', ['-a', join(scratch, 'seq10'), 'echo']],
  ['--arg-file', ['--arg-file', join(scratch, 'seq10'), 'echo']],
  ['--max-chars 25 -X', ['--max-chars', '25', '-X', 'echo'], 'line 1\nline 1\nline 2\n'],
  ['-s 25 -X', ['-s', '25', '-X', 'echo'], 'line 1\nline 1\nline 2\n'],
  ['(cat | sh): command lines', [], Array.from({ length: 25 }, (_, i) => `echo a ${i + 1}; echo b ${i + 1}\n`).join('')],
  ['xargs mode', ['echo'], Array.from({ length: 25 }, (_, i) => `a ${i + 1}\nb ${i + 1}\n`).join('')],
  ['0 arguments: -n0', ['-n0', 'echo', 'n0'], lines(1, 2)],
  ['0 arguments: -N0', ['-N0', 'echo', 'N0'], lines(1, 2)],
  ['-N0 and {}', ['-N0', 'echo', 'replace', '{}', 'curlies'], lines(1, 2)],
  ['-N0 with arguments on the command line', ['-N0', 'echo', 'args', 'on', 'cmdline', ':::', '1', '2']],
  ['distribute arguments at EOF to 2 jobslots', ['-j2', '-X', '-s', '100', 'echo'], lines(1, 92)],
  ['distribute arguments at EOF to 5 jobslots', ['-j5', '-X', '-s', '100', 'echo'], lines(1, 92)],
  ['-N is not broken by distribution: one line', ['-N', '10', 'echo'], lines(1, 9)],
  ['-N is not broken by distribution: two lines', ['-N', '10', 'echo'], lines(1, 19)],
  ['-N context replace', ['-N', '10', 'echo', 'a{}b'], lines(1, 19)],
  ['-X {1}-{2} with two sources, -j1', ['-j1', '-X', 'echo', '{1}-{2}', ':::', 'a', ':::', 'b']],
  ['-X {1}-{2} with two sources, -j2', ['-j2', '-X', 'echo', '{1}-{2}', ':::', 'a', 'b', ':::', 'c', 'd']],
  ['-X {1}-{2} with two sources of three', ['-j2', '-X', 'echo', '{1}-{2}', ':::', 'a', 'b', 'c', ':::', 'd', 'e', 'f']],
  ['-X {}-{.} with two sources, -j1', ['-j1', '-X', 'echo', '{}-{.}', ':::', 'a', ':::', 'b']],
  ['-X {}-{.} with two sources, -j2', ['-j2', '-X', 'echo', '{}-{.}', ':::', 'a', 'b', ':::', 'c', 'd']],
  ['-X {}-{.} with two sources of three', ['-j2', '-X', 'echo', '{}-{.}', ':::', 'a', 'b', 'c', ':::', 'd', 'e', 'f']],
  // A blank input line with a command template is an empty argument (issue: GNU's "echo | parallel echo empty input line").
  ['an empty input line is an argument of a command template', ['echo', 'empty', 'input', 'line'], '\n'],
  ['blank and white-space lines as arguments, in order', ['-k', 'echo', 'x{}y'], 'a\n\n  \nb\n'],
  ['blank lines as arguments with -N2', ['-k', '-N2', 'echo', '{1}-{2}'], 'a\n\nb\n'],
  ['blank lines as arguments with -X', ['-k', '-j1', '-X', 'echo'], 'a\n\nb\n'],
  ['blank lines as arguments with --colsep', ['-k', '--colsep', ',', 'echo', '{2}{1}'], 'a,b\n\nc,d\n'],
  ['blank lines of a :::: file are arguments, combined with :::', ['-k', 'echo', 'x{1}y{2}', '::::', join(scratch, 'blanks'), ':::', '1', '2']],
  ['blank lines of a -a file with ::: are arguments', ['-k', '-a', join(scratch, 'blanks'), 'echo', '[{1}]', ':::', 'z']],
  // Several -a are several input sources (issue: GNU's "parallel -k -a a1 -a a2 echo").
  ['several -a are input sources, combined', ['-k', '-a', join(scratch, 'a1'), '-a', join(scratch, 'a2'), 'echo']],
  ['several -a with --colsep and {2}-{1}', ['-k', '-a', join(scratch, 'a1'), '-a', join(scratch, 'a2'), '--colsep', ',', 'echo', '{2}-{1}']],
  ['several -a without a template: the combined arguments are the command', ['-k', '-a', join(scratch, 'commands'), '-a', join(scratch, 'a2')]],
  ['-a - and -a file: stdin is a source too', ['-k', '-a', '-', '-a', join(scratch, 'a2'), 'echo'], '1\n2\n'],
  // -m, -X and --xargs fill jobs to GNU's default line length (issue: "seq 1 60000 | parallel -k -j1 -m echo | md5sum").
  ['-m fills jobs to the default -s: 60,000 arguments, -j1', ['-j1', '-m', 'echo'], lines(1, 60000)],
  ['-X fills jobs to the default -s: 60,000 arguments in context, -j2', ['-j2', '-X', 'echo', 'a{}b'], lines(1, 60000)],
  ['--xargs fills jobs to the default -s: 60,000 arguments', ['--xargs', 'echo'], lines(1, 60000)],
  // --header as a regular expression with --pipe matches as many lines as it covers (issue: '.*\n.*\n' is two lines).
  ['--pipe --header .*\\n.*\\n: a two-line header in front of every block', ['--pipe', '--header', '.*\\n.*\\n', '-N1', 'echo ---; cat'], 'h1\nh2\na\nb\n'],
  ['--pipe --header h.\\n: what the pattern matches', ['--pipe', '--header', 'h.\\n', '-N1', 'echo ---; cat'], 'h1\nh2\na\nb\n'],
  ['--pipe --header .*: a match without its newline', ['--pipe', '--header', '.*', '-N1', 'echo ---; cat'], 'h1\nh2\na\nb\n'],
  ['--pipe --header x: no match, no header', ['--pipe', '--header', 'x', '-N1', 'echo ---; cat'], 'h1\nh2\na\nb\n'],
  ['--pipe-part --header .*\\n.*\\n', ['--pipe-part', '-a', join(scratch, 'headed'), '--block', '3', '--header', '.*\\n.*\\n', 'echo ---; cat']],
  ['blank lines as arguments with {#}', ['-k', 'echo', '{#}:{}'], '\na\n\n'],
  ['bug #36260: {n} with --colsep and empty last fields', ['--colsep', ',', 'echo', '{1}{3}{2}'], 'A,B,,\n'],
  ['bug #48745: :::+ and ::::+', ['echo', ':::', '11', '22', '33', '::::+', join(scratch, 'seq3'), join(scratch, 'seq21-23'), ':::', 'a', 'b', 'c', ':::+', 'aa', 'bb', 'cc']],
  ['bug #48745: :::: two files, :::+', ['echo', '::::', join(scratch, 'seq3'), join(scratch, 'seq21-23'), ':::+', 'a', 'b', 'c', ':::', 'aa', 'bb', 'cc']],
  ['bug #48745: :::: twice, :::+', ['echo', '::::', join(scratch, 'seq3'), '::::', join(scratch, 'seq21-23'), ':::+', 'a', 'b', 'c', ':::', 'aa', 'bb', 'cc']],
  ['bug #49538: --header with {var/.}', ['--header', ':', 'echo', '{var/.}', ':::', 'var', 'sub/dir/file.ext']],
  ['bug #49538: --header with {var//}', ['--header', ':', 'echo', '{var//}', ':::', 'var', 'sub/dir/file.ext']],
  ['bug #49538: --header with {var/}', ['--header', ':', 'echo', '{var/}', ':::', 'var', 'sub/dir/file.ext']],
  ['bug #49538: --header with {var.}', ['--header', ':', 'echo', '{var.}', ':::', 'var', 'sub/dir/file.ext']],
  ['--colsep 0', ['--colsep', '0', 'echo', '{2}', ':::', 'a0OK0c']],
  ['--header : --colsep 0', ['--header', ':', '--colsep', '0', 'echo', '{ok}', ':::', 'A0ok0B', 'a0OK0b']],
  ['{-1} with -N 6', ['-N', '6', 'echo', '{-1}orrect', ':::', 'A', 'B', 'X', 'D', 'E', 'c']],
  ['{-3} with --colsep', ['--colsep', ' ', 'echo', '{-3}orrect', ':::', '1 c 3 4']],
  ['{-1/} and {-2.} with two sources', ['echo', '{-1/}', '{-2.}', ':::', 'a/b.x', 'a/c.z', ':::', 'c/d.y']],
  ['{-3} before the first argument', ['echo', '[{-3}]', ':::', 'a', 'b']],
  ['{-2} with -N3: the short last job', ['-N3', 'echo', '[{-2}]', ':::', 'a', 'b', 'c', 'd']],
  ['{-1} with -X', ['-j1', '-X', 'echo', '{-1}-{}', ':::', 'a', 'b', 'c']],
];

describe("GNU parallel's own test suite (parallel-local-0.3s), through both tools", { concurrency: 4 }, () => {
  for (const [what, args, input = '', status = 0] of cases) it(what, () => same(args, input, scratch, status));
});

// The rest of the suite's scripts, as bash snippets run with `parallel` being each tool in turn
// (test/e2e/gnu-suite/*.cases; what is left out, and why, heads each file).
const scripts = loadCases();
const total = cases.length + scripts.reduce((sum, script) => sum + invocations(script.body), 0);
describe(`GNU parallel's own test scripts as snippets (${total} invocations in all), through both tools`, { concurrency: 4 }, () => {
  after(cleanUp);
  for (const script of scripts) it(`${script.file}: ${script.name}`, () => sameScript(script.body));
});
