import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeBytes } from '../../../src/byte-text.js';
import { shellQuote } from '../../../src/jobs/template.js';
import { commandForArgv } from '../../../src/runner/byte-command.js';

describe('a command line of any bytes, as a -c argument', () => {
  it('a command Node writes as it is stays as it is', () => {
    assert.equal(commandForArgv(`printf '%s' 'café \\ ok'`), `printf '%s' 'café \\ ok'`);
  });

  it('/bin/sh runs the same bytes: any value a job prints comes out as it went in', () => {
    const byte = fc.oneof(fc.integer({ min: 1, max: 255 }), fc.constantFrom(0x27, 0x5c, 0x0a, 0x25, 0x80, 0xff, 0xc3));
    fc.assert(
      fc.property(fc.array(byte, { minLength: 1, maxLength: 40 }), (bytes) => {
        const value = Buffer.from(bytes);
        const command = `printf '%s' ${shellQuote(decodeBytes(value))}`;
        const ran = spawnSync('/bin/sh', ['-c', commandForArgv(command)], { timeout: 20_000 });
        assert.equal(ran.status, 0, ran.stderr.toString());
        assert.deepEqual(ran.stdout, value);
      }),
      { numRuns: 150 },
    );
  });
});
