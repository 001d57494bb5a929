// qrun's arguments as bytes: Node decodes its command line as UTF-8 (an argument that is not UTF-8
// comes back with U+FFFD in it, so `qrun rm ::: *` could not name a Latin-1 file). The command
// line is read again, as it was, from /proc/self/cmdline, and each argument whose bytes Node
// decoded to exactly what it was given is kept with its bytes (see byte-text.ts).

import { readFileSync } from 'node:fs';
import { decodeBytes } from '../byte-text.js';

/** `args` (the last arguments of this process), each with its original bytes where they match it. */
export function originalArguments(args: readonly string[], cmdline: Buffer | undefined = readCmdline()): string[] {
  if (cmdline === undefined) return [...args];
  const entries: Buffer[] = [];
  let start = 0;
  while (start < cmdline.length) {
    let end = cmdline.indexOf(0, start);
    if (end < 0) end = cmdline.length;
    entries.push(cmdline.subarray(start, end));
    start = end + 1;
  }
  if (entries.length < args.length) return [...args];
  const tail = entries.slice(entries.length - args.length);
  return args.map((arg, i) => {
    const raw = tail[i] as Buffer;
    return raw.toString('utf8') === arg ? decodeBytes(raw) : arg;
  });
}

/** The command line this process was started with, as bytes (undefined where /proc is not there). */
function readCmdline(): Buffer | undefined {
  try {
    return readFileSync('/proc/self/cmdline');
  } catch {
    return undefined;
  }
}
