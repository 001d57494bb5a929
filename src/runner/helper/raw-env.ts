// The jobs' base environment as bytes: Node decodes its environment as UTF-8 (a value that is
// not UTF-8 comes back with U+FFFD in it), so what qrun was given is read again, as it was, from
// /proc/self/environ, and kept wherever Node's decoded view of it is unchanged.

import { readFileSync } from 'node:fs';

/** "NAME=value\0" for each variable of `env`: the original bytes where they decode to its value. */
export function rawEnvironment(env: Readonly<Record<string, string | undefined>>, original: Buffer | undefined = readOriginal()): Buffer {
  const raw = new Map<string, { readonly entry: Buffer; readonly valueAt: number }>();
  if (original !== undefined) {
    let start = 0;
    while (start < original.length) {
      let end = original.indexOf(0, start);
      if (end < 0) end = original.length;
      const entry = original.subarray(start, end);
      const equals = entry.indexOf(0x3d);
      // As Node reads it: the first of two entries of the same name wins.
      if (equals > 0) {
        const name = entry.toString('utf8', 0, equals);
        if (!raw.has(name)) raw.set(name, { entry, valueAt: equals + 1 });
      }
      start = end + 1;
    }
  }
  const parts: Buffer[] = [];
  for (const name in env) {
    const value = env[name];
    // Names with '=' or NUL cannot be passed to exec (Node drops them too).
    if (value === undefined || name === '' || name.includes('=') || name.includes('\0') || value.includes('\0')) continue;
    const kept = raw.get(name);
    const same = kept !== undefined && kept.entry.toString('utf8', kept.valueAt) === value;
    parts.push(same ? kept.entry : Buffer.from(`${name}=${value}`), Buffer.alloc(1));
  }
  return Buffer.concat(parts);
}

/** The environment this process was started with, as bytes (undefined where /proc is not there). */
function readOriginal(): Buffer | undefined {
  try {
    return readFileSync('/proc/self/environ');
  } catch {
    return undefined;
  }
}
