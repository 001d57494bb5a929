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

  it('a malformed --rpl is a usage error', () => {
    assert.throws(() => parseReplacement('nocode'), (error: unknown) => error instanceof UsageError && /^--rpl takes a tag such as \{\.\.\} and a Perl expression/.test(error.message));
    assert.throws(() => parseReplacement('{:(\\d+} substr'), /opens a group it does not close/);
  });

  it('a tag with a pattern: each use a field that sets its groups (quoted for Perl) before the code, positional too', () => {
    const rpl = [parseReplacement('{a(.)b} s/$$1_c/o/g'), parseReplacement('{/(\\d)/(.*)} s/$$1/$$2/g;')];
    assert.deepEqual(rewriteReplacements(['echo', '{aDb}', '{/3/4$@"}', '{2/1/x}'], rpl), [
      'echo',
      '{= $_pAr_gRp1 = "D";s/${_pAr_gRp1}_c/o/g =}',
      '{= $_pAr_gRp1 = "3";$_pAr_gRp2 = "4\\$\\@\\"";s/${_pAr_gRp1}/${_pAr_gRp2}/g; =}',
      '{=2 $_pAr_gRp1 = "1";$_pAr_gRp2 = "x";s/${_pAr_gRp1}/${_pAr_gRp2}/g; =}',
    ]);
  });

  it('a field already made, or the user\'s own, is not searched again', () => {
    assert.deepEqual(rewriteReplacements(['{= s/{..}// =}{..}'], [{ tag: '{..}', code: 'X' }]), ['{= s/{..}// =}{= X =}']);
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
