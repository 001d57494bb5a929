// Command templates: GNU parallel's replacement strings, with every substituted value shell-quoted.

/** A parsed template: literal text and replacement strings, in order. */
export type Template = readonly TemplatePart[];
type TemplatePart = { readonly text: string } | { readonly field: Field; readonly quoting: Quoting };
/** Where a replacement string stands in the shell line: outside quotes, inside '…' or inside "…". */
type Quoting = 'bare' | 'single' | 'double';
type Field = '{}' | '{.}' | '{/}' | '{//}' | '{/.}' | '{#}' | '{%}';

const fieldPattern = /\{(?:|\.|\/|\/\/|\/\.|#|%)\}/g;

/**
 * Parses the command words given after the options (joined by spaces, as GNU parallel does).
 * A template without any replacement string gets " {}" appended.
 */
export function parseTemplate(words: readonly string[]): Template {
  let source = words.join(' ');
  if (!fieldPattern.test(source)) source += ' {}';
  fieldPattern.lastIndex = 0;
  const parts: TemplatePart[] = [];
  let last = 0;
  let quoting: Quoting = 'bare';
  for (const match of source.matchAll(fieldPattern)) {
    if (match.index > last) {
      const text = source.slice(last, match.index);
      parts.push({ text });
      quoting = quotingAfter(text, quoting);
    }
    parts.push({ field: match[0] as Field, quoting });
    last = match.index + match[0].length;
  }
  if (last < source.length) parts.push({ text: source.slice(last) });
  return parts;
}

/** The command line for one record: each value quoted so the shell sees it as one literal word. */
export function renderTemplate(template: Template, record: string, seq: number, slot: number): string {
  let out = '';
  for (const part of template) {
    out += 'text' in part ? part.text : quoteFor(part.quoting, fieldValue(part.field, record, seq, slot));
  }
  return out;
}

function fieldValue(field: Field, record: string, seq: number, slot: number): string {
  switch (field) {
    case '{}':
      return record;
    case '{.}':
      return withoutExtension(record);
    case '{/}':
      return basename(record);
    case '{//}':
      return dirname(record);
    case '{/.}':
      return withoutExtension(basename(record));
    case '{#}':
      return String(seq);
    case '{%}':
      return String(slot);
  }
}

function basename(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return trimmed.slice(trimmed.lastIndexOf('/') + 1) || trimmed;
}

/** POSIX dirname: trailing slashes do not count ("dir/sub/" -> "dir", "a/" -> "."). */
function dirname(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return path.startsWith('/') ? '/' : '.';
  const slash = trimmed.lastIndexOf('/');
  if (slash === -1) return '.';
  return trimmed.slice(0, slash).replace(/\/+$/, '') || '/';
}

/** Drops the last ".ext" of the last path component ("a.b/c.tar.gz" -> "a.b/c.tar"). */
function withoutExtension(path: string): string {
  const dot = path.lastIndexOf('.');
  return dot > path.lastIndexOf('/') + 1 ? path.slice(0, dot) : path;
}

/** Quotes a value for POSIX sh: left bare only when it holds no character the shell treats specially. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
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
  if (quoting === 'single') return value.replaceAll("'", `'\\''`);
  const quoted = shellQuote(value);
  if (quoting === 'double' && quoted !== value) return `"${quoted}"`;
  return quoted;
}
