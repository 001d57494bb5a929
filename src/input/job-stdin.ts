// What a --pipe or --pipe-part job reads on its stdin: a file, whole or in byte ranges.

/** Bytes `start` to `start + length` of a file. */
export interface ByteRange {
  readonly start: number;
  readonly length: number;
}

/**
 * A job's stdin: the `ranges` of the file at `path`, one after another, through a pipe (as GNU
 * parallel gives them: a program sees a pipe, not a file, e.g. `wc` pads its numbers alike).
 */
export interface JobStdin {
  readonly path: string;
  readonly ranges: readonly ByteRange[];
  /** A block qrun wrote for this job (--pipe): removed once the job is over. */
  readonly temporary: boolean;
}

/** The joblog's Send: the bytes of a --pipe block (GNU parallel counts those, not --pipe-part's). */
export function sentBytes(stdin: JobStdin | undefined): number {
  return stdin?.temporary === true ? stdin.ranges.reduce((sum, range) => sum + range.length, 0) : 0;
}
