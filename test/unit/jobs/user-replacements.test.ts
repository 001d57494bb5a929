import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../../src/errors.js';
import { parseReplacement, plusReplacements, rewriteReplacements } from '../../../src/jobs/user-replacements.js';

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
