// --rpl and --plus: replacement strings defined in Perl, as GNU parallel has them. Each tag
// ({..}, or a user's own) is rewritten into a {= perl =} field (positional too: {2..}), which
// the system's perl then runs (perl-eval.ts).

import { UsageError } from '../errors.js';
import { escapeRegExp, notAField } from './template.js';

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
  { tag: '{##}', code: '1 $_=total_jobs()' },
  // Bash's ${a:-x} ${a:2} ${a:2:3} ${a#x} ${a##x} ${a%x} ${a%%x} ${a/x/y} ${a/#x/y} ${a/%x/y}
  // ${a//x/y} ${a^x} ${a^^x} ${a,x} ${a,,x}: tags with a pattern, x a Perl regular expression.
  { tag: '{:-([^}]+?)}', code: '$_ ||= $$1' },
  { tag: '{:(\\d+?)}', code: 'substr($_,0,$$1) = ""' },
  { tag: '{:(\\d+?):(\\d+?)}', code: '$_ = substr($_,$$1,$$2);' },
  { tag: '{#([^#}][^}]*?)}', code: '$nongreedy=::make_regexp_ungreedy($$1);s/^$nongreedy(.*)/$1/;' },
  { tag: '{##([^#}][^}]*?)}', code: 's/^$$1//;' },
  { tag: '{%([^}]+?)}', code: '$nongreedy=::make_regexp_ungreedy($$1);s/(.*)$nongreedy$/$1/;' },
  { tag: '{%%([^}]+?)}', code: 's/$$1$//;' },
  { tag: '{/([^#%}/]+?)/([^}]*?)}', code: 's/$$1/$$2/;' },
  { tag: '{/#([^}]+?)/([^}]*?)}', code: 's/^$$1/$$2/g;' },
  { tag: '{/%([^}]+?)/([^}]*?)}', code: 's/$$1$/$$2/g;' },
  { tag: '{//([^}]+?)/([^}]*?)}', code: 's/$$1/$$2/g;' },
  { tag: '{^([^}]+?)}', code: 's/^($$1)/uc($1)/e;' },
  { tag: '{^^([^}]+?)}', code: 's/($$1)/uc($1)/eg;' },
  { tag: '{,([^}]+?)}', code: 's/^($$1)/lc($1)/e;' },
  { tag: '{,,([^}]+?)}', code: 's/($$1)/lc($1)/eg;' },
];

/** Whether a run's command needs the number of jobs before the first starts ({##}, total_jobs()). */
export function usesTotal(words: readonly string[], replacements: readonly Replacement[]): boolean {
  return rewriteReplacements(words, replacements).some((word) => /total_jobs\s*\(/.test(word));
}

/** `--rpl 'TAG perl expression'`: the tag (up to the first white space) and its expression. */
export function parseReplacement(value: string): Replacement {
  const match = /^\s*(\S+)\s+([^]+)$/.exec(value);
  if (match === null) throw new UsageError(`--rpl takes a tag such as {..} and a Perl expression, got '${value}'`);
  const [, tag, code] = match as unknown as [string, string, string];
  if (tag.includes('(') && !tag.includes(')')) throw new UsageError(`--rpl's tag ${tag} opens a group it does not close`);
  return { tag, code };
}

/** Perl's "…" around a value: its \\ " $ @ escaped (GNU parallel's perl_quote_scalar). */
const perlString = (value: string): string => `"${value.replace(/[\\"$@]/g, '\\$&')}"`;

/**
 * A tag as GNU parallel matches it: the text before its first `(` and after its last `)` literally,
 * what is between them a regular expression whose groups the code reads as $$1, $$2…; with the
 * positional form ({2..}, {-1..}) when it starts with `{`.
 */
function tagPattern(tag: string): { plain: RegExp; positional: RegExp | undefined } {
  const open = tag.indexOf('(');
  const close = tag.lastIndexOf(')');
  const [prefix, groups, postfix] = open === -1 ? [tag, '', ''] : [tag.slice(0, open), tag.slice(open, close + 1), tag.slice(close + 1)];
  const plain = new RegExp(`${escapeRegExp(prefix)}${groups}${escapeRegExp(postfix)}`, 'g');
  const positional = prefix.startsWith('{') ? new RegExp(`\\{(-?[1-9]\\d*)\\s*${escapeRegExp(prefix.slice(1))}${groups}${escapeRegExp(postfix)}`, 'g') : undefined;
  return { plain, positional };
}

/** The {= perl =} field of one use of a tag: its groups set first, then the tag's code. */
function fieldFor(given: string, at: string, groups: readonly (string | undefined)[]): string {
  // GNU's own definitions may start with a position ('1 $_=total_jobs()': computed once, on the first argument).
  const leading = /^(-?[1-9]\d*) ([^]*)$/.exec(given);
  const [position, code] = at === '' && leading !== null ? [leading[1] as string, leading[2] as string] : [at, given];
  const set = groups.map((group, i) => `$_pAr_gRp${i + 1} = ${perlString(group ?? '')};`).join('');
  // ${name}: `$$1_c` is the group then `_c` (GNU parallel 20221122 read it as one name; fixed since).
  return `{=${position} ${set}${code.replace(/\$\$(\d+)/g, '${_pAr_gRp$1}')} =}`;
}

/**
 * The command words with every tag (and its positional forms {N…}, {-N…}) as a {= perl =} field,
 * the longest tags first, never inside a field already made (or the user's own); of two
 * definitions of one tag the later wins (a user's --rpl over --plus).
 */
export function rewriteReplacements(words: readonly string[], replacements: readonly Replacement[]): string[] {
  const byTag = new Map(replacements.map((replacement) => [replacement.tag, replacement.code]));
  if (byTag.size === 0) return [...words];
  const tags = [...byTag.entries()].sort(([a], [b]) => b.length - a.length).map(([tag, code]) => ({ code, ...tagPattern(tag) }));
  return words.map((word) => {
    // Pieces of the word: text still to be searched, and fields (made, or the user's) left alone.
    let pieces: { text: string; field: boolean }[] = word.split(/(\{=(?:(?!\{=)[^])*?=\})/).map((text, i) => ({ text, field: i % 2 === 1 }));
    for (const { code, plain, positional } of tags) {
      for (const [pattern, positioned] of [[positional, true], [plain, false]] as const) {
        if (pattern === undefined) continue;
        pieces = pieces.flatMap((piece) => {
          if (piece.field) return [piece];
          const out: { text: string; field: boolean }[] = [];
          let last = 0;
          for (const match of piece.text.matchAll(pattern)) {
            out.push({ text: piece.text.slice(last, match.index), field: false });
            const [position, groups] = positioned ? [match[1] ?? '', match.slice(2)] : ['', match.slice(1)];
            out.push({ text: fieldFor(code, position, groups), field: true });
            last = match.index + match[0].length;
          }
          out.push({ text: piece.text.slice(last), field: false });
          return out;
        });
      }
    }
    return pieces.map((piece) => piece.text).join('');
  });
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
  const alternatives = [...spellings.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const pattern = new RegExp(alternatives.join('|'), 'g');
  return words.map((word) => word.replace(pattern, (found) => spellings.get(found) ?? found));
}
