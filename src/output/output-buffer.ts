// One job stream's held output: in memory up to a bound, the rest in the spill file.

import type { Segment, SpillFile } from './spill-file.js';

/** Memory shared by all held output of a run; past it, output goes to the spill file. */
export class MemoryBudget {
  private used = 0;
  constructor(readonly limit: number) {}

  take(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used -= bytes;
  }
}

/** Size of the pieces a spilled stretch is read back in. */
const readPiece = 1024 * 1024;

/**
 * Holds one stream of one job until it may be written. Bytes stay in order: once anything is
 * spilled, everything after it is spilled too.
 */
export class OutputBuffer {
  private chunks: Buffer[] = [];
  private memoryBytes = 0;
  private segments: Segment[] = [];
  private spilledBytes = 0;

  constructor(
    private readonly budget: MemoryBudget,
    private readonly spill: SpillFile,
    private readonly perBufferLimit: number,
  ) {}

  get length(): number {
    return this.memoryBytes + this.spilledBytes;
  }

  /** Holds a chunk; throws if it had to be spilled and the spill file cannot be written. */
  append(chunk: Buffer): void {
    if (
      this.spilledBytes === 0 &&
      this.memoryBytes + chunk.length <= this.perBufferLimit &&
      this.budget.take(chunk.length)
    ) {
      this.chunks.push(chunk);
      this.memoryBytes += chunk.length;
      return;
    }
    const segment = this.spill.append(chunk);
    this.spilledBytes += chunk.length;
    const last = this.segments[this.segments.length - 1];
    if (last && last.offset + last.length === segment.offset) last.length += segment.length;
    else this.segments.push(segment);
  }

  /** Hands every held byte, in order, to `write` (awaited, for back-pressure), then empties itself. */
  async drainTo(write: (chunk: Buffer) => Promise<void> | void): Promise<void> {
    try {
      for (const chunk of this.chunks) await write(chunk);
      for (const segment of this.segments) {
        for (let done = 0; done < segment.length; done += readPiece) {
          await write(this.spill.read(segment.offset + done, Math.min(readPiece, segment.length - done)));
        }
      }
    } finally {
      this.release();
    }
  }

  /** Gives back the memory and spill space without writing anything. */
  release(): void {
    this.budget.give(this.memoryBytes);
    if (this.spilledBytes > 0) this.spill.release(this.spilledBytes);
    this.chunks = [];
    this.segments = [];
    this.memoryBytes = 0;
    this.spilledBytes = 0;
  }
}
