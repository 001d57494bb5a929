import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeBytes, encodeText } from '../../src/byte-text.js';

describe('text that keeps its bytes', () => {
  it('any bytes come back as they were', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (array) => {
        const bytes = Buffer.from(array);
        assert.deepEqual(encodeText(decodeBytes(bytes)), bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('valid UTF-8 reads as Node reads it; text without escapes writes as Node writes it', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 100 }), (text) => {
        const bytes = Buffer.from(text);
        assert.equal(decodeBytes(bytes), bytes.toString('utf8'));
        assert.deepEqual(encodeText(bytes.toString('utf8')), bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('each byte outside valid UTF-8 is one character of its own; valid sequences around it are read', () => {
    assert.equal(decodeBytes(Buffer.from([0x61, 0xff, 0xc3, 0xa9, 0x80, 0x62])), 'a\udcffé\udc80b');
    // Overlong, surrogate and past-U+10FFFF encodings are not UTF-8: every byte kept.
    assert.equal(decodeBytes(Buffer.from([0xc0, 0xaf])), '\udcc0\udcaf');
    assert.equal(decodeBytes(Buffer.from([0xed, 0xa0, 0x80])), '\udced\udca0\udc80');
    assert.equal(decodeBytes(Buffer.from([0xf4, 0x90, 0x80, 0x80])), '\udcf4\udc90\udc80\udc80');
    // A sequence cut short by the end of the record.
    assert.equal(decodeBytes(Buffer.from([0x78, 0xe2, 0x82])), 'x\udce2\udc82');
    assert.equal(decodeBytes(Buffer.from('xyz\u20ac'), 1, 3), 'yz');
  });

  it('a character above U+FFFF whose low half looks like an escape is written as UTF-8', () => {
    // U+10080 is the pair D800 DC80.
    assert.deepEqual(encodeText('\u{10080}\udc80'), Buffer.concat([Buffer.from('\u{10080}'), Buffer.of(0x80)]));
    // A lone high surrogate is U+FFFD, as Node writes it.
    assert.deepEqual(encodeText('\ud800x\udcfe'), Buffer.concat([Buffer.from('\ufffdx'), Buffer.of(0xfe)]));
  });
});
