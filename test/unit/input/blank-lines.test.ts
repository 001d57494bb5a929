import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { withoutBlankLines } from '../../../src/input/blank-lines.js';

async function filtered(input: Buffer, cuts: readonly number[]): Promise<Buffer> {
  async function* chunks(): AsyncGenerator<Buffer> {
    let at = 0;
    for (const cut of [...cuts].sort((a, b) => a - b)) {
      yield input.subarray(at, Math.max(at, cut));
      at = Math.max(at, cut);
    }
    yield input.subarray(at);
  }
  const out: Buffer[] = [];
  for await (const chunk of withoutBlankLines(chunks())) out.push(chunk);
  return Buffer.concat(out);
}

describe('-r with --pipe: blank lines left out', () => {
  it("as GNU parallel's s/^\\s*\\n//gm, wherever the chunks are cut", async () => {
    const bytes = fc.constantFrom(0x20, 0x09, 0x0a, 0x0d, 0x0b, 0x0c, 0x41, 0x00, 0xff);
    await fc.assert(
      fc.asyncProperty(fc.array(bytes, { maxLength: 60 }), fc.array(fc.nat(60), { maxLength: 6 }), async (list, cuts) => {
        const input = Buffer.from(list);
        // The reference: whole lines (Perl's ^ starts one after \n only) of white space go; a last line without its newline stays.
        const lines = input.toString('latin1').split(/(?<=\n)/);
        const expected = lines.filter((line) => !(line.endsWith('\n') && /^[ \t\n\v\f\r]*$/.test(line))).join('');
        assert.equal((await filtered(input, cuts)).toString('latin1'), expected);
      }),
      { numRuns: 300 },
    );
  });

  it('white space past the limit without a newline is passed on (flat memory), its line then kept', async () => {
    async function* chunks(): AsyncGenerator<Buffer> {
      yield Buffer.from('  \n');
      for (let i = 0; i < 5; i++) yield Buffer.from('    ');
      yield Buffer.from('\n \nx\n');
    }
    const seen: string[] = [];
    for await (const chunk of withoutBlankLines(chunks(), 10)) seen.push(chunk.toString());
    // Held: 4, 8, then 12 bytes (over 10): passed on; the rest of that line goes as it comes, and
    // the next blank line (' \n') is left out again.
    assert.deepEqual(seen, [' '.repeat(12), '    ', '    ', '\nx\n']);
  });

  it('a line is passed on once it holds more than white space, not held to its end', async () => {
    async function* chunks(): AsyncGenerator<Buffer> {
      yield Buffer.from('  \n x');
      yield Buffer.from('yz');
    }
    const seen: string[] = [];
    for await (const chunk of withoutBlankLines(chunks())) seen.push(chunk.toString());
    assert.deepEqual(seen, [' x', 'yz']);
  });
});
