import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../../src/errors.js';
import { checkPerl, evaluatePerl, perlCodes } from '../../../src/jobs/perl-eval.js';
import { parseTemplate, renderContext, renderTemplate } from '../../../src/jobs/template.js';

describe('{= perl =}', () => {
  it('parses {= code =} and {=N code =} as values changed by Perl; a template with one gets no {} appended', () => {
    const template = parseTemplate(['echo', '{= s/a/b/ =}', '{=-1 uc =}']);
    assert.deepEqual(perlCodes(template), [' s/a/b/ ', ' uc ']);
    assert.equal(template.filter((part) => 'field' in part).length, 2);
  });

  it("evaluates every expression of a job in one perl, $_ the value; results are quoted like any value", () => {
    const template = parseTemplate(['echo', '{= $_ .= " y" =}', '{=2 $_ = uc =}', '{= $_ = seq() . "/" . slot() =}']);
    const args = ['a', 'b'];
    const perl = evaluatePerl(template, args, 7, 3);
    assert.equal(perl(' $_ .= " y" ', 'a'), 'a y');
    assert.equal(renderTemplate(template, 'a b', 7, 3, args, perl), "echo 'a y' 'b y' B 7/3 7/3");
    assert.equal(renderContext(parseTemplate(['echo', 'x{= $_ = uc =}']), 1, 1, ['p', 'q'], evaluatePerl(parseTemplate(['echo', 'x{= $_ = uc =}']), ['p', 'q'], 1, 1)), 'echo xP xQ');
  });

  it('a missing perl or an expression that does not compile is a usage error naming it; a runtime die is a failure', () => {
    checkPerl([' $_ = uc '], process.env.PATH);
    assert.throws(() => checkPerl([' uc '], '/nonexistent'), (error: unknown) => error instanceof UsageError && /needs perl, which is not on PATH/.test(error.message));
    assert.throws(() => checkPerl([' $_ +=( '], process.env.PATH), (error: unknown) => error instanceof UsageError && /^\{= \$_ \+=\( =\}: perl cannot compile it: syntax error/.test(error.message));
    assert.throws(() => evaluatePerl(parseTemplate(['{= die "no\\n" =}']), ['a'], 4, 1), /^Error: \{= perl =\} failed for job #4: no$/);
  });
});
