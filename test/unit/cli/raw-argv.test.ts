import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeText } from '../../../src/byte-text.js';
import { originalArguments } from '../../../src/cli/raw-argv.js';
import { nulEntries } from '../../../src/proc-self.js';

const cmdline = (...parts: (string | Buffer)[]): Buffer[] => nulEntries(Buffer.concat(parts.flatMap((part) => [Buffer.from(part), Buffer.of(0)])));

describe('qrun arguments as bytes', () => {
  it('an argument that is not UTF-8 gets its bytes back; the others stay as Node read them', () => {
    const latin = Buffer.from('caf\xe9', 'latin1');
    const args = originalArguments(['echo', 'caf\ufffd', '', 'é'], cmdline('node', '--stack-size=900', '/x/qrun.js', 'echo', latin, '', 'é'));
    assert.deepEqual(args, ['echo', 'caf\udce9', '', 'é']);
    assert.deepEqual(encodeText(args[1] as string), latin);
  });

  it('a command line that does not end with the arguments (or none) leaves them as given', () => {
    assert.deepEqual(originalArguments(['a\ufffd'], cmdline('node', 'b', Buffer.from([0x61, 0xff, 0xfe]))), ['a\ufffd']);
    assert.deepEqual(originalArguments(['a', 'b', 'c'], cmdline('b', 'c')), ['a', 'b', 'c']);
    assert.deepEqual(originalArguments(['a\ufffd'], undefined), ['a\ufffd']);
  });
});
