import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitRecords, type RecordSeparator } from '../../../src/input/split-records.js';

async function split(chunks: (string | Buffer)[], separator: RecordSeparator = 'newline'): Promise<string[]> {
  async function* source(): AsyncGenerator<string | Buffer> {
    yield* chunks;
  }
  const out: string[] = [];
  for await (const record of splitRecords(source(), separator)) out.push(record.text);
  return out;
}

describe('splitRecords', () => {
  it('splits lines, drops a CR before LF, skips blank lines, keeps a last line without newline', async () => {
    assert.deepEqual(await split(['a\r\n\n  \nb c\nlast']), ['a', 'b c', 'last']);
  });

  it('numbers records by input line, blank lines included', async () => {
    async function* source(): AsyncGenerator<string> {
      yield 'a\n\nb\n  \nc';
    }
    const lines = [];
    for await (const record of splitRecords(source(), 'newline')) lines.push(`${record.line}:${record.text}`);
    assert.deepEqual(lines, ['1:a', '3:b', '5:c']);
  });

  it('joins records cut across chunks', async () => {
    assert.deepEqual(await split(['ec', 'ho o', 'ne\necho', ' two\n']), ['echo one', 'echo two']);
  });

  it('NUL mode keeps newlines inside records', async () => {
    assert.deepEqual(await split(['printf "a\\nb"\0echo\n', 'x\0\0'], 'null'), ['printf "a\\nb"', 'echo\nx']);
  });

  it('a multi-byte character cut across chunks survives', async () => {
    const bytes = Buffer.from('echo é\n');
    assert.deepEqual(await split([bytes.subarray(0, 6), bytes.subarray(6)]), ['echo é']);
  });

  it('a large record arrives whole', async () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    const chunks = [];
    for (let i = 0; i < big.length; i += 65536) chunks.push(big.slice(i, i + 65536));
    assert.deepEqual((await split([...chunks, '\n'])).map((r) => r.length), [big.length]);
  });

  it('pulls chunks only as records are wanted', async () => {
    let pulled = 0;
    async function* source(): AsyncGenerator<string> {
      for (let i = 0; i < 100; i++) {
        pulled++;
        yield `r${i}\n`;
      }
    }
    const records = splitRecords(source(), 'newline');
    await records.next();
    await records.next();
    assert.equal(pulled, 2);
    await records.return(undefined);
  });
});
