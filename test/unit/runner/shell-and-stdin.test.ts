import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { UsageError } from '../../../src/errors.js';
import { checkShell } from '../../../src/runner/check-shell.js';
import { execaStdin } from '../../../src/runner/stdin-source.js';

const dir = mkdtempSync(join(tmpdir(), 'qrun-unit-shell-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('checkShell', () => {
  it('takes an executable path or a name found on PATH', () => {
    checkShell('/bin/sh', undefined);
    checkShell('sh', '/usr/bin:/bin');
  });

  it('refuses, naming the option, a missing program, a file that cannot run, a directory, a name not on PATH', () => {
    const plain = join(dir, 'not-executable');
    writeFileSync(plain, '#!/bin/sh\n');
    chmodSync(plain, 0o644);
    for (const shell of [join(dir, 'missing'), plain, dir, 'no-such-shell-here']) {
      assert.throws(() => checkShell(shell, '/usr/bin:/bin'), (error: unknown) => error instanceof UsageError && error.message === `--shell '${shell}' is not an executable program`);
    }
  });
});

describe('execaStdin', () => {
  it('is ignored (/dev/null) without a stdin of its own', () => {
    assert.equal(execaStdin(undefined), 'ignore');
  });

  it("reads the file's ranges one after another, however large, and no byte outside them", async () => {
    const path = join(dir, 'blocks');
    const bytes = Buffer.alloc(700 * 1024);
    for (let i = 0; i < bytes.length; i++) bytes[i] = i % 251;
    writeFileSync(path, bytes);
    const ranges = [
      { start: 10, length: 5 },
      { start: 100, length: 600 * 1024 },
      { start: 0, length: 0 },
    ];
    const source = execaStdin({ path, ranges, temporary: false });
    assert.notEqual(source, 'ignore');
    const chunks: Buffer[] = [];
    for await (const chunk of source as AsyncGenerator<Uint8Array>) chunks.push(Buffer.from(chunk));
    assert.ok(chunks.length > 2, 'a large range comes in pieces, not as one buffer');
    assert.deepEqual(Buffer.concat(chunks), Buffer.concat([bytes.subarray(10, 15), bytes.subarray(100, 100 + 600 * 1024)]));
  });

  it('a range past the end of a file that shrank gives what is there', async () => {
    const path = join(dir, 'short');
    writeFileSync(path, 'abc');
    const chunks: Buffer[] = [];
    for await (const chunk of execaStdin({ path, ranges: [{ start: 1, length: 100 }], temporary: false }) as AsyncGenerator<Uint8Array>) chunks.push(Buffer.from(chunk));
    assert.equal(Buffer.concat(chunks).toString(), 'bc');
  });
});
