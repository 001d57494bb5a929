// -r (--no-run-if-empty) with --pipe: the input without its blank lines, before it is cut into blocks.

/** The most white space held while waiting to see whether its line is blank: GNU parallel's default --block. */
export const mostHeld = 1024 * 1024;

/**
 * -r with --pipe, as GNU parallel: lines of nothing but white space (Perl's \\s) are left out of
 * the input before it is cut into blocks, whatever --recend is. A line is held only while it is all
 * white space; once it holds anything else it is passed on as it comes. Memory stays flat: white
 * space past `limit` bytes without a newline is passed on, its line then kept (GNU parallel looks at
 * one block at a time, so it too keeps a blank line longer than its block).
 */
export async function* withoutBlankLines(chunks: AsyncIterable<Buffer | string>, limit = mostHeld): AsyncGenerator<Buffer> {
  const space = (byte: number): boolean => byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);
  let held: Buffer[] = [];
  let heldBytes = 0;
  let passing = false;
  for await (const chunk of chunks) {
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const out: Buffer[] = [];
    let start = 0;
    for (let i = 0; i < data.length; i++) {
      const byte = data[i] as number;
      if (byte === 0x0a) {
        // A whole line: dropped if it was white space throughout, with what was held of it.
        if (passing) out.push(data.subarray(start, i + 1));
        held = [];
        heldBytes = 0;
        passing = false;
        start = i + 1;
      } else if (!passing && !space(byte)) {
        passing = true;
        out.push(...held, data.subarray(start, i));
        held = [];
        heldBytes = 0;
        start = i;
      }
    }
    if (start < data.length) {
      if (passing) out.push(data.subarray(start));
      else {
        held.push(data.subarray(start));
        heldBytes += data.length - start;
        if (heldBytes > limit) {
          out.push(...held);
          held = [];
          heldBytes = 0;
          passing = true;
        }
      }
    }
    if (out.length > 0) yield Buffer.concat(out);
  }
  // The last line without its newline stays (GNU's pattern needs the newline).
  if (held.length > 0) yield Buffer.concat(held);
}
