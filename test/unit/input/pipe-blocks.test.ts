import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pipeBlocks, type BlockOptions } from '../../../src/input/pipe-blocks.js';

async function blocks(input: string, options: Partial<BlockOptions>, chunk = 3): Promise<{ blocks: string[]; warnings: string[] }> {
  const warnings: string[] = [];
  async function* chunks(): AsyncGenerator<Buffer> {
    for (let i = 0; i < input.length; i += chunk) yield Buffer.from(input.slice(i, i + chunk));
  }
  const out: string[] = [];
  for await (const block of pipeBlocks(chunks(), { blockSize: 10, recstart: '', recend: '\n', records: undefined, warn: (text) => void warnings.push(text), ...options })) {
    out.push(block.toString());
  }
  return { blocks: out, warnings };
}

describe('pipeBlocks (GNU parallel --pipe)', () => {
  it('each round reads up to the next multiple of --block and passes up to its last record end', async () => {
    assert.deepEqual((await blocks('aaa\nbbb\nccc\nddd\n', {})).blocks, ['aaa\nbbb\n', 'ccc\nddd\n']);
    // However the input arrives.
    assert.deepEqual((await blocks('aaa\nbbb\nccc\nddd\n', {}, 1)).blocks, ['aaa\nbbb\n', 'ccc\nddd\n']);
  });

  it('the last block may lack its record end; no input, no block', async () => {
    assert.deepEqual((await blocks('a\nb', {})).blocks, ['a\nb']);
    assert.deepEqual((await blocks('', {})).blocks, []);
  });

  it('a record longer than the block grows the block (1.3x + 1), and says so', async () => {
    const { blocks: out, warnings } = await blocks('0123456789abcdef\nx\n', {});
    // As GNU parallel 20221122 does it: 10 -> 14 -> 20 bytes, and then the rest is read at once.
    assert.deepEqual(out, ['0123456789abcdef\nx\n']);
    assert.deepEqual(warnings, ['a record was longer than 10 bytes: --block is now 14', 'a record was longer than 14 bytes: --block is now 20']);
  });

  it('--recstart and --recend: cut only between an end and a start', async () => {
    assert.deepEqual((await blocks('>a\nx>b\n>c\n', { recstart: '>', recend: '\n', blockSize: 8 })).blocks, ['>a\nx>b\n', '>c\n']);
    assert.deepEqual((await blocks('>a>b>c>d', { recstart: '>', recend: '', blockSize: 4 })).blocks, ['>a', '>b', '>c', '>d']);
  });

  it('-N: blocks of N records', async () => {
    assert.deepEqual((await blocks('1\n2\n3\n4\n5\n', { records: 2, blockSize: 100 })).blocks, ['1\n2\n', '3\n4\n', '5\n']);
  });
});
