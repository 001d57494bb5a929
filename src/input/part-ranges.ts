// --pipe-part: a seekable file's byte ranges, one per job, cut where GNU parallel cuts them.

import type { FileHandle } from 'node:fs/promises';
import type { ByteRange } from './job-stdin.js';

/** How a file is cut. */
export interface PartOptions {
  /** Bytes per part (each part then runs on to the next record end). */
  readonly blockSize: number;
  readonly recstart: string;
  readonly recend: string;
  /** --header: the file's first bytes, the header, are no part of any part (each job gets them first). */
  readonly skip?: number | undefined;
}

/** GNU parallel reads this much at a time while looking for a record end. */
const probeSize = 131_072;

/**
 * Yields the parts of the file of `size` bytes as GNU parallel 20221122 finds them: from each
 * multiple of the block size (counted from the last cut), on to the next record end. The ranges
 * are made as jobs are wanted, so a huge file costs no memory.
 */
export async function* partRanges(file: FileHandle, size: number, options: PartOptions): AsyncGenerator<ByteRange> {
  const separator = Buffer.from(options.recend + options.recstart);
  const endLength = Buffer.byteLength(options.recend);
  let previous = options.skip ?? 0;
  for (let pos = previous + options.blockSize; pos < size; pos += options.blockSize) {
    const cut = separator.length === 0 ? pos : await nextRecordEnd(file, pos, separator, endLength);
    if (cut === undefined) continue;
    pos = cut;
    yield { start: previous, length: cut - previous };
    previous = cut;
  }
  if (previous < size) yield { start: previous, length: size - previous };
}

/** Where the first record that ends at or after `from` ends (undefined: none does before the end of the file). */
async function nextRecordEnd(file: FileHandle, from: number, separator: Buffer, endLength: number): Promise<number | undefined> {
  let buf = Buffer.alloc(0);
  for (;;) {
    const chunk = Buffer.allocUnsafe(probeSize);
    const { bytesRead } = await file.read(chunk, 0, probeSize, from + buf.length);
    if (bytesRead === 0) return undefined;
    // The separator may straddle two reads: search the joined bytes.
    buf = Buffer.concat([buf, chunk.subarray(0, bytesRead)]);
    const at = buf.indexOf(separator);
    if (at !== -1) return from + at + endLength;
  }
}
