// Where qrun's own lines must start: whether what it last wrote to stdout and stderr ended a line.

/**
 * Whether what qrun last wrote to each stream ended a line: a workflow command (`::endgroup::`),
 * a failure label or the --summary-json line written after a job's output without its final
 * newline must still start a line of its own. (Jobs that write straight to qrun's stdout in
 * ungroup mode are not seen.)
 */
export class LineEnds {
  private readonly open = { stdout: false, stderr: false };

  /** Notes the bytes about to be written to a stream. */
  wrote(stream: 'stdout' | 'stderr', bytes: Buffer): void {
    if (bytes.length > 0) this.open[stream] = bytes[bytes.length - 1] !== 10;
  }

  /** A newline if the stream's last line is unfinished, else nothing: put before a line of qrun's own. */
  newlineFor(stream: 'stdout' | 'stderr'): string {
    return this.open[stream] ? '\n' : '';
  }
}
