// Property tests: the option and NDJSON parsers never crash, and templates never inject shell code.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseOptions } from '../../../src/cli/options.js';
import { parseArgs } from '../../../src/cli/program.js';
import { UsageError } from '../../../src/errors.js';
import { parseNdjsonRecord } from '../../../src/jobs/ndjson.js';
import { parseTemplate, renderTemplate } from '../../../src/jobs/template.js';

const flags = ['-c', '-j', '-a', '-0', '--queue-size', '-t', '--timeout', '--kill-after', '--shell', '--output', '-k', '--tag', '--progress', '--no-progress', '--log-file', '--log-level', '-q', '--ndjson', '--joblog', '--resume', '--resume-failed', '--retries', '--retry-delay', '--halt', '--delay', '--dry-run', '--results', '--', '-x', '--bogus'];
const values = fc.oneof(fc.constantFrom('0', '1', '8', '-1', '1.5', 'abc', '', '30s', '500ms', 'now,fail=1', 'soon,success=50%', 'group', 'line', 'ungroup', 'info', '{}', ' '), fc.string());

describe('fuzz: option parsing', () => {
  it('any argv and QRUN_* values give options or a UsageError, nothing else', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...flags), values), { maxLength: 8 }), fc.dictionary(fc.constantFrom('QRUN_CONCURRENCY', 'QRUN_TIMEOUT', 'QRUN_KEEP_ORDER', 'QRUN_HALT', 'QRUN_OUTPUT'), values, { maxKeys: 3 }), (argv, env) => {
        try {
          const parsed = parseArgs(argv, new PassThrough(), env);
          if (parsed.kind === 'run') parseOptions(parsed.raw, 2, parsed.names);
        } catch (error) {
          assert.ok(error instanceof UsageError, `${String(error)} for ${JSON.stringify(argv)}`);
          assert.ok(!error.message.includes('\n'), 'one line');
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('fuzz: NDJSON records', () => {
  it('any text gives a record or a one-line reason, never an exception', () => {
    const jsonish = fc.oneof(
      fc.string(),
      fc.json(),
      fc.record({ cmd: fc.oneof(fc.string(), fc.integer()), timeout: fc.oneof(fc.string(), fc.double(), fc.constant(null)), retries: fc.oneof(fc.integer(), fc.double()), env: fc.oneof(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())), fc.string()) }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
    );
    fc.assert(
      fc.property(jsonish, (text) => {
        const parsed = parseNdjsonRecord(text);
        if (parsed.ok) assert.equal(typeof parsed.cmd, 'string');
        else assert.ok(parsed.reason.length > 0 && !parsed.reason.includes('\n'), parsed.reason);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('property: templates cannot inject shell code', () => {
  it('any record, substituted into a template, reaches the command as one literal argument', () => {
    const hostile = fc.string({ unit: fc.oneof(fc.constantFrom("'", '"', '$', '`', '\n', ';', '-', '\\', '&', '|', '(', ')', '*', '?', '~', '{', '}', ' ', '\t', '#', '!'), fc.string({ minLength: 1, maxLength: 1, unit: 'binary' })) });
    fc.assert(
      // Outside quotes, inside "…" and inside '…' of the template: each is quoted for its place.
      fc.property(hostile, fc.constantFrom('{}', '"{}"', "'{}'", '"x{}y"'), (record, field) => {
        fc.pre(!record.includes('\0'));
        const command = renderTemplate(parseTemplate(["printf '<%s>'", field]), record, 1, 1);
        const expected = field === '"x{}y"' ? `<x${record}y>` : `<${record}>`;
        assert.equal(execFileSync('sh', ['-c', command], { encoding: 'utf8' }), expected);
      }),
      { numRuns: 300 },
    );
  });
});
