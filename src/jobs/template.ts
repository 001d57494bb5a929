// Command templates: GNU parallel's replacement strings, with every substituted value shell-quoted.

/** A parsed template: literal text and replacement strings, in order. */
export type Template = readonly TemplatePart[];
export type TemplatePart = { readonly text: string } | { readonly field: Field; readonly quoting: Quoting };
/** A replacement string: a value ({} all arguments, {n} the n-th, {-n} the n-th from the end) with a path modifier, or {#}, {%}. */
export type Field = { readonly kind: 'value'; readonly position: number | undefined; readonly modifier: Modifier } | { readonly kind: 'seq' } | { readonly kind: 'slot' };
/** A path modifier ({.} {/} {//} {/.}), or a Perl expression ({= … =}) that changes `$_`. */
type Modifier = '' | '.' | '/' | '//' | '/.' | { readonly perl: string };
/** The values of the Perl expressions of one job, looked up by expression and value (see perl-eval.ts). */
export type PerlValues = (code: string, value: string) => string;
/**
 * Where a replacement string stands in the shell line: outside quotes, inside '…' or inside "…";
 * or `raw`: the template's first word holds a replacement string, so the values are (part of) the
 * command itself and are not quoted at all, as GNU parallel does (`qrun {} ::: 'echo a b'`).
 */
type Quoting = 'bare' | 'single' | 'double' | 'raw';
// A Perl expression holds no `{=` of its own: in `{= {= s/a/b/ =}` it is the inner one, as GNU parallel reads it.
const fieldPattern = /\{(?:(-?[1-9]\d*)?(|\.|\/|\/\/|\/\.)|#|%)\}|\{=(?<perlAt>-?[1-9]\d*)?(?<perl>(?:(?!\{=)[^])*?)=\}/g;

/**
 * The argument at `position`: {n} counts from 1, {-n} from the end. As GNU parallel (Perl's
 * negative index), a {-n} before the first argument counts from the end once more (-N3 with one
 * argument left: {-2} is that argument); past either end there is none.
 */
export function argAt(args: readonly string[], position: number): string | undefined {
  return position > 0 ? args[position - 1] : args.at(args.length + position);
}

function fieldOf(match: RegExpMatchArray, names: readonly string[]): Field {
  if (match[0] === '{#}') return { kind: 'seq' };
  if (match[0] === '{%}') return { kind: 'slot' };
  // {= perl =} and {=N perl =}: the value ({} or the N-th), changed by the expression.
  const perl = match.groups?.perl;
  if (perl !== undefined) return { kind: 'value', position: match.groups?.perlAt === undefined ? undefined : Number(match.groups.perlAt), modifier: { perl } };
  // --header: {name} is the column (or input source) of that name.
  if (match[5] !== undefined) return { kind: 'value', position: names.indexOf(match[5]) + 1, modifier: (match[6] ?? '') as Modifier };
  return { kind: 'value', position: match[1] === undefined ? undefined : Number(match[1]), modifier: (match[2] ?? '') as Modifier };
}

/** Text as a regular expression that matches just it. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** The replacement strings, with `{name}` (and its modifiers) for each --header name. */
function patternFor(names: readonly string[]): RegExp {
  const alternatives = [...names].filter((name) => name !== '').sort((a, b) => b.length - a.length).map(escapeRegExp);
  if (alternatives.length === 0) return fieldPattern;
  return new RegExp(`${fieldPattern.source}|\\{(${alternatives.join('|')})(|\\.|\\/|\\/\\/|\\/\\.)\\}`, 'g');
}

/**
 * Parses the command words given after the options (joined by spaces, as GNU parallel does).
 * A template without any replacement string gets " {}" appended. `names` (--header) makes
 * `{name}` the column or input source of that name.
 */
export function parseTemplate(words: readonly string[], appendRecord = true, names: readonly string[] = []): Template {
  const fieldPattern = patternFor(names);
  let source = words.join(' ');
  if (appendRecord && !fieldPattern.test(source)) source += ' {}';
  fieldPattern.lastIndex = 0;
  const parts: TemplatePart[] = [];
  let last = 0;
  let quoting: Quoting = 'bare';
  for (const match of source.matchAll(fieldPattern)) {
    if (match.index > last) {
      const text = source.slice(last, match.index);
      parts.push({ text: literal(text) });
      quoting = quotingAfter(text, quoting);
    }
    parts.push({ field: fieldOf(match, names), quoting });
    last = match.index + match[0].length;
  }
  if (last < source.length) parts.push({ text: literal(source.slice(last)) });
  // GNU parallel's test: a replacement string before the first space, tab, newline or '='.
  fieldPattern.lastIndex = 0;
  const first = fieldPattern.exec(source);
  fieldPattern.lastIndex = 0;
  if (first !== null && !/[ \t\n=]/.test(source.slice(0, first.index))) {
    return parts.map((part) => ('field' in part ? { ...part, quoting: 'raw' } : part));
  }
  return parts;
}

/**
 * A NUL (which no argv word can hold) keeps a replacement string's spelling from matching: the
 * words of `-I ::` and its kind mark a literal `{}` so (renameStrings); it goes here.
 */
export const notAField = '\0';
const literal = (text: string): string => text.replaceAll(notAField, '');

/**
 * --quote (GNU parallel's -q): each word's literal text quoted, so that the shell sees the words as
 * written; the replacement strings in them still take values (quoted as values always are).
 */
export function quoteWords(words: readonly string[], names: readonly string[] = []): string[] {
  const pattern = patternFor(names);
  return words.map((word) => {
    let out = '';
    let last = 0;
    for (const match of word.matchAll(pattern)) {
      if (match.index > last) out += shellQuote(word.slice(last, match.index));
      out += match[0];
      last = match.index + match[0].length;
    }
    return last < word.length || word === '' ? out + shellQuote(word.slice(last)) : out;
  });
}

/**
 * The command line for one record: each value quoted so the shell sees it as one literal word.
 * `args` are the job's arguments from input sources (`{1}`, `{2}`…; `{}` is all of them, each
 * quoted, joined by spaces); a plain record is the one argument.
 */
export function renderTemplate(template: Template, record: string, seq: number, slot: number, args: readonly string[] = [record], perl?: PerlValues): string {
  let out = '';
  for (const part of template) {
    if ('text' in part) {
      out += part.text;
      continue;
    }
    const { field, quoting } = part;
    if (field.kind === 'seq') out += quoteFor(quoting, String(seq));
    else if (field.kind === 'slot') out += quoteFor(quoting, String(slot));
    else if (field.position !== undefined) {
      // A position past the job's arguments is replaced by nothing at all, as GNU parallel does.
      const value = argAt(args, field.position);
      if (value !== undefined) out += quoteFor(quoting, modify(value, field.modifier, perl));
    }
    else out += args.map((arg) => quoteFor(quoting, modify(arg, field.modifier, perl))).join(' ');
  }
  return out;
}

/** The text of a template with values as they are, not quoted (--tagstring: a label, not shell code). */
export function renderPlain(template: Template, record: string, seq: number, args: readonly string[] = [record]): string {
  let out = '';
  for (const part of template) {
    if ('text' in part) out += part.text;
    else if (part.field.kind === 'seq') out += String(seq);
    else if (part.field.kind === 'value') {
      const { position, modifier } = part.field;
      out += position !== undefined ? modify(argAt(args, position) ?? '', modifier) : args.map((arg) => modify(arg, modifier)).join(' ');
    }
  }
  return out;
}

function modify(value: string, modifier: Modifier, perl?: PerlValues): string {
  if (typeof modifier === 'object') {
    if (perl === undefined) throw new Error('a {= perl =} replacement string needs its values evaluated first');
    return perl(modifier.perl, value);
  }
  switch (modifier) {
    case '':
      return value;
    case '.':
      return withoutExtension(value);
    case '/':
      return basename(value);
    case '//':
      return dirname(value);
    case '/.':
      return withoutExtension(basename(value));
  }
}

/** GNU parallel's {/}: everything after the last slash ("a/b/" -> ""). */
function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** POSIX dirname: trailing slashes do not count ("dir/sub/" -> "dir", "a/" -> "."). */
function dirname(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return path.startsWith('/') ? '/' : '.';
  const slash = trimmed.lastIndexOf('/');
  if (slash === -1) return '.';
  return trimmed.slice(0, slash).replace(/\/+$/, '') || '/';
}

/** GNU parallel's {.}: drops a final ".ext" that holds no slash or dot ("a/.b" -> "a/", "c.tar.gz" -> "c.tar"). */
function withoutExtension(path: string): string {
  return path.replace(/\.[^/.]*$/, '');
}

/**
 * Quotes a value for POSIX sh exactly as GNU parallel does: bare when it holds only letters,
 * digits and - _ . + /; otherwise in '…', each ' as '"'"', without an empty '' at either end.
 */
export function shellQuote(value: string): string {
  if (value === '') return "''";
  if (/^[-_.+a-zA-Z0-9/]+$/.test(value)) return value;
  return `'${value.replaceAll("'", `'"'"'`)}'`.replace(/^''/, '').replace(/''$/, '');
}

/** The quoting state after `text`, starting in `state` (POSIX sh: backslash, '…' and "…"). */
function quotingAfter(text: string, state: Quoting): Quoting {
  let quoting = state;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoting === 'single') {
      if (char === "'") quoting = 'bare';
    } else if (char === '\\') {
      i++;
    } else if (quoting === 'double') {
      if (char === '"') quoting = 'bare';
    } else if (char === "'") {
      quoting = 'single';
    } else if (char === '"') {
      quoting = 'double';
    }
  }
  return quoting;
}

/**
 * Quotes a value for the place it stands in, so the shell sees it as literal text: outside quotes
 * as one word; inside '…' by closing and reopening around each quote; inside "…" by closing the
 * double quotes around a single-quoted word ("x"'a b'"y"), which also stays literal inside a
 * $(…) within the double quotes, where the shell starts unquoted again.
 */
function quoteFor(quoting: Quoting, value: string): string {
  if (quoting === 'raw') return value;
  if (quoting === 'single') return value.replaceAll("'", `'\\''`);
  const quoted = shellQuote(value);
  // Inside "…": no double quote of its own, which a shell scanning for the end of a $(…) within
  // the double quotes could take for the end of the string.
  if (quoting === 'double' && quoted !== value) return `"'${value.replaceAll("'", `'\\''`)}'"`;
  return quoted;
}

/** The `{name}`s a template uses (--ndjson: the record fields that fill it), each once, in order. */
export function templateFieldNames(words: readonly string[]): string[] {
  const names = new Set<string>();
  for (const match of words.join(' ').matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)(?:|\.|\/|\/\/|\/\.)\}/g)) names.add(match[1] as string);
  return [...names];
}

/** One value as a replacement string puts it in the command line: modified, then quoted for where it stands. */
export function quotedValue(part: Extract<TemplatePart, { field: Field }>, value: string, perl?: PerlValues): string {
  return part.field.kind === 'value' ? quoteFor(part.quoting, modify(value, part.field.modifier, perl)) : quoteFor(part.quoting, value);
}

/**
 * -X (GNU parallel's context replace): each word that holds `{}` (or `{.}`…) is repeated once per
 * argument, space-separated (`pre-{}-post` -> `pre-a-post pre-b-post`); a word with only
 * positional strings, `{#}` or `{%}` is written once.
 */
export function renderContext(template: Template, seq: number, slot: number, args: readonly string[], perl?: PerlValues, plain = false): string {
  // The template as words (runs of non-space characters) and the spaces between them.
  const pieces: (TemplatePart | ' ' | '\t')[] = [];
  for (const part of template) {
    if ('field' in part) pieces.push(part);
    else for (const piece of part.text.split(/([ \t])/)) if (piece !== '') pieces.push(piece === ' ' || piece === '\t' ? piece : { text: piece });
  }
  let out = '';
  let word: TemplatePart[] = [];
  const flush = (): void => {
    const perArg = word.some((part) => 'field' in part && part.field.kind === 'value' && part.field.position === undefined);
    const copies = perArg ? args.map((arg) => renderWord(word, seq, slot, args, arg, perl, plain)) : [renderWord(word, seq, slot, args, args[0], perl, plain)];
    out += copies.join(' ');
    word = [];
  };
  for (const piece of pieces) {
    if (piece === ' ' || piece === '\t') {
      flush();
      out += piece;
    } else word.push(piece);
  }
  flush();
  return out;
}

function renderWord(word: readonly TemplatePart[], seq: number, slot: number, args: readonly string[], arg: string | undefined, perl?: PerlValues, plain = false): string {
  // --tagstring: values as they are.
  const valueFor = (part: Extract<TemplatePart, { field: Field }>, value: string, perl?: PerlValues): string => (plain ? (part.field.kind === 'value' ? modify(value, part.field.modifier, perl) : value) : quotedValue(part, value, perl));
  let out = '';
  for (const part of word) {
    if ('text' in part) out += part.text;
    else if (part.field.kind === 'seq') out += valueFor(part, String(seq));
    else if (part.field.kind === 'slot') out += valueFor(part, String(slot));
    else if (part.field.position !== undefined) {
      const value = argAt(args, part.field.position);
      if (value !== undefined) out += valueFor(part, value, perl);
    } else if (arg !== undefined) out += valueFor(part, arg, perl);
  }
  return out;
}
