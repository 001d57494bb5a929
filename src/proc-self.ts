// What Node decoded as UTF-8 at start-up (its command line, its environment), read again as bytes
// from /proc/self: NUL-separated entries.

import { readFileSync } from 'node:fs';

/** The entries of /proc/self/<name> (`cmdline`, `environ`), or undefined where /proc is not there. */
export function procSelfEntries(name: 'cmdline' | 'environ'): Buffer[] | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(`/proc/self/${name}`);
  } catch {
    return undefined;
  }
  return nulEntries(bytes);
}

/** `bytes` cut at each NUL (a last NUL ends the last entry; it does not start an empty one). */
export function nulEntries(bytes: Buffer): Buffer[] {
  const entries: Buffer[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0, start);
    if (end < 0) end = bytes.length;
    entries.push(bytes.subarray(start, end));
    start = end + 1;
  }
  return entries;
}
