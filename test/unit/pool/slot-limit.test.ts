import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { UsageError } from '../../../src/errors.js';
import { slotFileWatcher, slotsInFile } from '../../../src/pool/slot-file.js';
import { SlotLimit } from '../../../src/pool/slot-limit.js';

const dir = mkdtempSync(join(tmpdir(), 'qrun-unit-slots-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('-j <file>: the slot limit', () => {
  it('hands out the lowest free slots up to the limit; the next waits until one is given back', async () => {
    const limit = new SlotLimit(2, () => undefined);
    const stop = new AbortController().signal;
    assert.equal(await limit.take(stop), 1);
    assert.equal(await limit.take(stop), 2);
    let third: number | undefined;
    const waiting = limit.take(stop).then((slot) => (third = slot));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(third, undefined);
    limit.give(1);
    await waiting;
    assert.equal(third, 1);
  });

  it('a higher limit read as a job completes wakes the waiting; a lower one lets running jobs finish and starts none until under it', async () => {
    let next: number | undefined;
    const limit = new SlotLimit(1, () => next);
    const stop = new AbortController().signal;
    const first = await limit.take(stop);
    const others = [limit.take(stop), limit.take(stop)];
    next = 3;
    limit.give(first as number);
    assert.deepEqual((await Promise.all(others)).sort(), [1, 2]);
    next = 1;
    limit.give(2);
    assert.deepEqual(limit.state, { running: 1, limit: 1 });
    next = undefined;
    let late: number | undefined;
    void limit.take(stop).then((slot) => (late = slot));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(late, undefined, 'one runs, the limit is one');
  });

  it('a stop ends a wait with no slot', async () => {
    const limit = new SlotLimit(1, () => undefined);
    const stop = new AbortController();
    await limit.take(stop.signal);
    const waiting = limit.take(stop.signal);
    stop.abort();
    assert.equal(await waiting, undefined);
  });
});

describe('-j <file>: the file', () => {
  it("holds any -j form; one that does not, or cannot be read, is a usage error naming it", () => {
    const path = join(dir, 'procs');
    for (const [text, n] of [['3\n', 3], ['+1', 5], ['50%', 2], [' -1 ', 3]] as const) {
      writeFileSync(path, text);
      assert.equal(slotsInFile(path, 4, () => 1024), n);
    }
    writeFileSync(path, 'many');
    assert.throws(() => slotsInFile(path, 4, () => 1024), (error: unknown) => error instanceof UsageError && /^-j '.*procs' must hold a whole number of 1 or more/.test(error.message));
    assert.throws(() => slotsInFile(join(dir, 'missing'), 4, () => 1024), /cannot be read: ENOENT/);
    // A FIFO is never opened (it would block until a writer came); a directory is refused too.
    spawnSync('mkfifo', [join(dir, 'fifo')]);
    assert.throws(() => slotsInFile(join(dir, 'fifo'), 4, () => 1024), /^UsageError: -j '.*fifo' cannot be read: not a regular file$/);
    assert.throws(() => slotsInFile(dir, 4, () => 1024), /cannot be read: not a regular file/);
  });

  it('is read again only when it changed; a change to something else is said once and the limit stays', () => {
    const path = join(dir, 'watched');
    writeFileSync(path, '2');
    const warnings: string[] = [];
    const reread = slotFileWatcher(path, 4, () => 1024, (text) => warnings.push(text));
    assert.equal(reread(), undefined);
    writeFileSync(path, '7');
    utimesSync(path, new Date(), new Date(Date.now() + 2000));
    assert.equal(reread(), 7);
    writeFileSync(path, 'x');
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    assert.equal(reread(), undefined);
    writeFileSync(path, 'yy');
    utimesSync(path, new Date(), new Date(Date.now() + 8000));
    assert.equal(reread(), undefined);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /must hold .*: the number of jobs at once stays as it was$/);
  });
});
