// The jobs' base environment as bytes: Node decodes its environment as UTF-8 (a value that is
// not UTF-8 comes back with U+FFFD in it), so what qrun was given is read again, as it was, from
// /proc/self/environ, and kept wherever Node's decoded view of it is unchanged.

import { procSelfEntries } from '../../proc-self.js';

/** "NAME=value\0" for each variable of `env`: the original bytes (entries of /proc/self/environ) where they decode to its value. */
export function rawEnvironment(env: Readonly<Record<string, string | undefined>>, original: readonly Buffer[] | undefined = procSelfEntries('environ')): Buffer {
  const raw = new Map<string, { readonly entry: Buffer; readonly valueAt: number }>();
  for (const entry of original ?? []) {
    const equals = entry.indexOf(0x3d);
    // As Node reads it: the first of two entries of the same name wins.
    if (equals > 0) {
      const name = entry.toString('utf8', 0, equals);
      if (!raw.has(name)) raw.set(name, { entry, valueAt: equals + 1 });
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
