// --ctag and --ctagstring: each job's tag on a background colour of its own, chosen by its number
// from GNU parallel's table, so that the same run is coloured the same by both tools.

/** The 256-colour backgrounds readable under black (000) or white (231) text, as GNU parallel lists them. */
function combinations(): [string, string][] {
  const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
  const underBlack = [[6, 7], [9, 11], [13, 15], [40, 51], [75, 87], [113, 123], [147, 159], [171, 182], [185, 231], [249, 254]];
  const underWhite = [[1, 9], [12, 13], [16, 45], [52, 81], [88, 114], [124, 149], [160, 178], [180, 180], [182, 184], [196, 214], [232, 250]];
  const pad = (n: number): string => String(n).padStart(3, '0');
  return [
    ...underBlack.flatMap(([from, to]) => range(from as number, to as number)).map((n): [string, string] => [pad(n), '000']),
    ...underWhite.flatMap(([from, to]) => range(from as number, to as number)).map((n): [string, string] => [pad(n), '231']),
  ];
}

/** The colours in GNU's order: neighbours unlike each other (by index mod 23, then mod 7 descending; a stable sort). */
const colours: readonly string[] = (() => {
  const list = combinations();
  const order = list.map((_, i) => i).sort((a, b) => a % 23 - b % 23 || b % 7 - a % 7);
  return order.map((i) => {
    const [background, text] = list[i] as [string, string];
    return `\x1b[48;5;${background};38;5;${text}m`;
  });
})();

/** Clears the rest of the line in the colour (GNU's `tput el` where there is no terminal). */
const clearToEnd = '\x1b[K';
/** Turns the colour off (GNU's `tput sgr0` where there is no terminal). */
export const colourOff = '\x1b[m';

/** The start of job `seq`'s coloured tag. */
export function colourOf(seq: number): string {
  return `${colours[seq % colours.length] ?? ''}${clearToEnd}`;
}
