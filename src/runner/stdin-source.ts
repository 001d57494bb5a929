// A job's stdin as execa takes it: /dev/null, or a file's byte ranges that qrun reads and pipes in.

import { open } from 'node:fs/promises';
import type { ByteRange, JobStdin } from '../input/job-stdin.js';

/** What execa's `stdin` option gets for a job's stdin. */
export function execaStdin(stdin: JobStdin | undefined): 'ignore' | AsyncGenerator<Uint8Array> {
  return stdin === undefined ? 'ignore' : readRanges(stdin.path, stdin.ranges);
}

/** The bytes of each range of the file, one after another. */
async function* readRanges(path: string, ranges: readonly ByteRange[]): AsyncGenerator<Uint8Array> {
  const file = await open(path, 'r');
  try {
    for (const range of ranges) {
      let at = range.start;
      const end = range.start + range.length;
      while (at < end) {
        const chunk = Buffer.allocUnsafe(Math.min(256 * 1024, end - at));
        const { bytesRead } = await file.read(chunk, 0, chunk.length, at);
        if (bytesRead === 0) break;
        at += bytesRead;
        yield chunk.subarray(0, bytesRead);
      }
    }
  } finally {
    await file.close();
  }
}
