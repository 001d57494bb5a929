// The semaphore's slots: taken up to the count, one winner per slot, freed when given back or when
// their holder is gone (dead, or its pid reused by another process).

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { semaphoreDir, Slots, type SlotSystem } from '../../../src/semaphore/slots.js';

const scratch = mkdtempSync(join(tmpdir(), 'qrun-unit-sem-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Processes that live while the test says so: pid -> start time. */
function processes(): { system: SlotSystem; live: Map<number, string> } {
  const live = new Map<number, string>();
  return { live, system: { startOf: (pid) => live.get(pid) } };
}

let dirs = 0;
const fresh = (): string => join(scratch, `sem-${++dirs}`);

describe('semaphore slots', () => {
  it('a name becomes a directory of safe characters (others as hex), as GNU parallel names them', () => {
    assert.equal(semaphoreDir('/r', 'pod2html'), '/r/id-pod2html');
    assert.equal(semaphoreDir('/r', '/dev/pts/3'), '/r/id-2fdev2fpts2f3');
    assert.equal(semaphoreDir('/r', 'not a tty'), '/r/id-not20a20tty');
  });

  it('up to the count are taken; then none until one is given back', () => {
    const { system, live } = processes();
    live.set(10, 'a').set(11, 'b').set(12, 'c');
    const slots = new Slots(fresh(), system);
    const one = slots.take(2, { pid: 10, start: 'a' });
    const two = slots.take(2, { pid: 11, start: 'b' });
    assert.ok(one !== undefined && two !== undefined && one !== two);
    assert.equal(slots.take(2, { pid: 12, start: 'c' }), undefined);
    assert.equal(slots.held(), 2);
    slots.give(one);
    assert.equal(slots.take(2, { pid: 12, start: 'c' }), one);
    assert.equal(slots.take(3, { pid: 12, start: 'c' })?.endsWith('/3'), true, 'a caller with a larger count has more slots');
  });

  it('a slot whose holder died, or whose pid now belongs to another process, is free again', () => {
    const { system, live } = processes();
    live.set(20, 'x');
    const dir = fresh();
    const slots = new Slots(dir, system);
    assert.ok(slots.take(1, { pid: 20, start: 'x' }));
    assert.equal(slots.take(1, { pid: 21, start: 'y' }), undefined);
    live.set(20, 'reused');
    live.set(21, 'y');
    assert.ok(slots.take(1, { pid: 21, start: 'y' }), 'the pid was reused: the slot was free');
    live.delete(21);
    assert.equal(slots.held(), 0, 'its holder died');
    assert.deepEqual(readdirSync(dir), [], 'and the dead holder\'s slot was removed');
  });

  it('a handed-over slot names its new holder; a forced one counts for --wait', () => {
    const { system, live } = processes();
    live.set(30, 'p').set(31, 'child');
    const slots = new Slots(fresh(), system);
    const slot = slots.take(1, { pid: 30, start: 'p' });
    assert.ok(slot);
    slots.handOver(slot, { pid: 31, start: 'child' });
    live.delete(30);
    assert.equal(slots.held(), 1, 'held by the child, alive');
    const forced = slots.force({ pid: 30, start: 'p' });
    live.set(30, 'p');
    assert.equal(slots.held(), 2);
    slots.give(forced);
    live.delete(31);
    assert.equal(slots.held(), 0);
  });

  it('a slot being written (no holder yet) is held; one left empty for long is free', () => {
    const { system } = processes();
    const dir = fresh();
    const slots = new Slots(dir, system);
    assert.equal(slots.take(1, { pid: 1, start: 'z' }) !== undefined, true);
    writeFileSync(join(dir, '1'), '');
    assert.equal(slots.held(), 1, 'just created');
  });
});
