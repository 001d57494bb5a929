// qrun's arguments as bytes: Node decodes its command line as UTF-8 (an argument that is not UTF-8
// comes back with U+FFFD in it, so `qrun rm ::: *` could not name a Latin-1 file). The command
// line is read again, as it was, from /proc/self/cmdline, and each argument whose bytes Node
// decoded to exactly what it was given is kept with its bytes (see byte-text.ts).

import { decodeBytes } from '../byte-text.js';
import { procSelfEntries } from '../proc-self.js';

/** `args` (the last arguments of this process), each with its original bytes (entries of /proc/self/cmdline) where they match it. */
export function originalArguments(args: readonly string[], entries: readonly Buffer[] | undefined = procSelfEntries('cmdline')): string[] {
  if (entries === undefined || entries.length < args.length) return [...args];
  const tail = entries.slice(entries.length - args.length);
  return args.map((arg, i) => {
    const raw = tail[i] as Buffer;
    return raw.toString('utf8') === arg ? decodeBytes(raw) : arg;
  });
}
