import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../../src/errors.js';
import { parseReplacement, plusReplacements, renameStrings, rewriteReplacements } from '../../../src/jobs/user-replacements.js';
import { parseTemplate, quoteWords, renderTemplate } from '../../../src/jobs/template.js';

describe('--rpl and --plus', () => {
  it('a tag, plain or positional, becomes a {= perl =} field; other strings are left as they are', () => {
    const rpl = [parseReplacement('{u} $_ = uc'), parseReplacement('{..} s/x//')];
    assert.deepEqual(rewriteReplacements(['echo', '{u}-{2u}', '{-1..}', '{/..}', '{}'], rpl), ['echo', '{= $_ = uc =}-{=2 $_ = uc =}', '{=-1 s/x// =}', '{/..}', '{}']);
    assert.deepEqual(rewriteReplacements(['echo', '{..}'], []), ['echo', '{..}']);
  });

  it('a later definition of a tag wins (a user --rpl over --plus)', () => {
    assert.deepEqual(rewriteReplacements(['{..}'], [...plusReplacements, { tag: '{..}', code: 'mine' }]), ['{= mine =}']);
  });

  it('a malformed --rpl, or one with a pattern in its tag, is a usage error', () => {
    assert.throws(() => parseReplacement('nobraces code'), (error: unknown) => error instanceof UsageError && /^--rpl takes a tag such as \{\.\.\} and a Perl expression/.test(error.message));
    assert.throws(() => parseReplacement('{:(\\d+)} substr'), /with a pattern in its tag/);
  });
});

describe('-I and the other --*replace spellings', () => {
  const render = (words: string[], renamed: [string, string][], args = ['x/y.z']): string => renderTemplate(parseTemplate(renameStrings(words, renamed)), args.join(' '), 7, 1, args);

  it("the user's spelling takes the value; qrun's own spelling of a renamed string is plain text", () => {
    assert.equal(render(['echo', 'a::b', '{}'], [['{}', '::']]), 'echo ax/y.zb {}');
    assert.equal(render(['echo', 'FOO', '{.}'], [['{/}', 'FOO']]), 'echo y.z x/y');
    assert.equal(render(['echo', 'S', '{#}'], [['{#}', 'S'], ['{}', '{#}']]), 'echo 7 x/y.z');
  });

  it('the longest spelling wins where two could match, and characters special in patterns are plain', () => {
    assert.equal(render(['echo', '^c::[.}c', ':::'], [['{}', '::'], ['{.}', ':::']]), 'echo ^cx/y.z[.}c x/y');
  });

  it('a template with none of the spellings gets the record appended, as without -I', () => {
    assert.equal(render(['echo', '{}'], [['{}', '@@']]), 'echo {} x/y.z');
  });
});

describe('--quote (GNU -q)', () => {
  it("each word's literal text is quoted, replacement strings still take (quoted) values", () => {
    const words = quoteWords(['perl', '-e', 'print "$ARGV[0]\\n"', 'a{}b', '{#}', '']);
    assert.deepEqual(words, ['perl', '-e', `'print "$ARGV[0]\\n"'`, 'a{}b', '{#}', "''"]);
    assert.equal(renderTemplate(parseTemplate(words), "it's", 3, 1), `perl -e 'print "$ARGV[0]\\n"' a'it'"'"'s'b 3 ''`);
  });
});
