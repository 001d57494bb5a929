// Input records are bytes; qrun works on them as strings. Bytes that are not UTF-8 (a Latin-1
// file name, binary junk) are kept as the lone low surrogates U+DC80–U+DCFF, one per byte (what
// Python calls surrogateescape): no valid UTF-8 decodes to them, so they stand for those bytes
// alone, and they become the same bytes again wherever qrun hands the text on (a command line to
// the spawn helper, a tag, a joblog row). Where Node itself encodes a string (argv of an execa
// child, a file name), such a character becomes U+FFFD, as before.

import { isUtf8 } from 'node:buffer';

/** The first and last escaped byte's character. */
const low = 0xdc80;
const high = 0xdcff;

/** `bytes` as text: UTF-8, each byte that is not part of valid UTF-8 kept as U+DC80 + (byte - 0x80). */
export function decodeBytes(bytes: Buffer, start = 0, end = bytes.length): string {
  const view = bytes.subarray(start, end);
  if (isUtf8(view)) return view.toString('utf8');
  let text = '';
  let run = 0;
  let at = 0;
  while (at < view.length) {
    const length = sequenceLength(view, at);
    if (length > 0) {
      at += length;
      continue;
    }
    text += view.toString('utf8', run, at) + String.fromCharCode(0xdc00 + (view[at] as number));
    at++;
    run = at;
  }
  return text + view.toString('utf8', run);
}

/** Whether `text` may hold an escaped byte (see decodeBytes): Node alone would not write it as it was. */
export function holdsBytes(text: string): boolean {
  return /[\udc80-\udcff]/.test(text);
}

/** `text` as bytes: UTF-8, with each escaped byte (see decodeBytes) written as that byte. */
export function encodeText(text: string): Buffer {
  if (!holdsBytes(text)) return Buffer.from(text);
  const parts: Buffer[] = [];
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      // A high surrogate followed by a low one is one character (U+10000 and above), not a byte.
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    } else if (unit >= low && unit <= high) {
      parts.push(Buffer.from(text.slice(from, i)), Buffer.of(unit - 0xdc00));
      from = i + 1;
    }
  }
  parts.push(Buffer.from(text.slice(from)));
  return Buffer.concat(parts);
}

/** The length of the valid UTF-8 sequence starting at `at` (RFC 3629: no overlongs, no surrogates, up to U+10FFFF), or 0. */
function sequenceLength(bytes: Buffer, at: number): number {
  const first = bytes[at] as number;
  if (first < 0x80) return 1;
  const cont = (offset: number, min = 0x80, max = 0xbf): boolean => {
    const byte = bytes[at + offset];
    return byte !== undefined && byte >= min && byte <= max;
  };
  if (first >= 0xc2 && first <= 0xdf) return cont(1) ? 2 : 0;
  if (first >= 0xe0 && first <= 0xef) {
    const [min, max] = first === 0xe0 ? [0xa0, 0xbf] : first === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    return cont(1, min, max) && cont(2) ? 3 : 0;
  }
  if (first >= 0xf0 && first <= 0xf4) {
    const [min, max] = first === 0xf0 ? [0x90, 0xbf] : first === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    return cont(1, min, max) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}
