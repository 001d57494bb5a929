// --rpl and --plus: replacement strings defined in Perl, as GNU parallel has them. Each tag
// ({..}, or a user's own) is rewritten into a {= perl =} field (positional too: {2..}), which
// the system's perl then runs (perl-eval.ts).

import { UsageError } from '../errors.js';
import { notAField } from './template.js';

/** A replacement string defined by a Perl expression on `$_`. */
export interface Replacement {
  readonly tag: string;
  readonly code: string;
}

/** GNU parallel's --plus strings: the opposite of {/}, {.}, and two and three extensions. */
export const plusReplacements: readonly Replacement[] = [
  { tag: '{+/}', code: 's:/[^/]*$:: || s:.*$::' },
  { tag: '{+.}', code: 's:.*\\.:: || s:.*$::' },
  { tag: '{+..}', code: 's:.*\\.([^/.]*\\.[^/.]*)$:$1: || s:.*$::' },
  { tag: '{+...}', code: 's:.*\\.([^/.]*\\.[^/.]*\\.[^/.]*)$:$1: || s:.*$::' },
  { tag: '{..}', code: 's:\\.[^/.]*\\.[^/.]*$::' },
  { tag: '{...}', code: 's:\\.[^/.]*\\.[^/.]*\\.[^/.]*$::' },
  { tag: '{/..}', code: 's:.*/::; s:\\.[^/.]*\\.[^/.]*$::' },
  { tag: '{/...}', code: 's:.*/::; s:\\.[^/.]*\\.[^/.]*\\.[^/.]*$::' },
];

/** `--rpl 'TAG perl expression'`: the tag (`{` … `}`, without a pattern) and its expression. */
export function parseReplacement(value: string): Replacement {
  const match = /^\s*(\{[^{}\s]+\})\s+([^]+)$/.exec(value);
  if (match === null) throw new UsageError(`--rpl takes a tag such as {..} and a Perl expression, got '${value}'`);
  const [, tag, code] = match as unknown as [string, string, string];
  if (/[()]/.test(tag)) throw new UsageError(`--rpl with a pattern in its tag (${tag}) is not built`);
  return { tag, code };
}

/** The command words with every tag (and its positional forms {N…}, {-N…}) as a {= perl =} field; later definitions win. */
export function rewriteReplacements(words: readonly string[], replacements: readonly Replacement[]): string[] {
  const byTag = new Map(replacements.map((replacement) => [replacement.tag, replacement.code]));
  const tags = [...byTag.keys()].sort((a, b) => b.length - a.length);
  if (tags.length === 0) return [...words];
  const inner = tags.map((tag) => tag.slice(1, -1).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  const pattern = new RegExp(`\\{(-?[1-9]\\d*)?(${inner.join('|')})\\}`, 'g');
  return words.map((word) => word.replace(pattern, (_, position: string | undefined, name: string) => `{=${position ?? ''} ${byTag.get(`{${name}}`) ?? ''} =}`));
}

/**
 * -I and GNU's other --*replace options: the user's spelling of a replacement string becomes
 * qrun's, and qrun's own spelling of one that was renamed is then plain text (GNU parallel's way:
 * with `-I ::`, `{}` is just `{}`), marked with `notAField`. The longest spelling wins at each place.
 */
export function renameStrings(words: readonly string[], renamed: readonly (readonly [standard: string, user: string])[]): string[] {
  if (renamed.length === 0) return [...words];
  const spellings = new Map<string, string>();
  for (const [standard] of renamed) spellings.set(standard, `${standard.slice(0, 1)}${notAField}${standard.slice(1)}`);
  for (const [standard, user] of renamed) spellings.set(user, standard);
  const alternatives = [...spellings.keys()].sort((a, b) => b.length - a.length).map((text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  const pattern = new RegExp(alternatives.join('|'), 'g');
  return words.map((word) => word.replace(pattern, (found) => spellings.get(found) ?? found));
}
