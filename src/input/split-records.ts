// Cuts a byte stream into records: newline-separated (CR before LF dropped) or NUL-separated.

/** How records are separated in the input. */
import type { JobStdin } from './job-stdin.js';
import { decodeBytes } from '../byte-text.js';
export type RecordSeparator = 'newline' | 'null';

/** One record and where it was: its 1-based number in the input, blank ones included. */
export interface InputRecord {
  readonly text: string;
  readonly line: number;
  /** From `:::`/`::::` input sources: the job's arguments, one per source (text is them joined by spaces). */
  readonly args?: readonly string[] | undefined;
  /** --pipe, --pipe-part: what the job reads on stdin. */
  readonly stdin?: JobStdin | undefined;
}

/**
 * Yields each non-blank (not empty, not only whitespace) record of `chunks` with its number, pulling chunks only as records are
 * wanted, so a slow consumer pauses the reading. At most one partial record is held. With
 * `keepBlank`, blank records are yielded too (an empty argument for a command template, as GNU parallel).
 */
export async function* splitRecords(
  chunks: AsyncIterable<Buffer | string>,
  separator: RecordSeparator,
  keepBlank = false,
): AsyncGenerator<InputRecord> {
  const byte = separator === 'null' ? 0 : 10;
  let partial: Buffer[] = [];
  let line = 0;
  for await (const raw of chunks) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    let start = 0;
    let end = chunk.indexOf(byte, start);
    while (end !== -1) {
      let record = chunk.subarray(start, end);
      if (partial.length > 0) {
        record = Buffer.concat([...partial, record]);
        partial = [];
      }
      const text = decode(record, separator);
      line++;
      if (keepBlank || !isBlank(text)) yield { text, line };
      start = end + 1;
      end = chunk.indexOf(byte, start);
    }
    if (start < chunk.length) partial.push(chunk.subarray(start));
  }
  if (partial.length > 0) {
    const text = decode(Buffer.concat(partial), separator);
    if (keepBlank || !isBlank(text)) yield { text, line: line + 1 };
  }
}

/** Empty or only whitespace: nothing to run. */
function isBlank(text: string): boolean {
  return text === '' || text.trim() === '';
}

function decode(record: Buffer, separator: RecordSeparator): string {
  const length = separator === 'newline' && record[record.length - 1] === 13 ? record.length - 1 : record.length;
  // Bytes that are not UTF-8 are kept (as characters that encodeText turns back into them).
  return decodeBytes(record, 0, length);
}
