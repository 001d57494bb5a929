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
    assert.equal(render(['echo {.}'], '.hidden'), 'echo .hidden');
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

  it('leaves plain words bare', () => {
    assert.equal(shellQuote('a/b-c_d.e'), 'a/b-c_d.e');
    assert.equal(shellQuote('a b'), "'a b'");
  });
});
