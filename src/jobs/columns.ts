// --colsep and --trim: a record cut into columns (the job's arguments {1}, {2}…), whitespace trimmed.

/** GNU parallel's --trim: none, left, right, or both. */
export type Trim = 'n' | 'l' | 'r' | 'lr' | 'rl';

/** Trims spaces and tabs as --trim says. */
export function trimmed(text: string, trim: Trim): string {
  if (trim === 'n') return text;
  let out = text;
  if (trim.includes('l')) out = out.replace(/^[ \t]+/, '');
  if (trim.includes('r')) out = out.replace(/[ \t]+$/, '');
  return out;
}

/** How a record becomes a job's arguments: cut by `colsep` (a regular expression), each column trimmed. */
export function columnSplitter(colsep: RegExp, trim: Trim): (text: string) => string[] {
  return (text) => text.split(colsep).map((column) => trimmed(column, trim));
}
