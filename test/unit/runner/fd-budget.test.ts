import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fitConcurrency, openFileLimit } from '../../../src/runner/fd-budget.js';

const scratch = mkdtempSync(join(tmpdir(), 'qrun-unit-fd-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('open-file budget', () => {
  it('reads the soft limit from /proc/self/limits', () => {
    const limits = join(scratch, 'limits');
    writeFileSync(limits, 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            120                  4096                 files\n');
    assert.equal(openFileLimit(limits), 120);
    writeFileSync(limits, 'Max open files            unlimited            unlimited            files\n');
    assert.equal(openFileLimit(limits), undefined);
    assert.equal(openFileLimit(join(scratch, 'missing')), undefined);
    assert.equal(typeof openFileLimit(), 'number', 'this machine has one');
  });

  it('keeps the asked concurrency when it fits, else fits it and says why', () => {
    assert.deepEqual(fitConcurrency(8, 1024), { concurrency: 8, note: undefined });
    assert.deepEqual(fitConcurrency(8, undefined), { concurrency: 8, note: undefined });
    const fitted = fitConcurrency(256, 120);
    assert.equal(fitted.concurrency, 13);
    assert.match(fitted.note ?? '', /^--concurrency 256 needs about 1576 open files, over the limit of 120 \(ulimit -n\): running 13 at a time$/);
    assert.equal(fitConcurrency(4, 10).concurrency, 1, 'never below 1');
  });
});
