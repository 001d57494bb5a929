// qrun's own lines at a terminal: wrapped to its width at word boundaries, never cut mid-word.

import type { TerminalStream } from '../progress.js';

/** Colour escapes take no columns. */
// eslint-disable-next-line no-control-regex -- the escape character is what is matched
const escapes = /\x1b\[[0-9;]*m/g;

/** How many columns `text` takes on a terminal (colour escapes left out). */
function width(text: string): number {
  return text.replace(escapes, '').length;
}

/**
 * `text` (whole lines) as a terminal of `stream`'s width shows it best: each line longer than the
 * width is broken at spaces, later pieces indented by two spaces more than the line. Unchanged
 * when `stream` is not a terminal of known width (a pipe, a file, CI logs).
 */
export function fitToTerminal(text: string, stream: TerminalStream): string {
  const columns = stream.isTTY === true && typeof stream.columns === 'number' && stream.columns > 20 ? stream.columns : undefined;
  if (columns === undefined) return text;
  return text
    .split('\n')
    .map((line) => wrapLine(line, columns))
    .join('\n');
}

function wrapLine(line: string, columns: number): string {
  if (width(line) <= columns) return line;
  const indent = `${/^ */.exec(line)?.[0] ?? ''}  `;
  const out: string[] = [];
  let current = '';
  for (const word of line.trimStart().split(' ')) {
    const start = out.length === 0 && current === '' ? line.slice(0, line.length - line.trimStart().length) : '';
    const candidate = current === '' ? `${out.length === 0 ? start : indent}${word}` : `${current} ${word}`;
    if (current !== '' && width(candidate) > columns) {
      out.push(current);
      current = `${indent}${word}`;
    } else current = candidate;
  }
  out.push(current);
  return out.join('\n');
}

/** One line that fits `columns` (a status line must never wrap): cut with an ellipsis if it is longer. */
export function fitOneLine(text: string, columns: number | undefined): string {
  if (columns === undefined || columns <= 1 || text.length < columns) return text;
  return `${text.slice(0, Math.max(0, columns - 2))}…`;
}
