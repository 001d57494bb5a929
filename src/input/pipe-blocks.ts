// --pipe: stdin cut into blocks of whole records, exactly where GNU parallel cuts it.

/** How the input is cut. */
export interface BlockOptions {
  /** --block: bytes read per round (a block holds the whole records among them). */
  readonly blockSize: number;
  readonly recstart: string;
  readonly recend: string;
  /** -N: this many records per block instead of a size. */
  readonly records: number | undefined;
  /** A record longer than the block: the block grows, and the user is told. */
  readonly warn: (text: string) => void;
}

/** Largest block GNU parallel grows to (2 GB - 1). */
const largest = 2 ** 31 - 1;

/**
 * Yields the blocks of `chunks` as GNU parallel 20221122 makes them: each round reads up to the
 * next multiple of the block size, then passes everything up to the last record end (or, with -N,
 * every group of N records); what is left starts the next round. Only about one block is held.
 */
export async function* pipeBlocks(chunks: AsyncIterable<Buffer | string>, options: BlockOptions): AsyncGenerator<Buffer> {
  const separator = Buffer.from(options.recend + options.recstart);
  const endLength = Buffer.byteLength(options.recend);
  let blockSize = options.blockSize;
  const source = chunks[Symbol.asyncIterator]();
  // Bytes read from the source but not yet "read" by the round (a round reads an exact amount).
  let pending: Buffer = Buffer.alloc(0);
  let eof = false;
  let buf: Buffer = Buffer.alloc(0);
  const read = async (): Promise<void> => {
    const want = blockSize - (buf.length % blockSize);
    const parts: Buffer[] = [buf];
    let got = 0;
    while (got < want) {
      if (pending.length === 0) {
        const next = await source.next();
        if (next.done === true) {
          eof = true;
          break;
        }
        pending = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
        continue;
      }
      const take = Math.min(want - got, pending.length);
      parts.push(pending.subarray(0, take));
      pending = pending.subarray(take);
      got += take;
    }
    // A round that read nothing is the end (GNU parallel's test: sysread returned 0).
    if (got === 0) eof = true;
    buf = parts.length === 1 ? buf : Buffer.concat(parts);
  };
  while (true) {
    let written = 0;
    await read();
    if (options.records !== undefined) {
      // -N: every whole group of N records (the search starts at byte 1, as GNU's nindex does).
      for (let at = nth(buf, separator, options.records); at !== -1 && buf.length > 0; at = nth(buf, separator, options.records)) {
        const end = at + endLength;
        yield buf.subarray(0, end);
        buf = buf.subarray(end);
        written++;
      }
    } else if (!eof) {
      const at = buf.lastIndexOf(separator);
      if (at !== -1) {
        const end = at + endLength;
        if (end > 0) {
          yield buf.subarray(0, end);
          written++;
        }
        buf = buf.subarray(end);
      }
    }
    if (eof) break;
    if (written === 0 && blockSize < largest) {
      const old = blockSize;
      blockSize = Math.min(Math.ceil(blockSize * 1.3 + 1), largest);
      options.warn(`a record was longer than ${old} bytes: --block is now ${blockSize}`);
    }
  }
  if (buf.length > 0) yield buf;
}

/** Where the nth copy of `separator` starts, searching from byte 1; -1 if there are fewer. */
function nth(buf: Buffer, separator: Buffer, n: number): number {
  let at = 0;
  for (let i = 0; i < n; i++) {
    at = buf.indexOf(separator, at + 1);
    if (at === -1) return -1;
  }
  return at;
}

/** Where the first `lines` lines of `data` end (after their newline), or -1 if it holds fewer. */
export function headerEnd(data: Buffer, lines: number): number {
  let at = 0;
  for (let i = 0; i < lines; i++) {
    const newline = data.indexOf(10, at);
    if (newline === -1) return -1;
    at = newline + 1;
  }
  return at;
}

/** --pipe --header: a number of lines, or (GNU parallel's) a regular expression matched at the input's start. */
export type PipeHeader = number | RegExp;

/** A regular-expression header is matched within the input's first 64 KiB (or all of it, if shorter). */
const headerWindow = 64 * 1024;

/**
 * Where the header ends in `data` (the input's start), or -1 while more data is needed; `done`:
 * `data` is all there is. A pattern that does not match is no header (0), as in GNU parallel.
 */
export function headerOf(data: Buffer, header: PipeHeader, done: boolean): number {
  if (typeof header === 'number') {
    const end = headerEnd(data, header);
    return end === -1 && done ? data.length : end;
  }
  if (!done && data.length < headerWindow) return -1;
  // latin1: one character per byte, so the match's length is its length in bytes.
  const match = header.exec(data.toString('latin1', 0, Math.min(data.length, headerWindow)));
  return match === null || match.index !== 0 ? 0 : match[0].length;
}

/**
 * --pipe --header: the header (a number of lines, or what a pattern matches at the start) is put
 * in front of every block (as GNU parallel does); the blocks are cut from what follows it.
 */
export async function* pipeBlocksWithHeader(chunks: AsyncIterable<Buffer | string>, options: BlockOptions, spec: PipeHeader): AsyncGenerator<Buffer> {
  const iterator = chunks[Symbol.asyncIterator]();
  let data = Buffer.alloc(0);
  let end = headerOf(data, spec, false);
  while (end === -1) {
    const next = await iterator.next();
    if (next.done === true) {
      end = headerOf(data, spec, true);
      break;
    }
    data = Buffer.concat([data, typeof next.value === 'string' ? Buffer.from(next.value) : next.value]);
    end = headerOf(data, spec, false);
  }
  const header = data.subarray(0, end);
  const rest = data.subarray(end);
  async function* after(): AsyncGenerator<Buffer | string> {
    if (rest.length > 0) yield rest;
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) yield next.value;
  }
  for await (const block of pipeBlocks(after(), options)) yield Buffer.concat([header, block]);
}
