// --tag/--tagstring: puts "<tag>\t" in front of every output line.

/**
 * Prefixes each line that starts in `chunk` (and puts `suffix`, if any, before each newline: the
 * colour's end with --ctag); remembers whether the next chunk starts a line.
 */
export class LineTagger {
  private atLineStart = true;
  constructor(
    private readonly prefix: Buffer,
    private readonly suffix?: Buffer,
  ) {}

  tag(chunk: Buffer): Buffer {
    if (chunk.length === 0) return chunk;
    const parts: Buffer[] = [];
    let start = 0;
    while (start < chunk.length) {
      if (this.atLineStart) parts.push(this.prefix);
      const newline = chunk.indexOf(10, start);
      const end = newline === -1 ? chunk.length : newline + 1;
      if (this.suffix !== undefined && newline !== -1) parts.push(chunk.subarray(start, newline), this.suffix, chunk.subarray(newline, end));
      else parts.push(chunk.subarray(start, end));
      this.atLineStart = newline !== -1;
      start = end;
    }
    return Buffer.concat(parts);
  }
}
