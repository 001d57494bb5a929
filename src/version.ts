// qrun's version, read from package.json once.

import { readFileSync } from 'node:fs';

/** The package version ("0.1.0"); dist/src/version.js sits two folders below package.json. */
export const version: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
