import assert from 'node:assert/strict';
import { readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { shuffled } from '../../../src/input/shuffle.js';
import type { InputRecord } from '../../../src/input/split-records.js';

const scratch = mkdtempSync(join(tmpdir(), 'qrun-unit-shuf-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A small seeded generator (mulberry32): the same order every run of the test. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function* records(n: number): AsyncGenerator<InputRecord> {
  for (let i = 1; i <= n; i++) yield { text: `r${i}\né "q"`, line: i, args: [`a${i}`] };
}

async function all(source: AsyncIterable<InputRecord>): Promise<InputRecord[]> {
  const out: InputRecord[] = [];
  for await (const record of source) out.push(record);
  return out;
}

describe('shuffled (--shuf)', () => {
  it('every record once, any bytes kept, numbered again from 1; its files are gone after', async () => {
    const out = await all(shuffled(records(5000), { tmpDir: scratch, random: seeded(1) }));
    assert.deepEqual(out.map((r) => r.line), Array.from({ length: 5000 }, (_, i) => i + 1));
    assert.deepEqual(out.map((r) => r.text).sort(), Array.from({ length: 5000 }, (_, i) => `r${i + 1}\né "q"`).sort());
    assert.ok(out.every((r) => r.args?.[0] === r.text.split('\n')[0]?.replace('r', 'a')));
    assert.notDeepEqual(out.map((r) => r.text).slice(0, 20), Array.from({ length: 20 }, (_, i) => `r${i + 1}\né "q"`));
    assert.deepEqual(readdirSync(scratch), []);
  });

  it('a bucket too big to hold is dealt again: the same records come out', async () => {
    const out = await all(shuffled(records(3000), { tmpDir: scratch, holdBytes: 200, random: seeded(2) }));
    assert.equal(new Set(out.map((r) => r.text)).size, 3000);
    assert.deepEqual(readdirSync(scratch), []);
  });

  it('every order of three records is about as likely (600 shuffles)', async () => {
    const random = seeded(3);
    const counts = new Map<string, number>();
    for (let i = 0; i < 600; i++) {
      const order = (await all(shuffled(records(3), { tmpDir: scratch, random }))).map((r) => r.args?.[0]).join('');
      counts.set(order, (counts.get(order) ?? 0) + 1);
    }
    assert.equal(counts.size, 6);
    for (const count of counts.values()) assert.ok(count > 60 && count < 140, `${[...counts.entries()].join(' ')}`);
  });
});
