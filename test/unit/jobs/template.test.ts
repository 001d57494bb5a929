import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { parseTemplate, renderTemplate, shellQuote } from '../../../src/jobs/template.js';

const render = (words: string[], record: string, seq = 1, slot = 1): string => renderTemplate(parseTemplate(words), record, seq, slot);

describe('templates', () => {
  it('replaces every replacement string', () => {
    const t = ['echo', '{}', '{.}', '{/}', '{//}', '{/.}', '{#}', '{%}'];
    assert.equal(render(t, 'dir.d/sub/file.tar.gz', 7, 3), 'echo dir.d/sub/file.tar.gz dir.d/sub/file.tar file.tar.gz dir.d/sub file.tar 7 3');
    assert.equal(render(['echo {//} {/.} {.}'], 'plain'), 'echo . plain plain');
    // GNU parallel's {.}: a leading-dot name is all extension.
    assert.equal(render(['echo {.}'], '.hidden'), "echo ''");
    assert.equal(render(['echo {/} {.}'], 'a/b.c/'), "echo '' a/b.c/");
    assert.equal(render(['echo {//}'], '/top'), 'echo /');
  });

  it('appends {} when the template has none', () => {
    assert.equal(render(['gzip', '-9'], 'a.txt'), 'gzip -9 a.txt');
  });

  it('quotes values so the shell sees one literal word', () => {
    for (const hostile of ['a b; rm -rf ~', '$(id)', '`id`', "it's", 'x\ny', '-rf', '*', '"q"', '\\', '', 'a&&b|c>d']) {
      const out = execFileSync('sh', ['-c', renderTemplate(parseTemplate(['printf %s']), hostile, 1, 1)], { encoding: 'utf8' });
      assert.equal(out, hostile, JSON.stringify(hostile));
    }
  });

  it('{//} is POSIX dirname: trailing slashes do not count', () => {
    assert.equal(render(['echo {//}'], 'dir/sub/'), 'echo dir');
    assert.equal(render(['echo {//}'], 'a/'), 'echo .');
    assert.equal(render(['echo {//}'], '/a/'), 'echo /');
    assert.equal(render(['echo {//}'], 'dir//sub'), 'echo dir');
  });

  it('quotes values for where they stand: inside "…", inside \'…\', in $(…) within "…"', () => {
    const hostile = ['a b; rm -rf ~', '$(echo INJECTED)', '`echo INJECTED`', "it's", '"q"', '\\', 'x\ny', '$HOME'];
    for (const value of hostile) {
      for (const [template, wrap] of [
        ['printf %s "{}"', (v: string) => v],
        ["printf %s '{}'", (v: string) => v],
        ['printf %s "<{}>"', (v: string) => `<${v}>`],
        [String.raw`printf %s 'a'\''{}'`, (v: string) => `a'${v}`],
        [String.raw`printf %s "{}" \"{}`, (v: string) => `${v}"${v}`],
      ] as const) {
        const out = execFileSync('sh', ['-c', renderTemplate(parseTemplate([template]), value, 1, 1)], { encoding: 'utf8' });
        assert.equal(out, wrap(value), `${template} with ${JSON.stringify(value)}`);
      }
      const nested = execFileSync('sh', ['-c', renderTemplate(parseTemplate(['printf %s "$(printf %s {})"']), value, 1, 1)], { encoding: 'utf8' });
      assert.doesNotMatch(nested, /^INJECTED$/, `no command ran from ${JSON.stringify(value)}`);
    }
  });

  it('leaves plain words bare', () => {
    assert.equal(shellQuote('a/b-c_d.e'), 'a/b-c_d.e');
    assert.equal(shellQuote('a b'), "'a b'");
  });
});
