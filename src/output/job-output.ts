// The output of one job while it is held: its two streams (buffer, tag, line tail) and its state.

import type { Writable } from 'node:stream';
import type { Job } from '../jobs/job.js';
import type { CaptureFiles, CapturePair } from './capture-files.js';
import type { OutputFrame } from './frames.js';
import type { LineEnds } from './line-ends.js';
import { OutputBuffer, type MemoryBudget } from './output-buffer.js';
import { writeChunk } from './serial-writer.js';
import type { SpillFile } from './spill-file.js';
import { LineTagger } from './tagger.js';

/** group: each job's output whole when it ends; line: whole lines as they come; ungroup: as is. */
export type OutputMode = 'group' | 'line' | 'ungroup';

/**
 * Told once a job's output has been written out (`lost` undefined) or could not be (`lost` is
 * why). It records the job; it runs inside the writer, so what it writes comes right after the
 * job's output. It must not throw.
 */
export type WrittenCallback = (lost: unknown) => Promise<void> | void;

/** How the sink is set up. */
export interface OutputSinkOptions {
  readonly mode: OutputMode;
  readonly keepOrder: boolean;
  /** --tag/--tagstring: the text put before each output line of a job (a tab follows), if any. */
  readonly tag: ((job: Job) => string) | undefined;
  /** --ctag, --ctagstring: the tag on a colour of the job's own, the colour ended before each newline. */
  readonly tagColour?: boolean | undefined;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** The streams are this process's own fd 1 and 2, so ungrouped jobs may inherit them. */
  readonly inheritable: boolean;
  readonly spill: SpillFile;
  /** Group mode: the files jobs write into directly. */
  readonly captures: CaptureFiles;
  /** Group mode writes into capture files; false when every byte must pass through qrun (--results). */
  readonly captureFiles: boolean;
  readonly budget: MemoryBudget;
  /** Bytes one stream of one job may hold in memory before it spills. */
  readonly perBufferLimit: number;
  /** A line longer than this is written in pieces (line mode). */
  readonly maxLineBytes: number;
  /** Called before anything is written (the progress line clears itself). */
  readonly beforeWrite: () => void;
  /** Aborted when qrun stops waiting for its readers: pending and later writes fail at once. */
  readonly giveUp?: AbortSignal | undefined;
  /** Told of every byte qrun writes to stdout and stderr, so that its own lines start a line. */
  readonly lineEnds?: LineEnds | undefined;
}

/** One stream (stdout or stderr) of one job. */
export class StreamState {
  readonly buffer: OutputBuffer;
  readonly tagger: LineTagger | undefined;
  /** Line mode: the unfinished last line. */
  tail: Buffer[] = [];
  tailBytes = 0;

  constructor(
    readonly out: Writable,
    readonly name: 'stdout' | 'stderr',
    prefix: Buffer | undefined,
    private readonly options: OutputSinkOptions,
    suffix?: Buffer,
  ) {
    this.buffer = new OutputBuffer(options.budget, options.spill, options.perBufferLimit);
    this.tagger = prefix !== undefined ? new LineTagger(prefix, suffix) : undefined;
  }

  /** Writes a chunk (tagged if --tag) to this stream's destination. */
  write(chunk: Buffer): Promise<void> {
    const bytes = this.tagger ? this.tagger.tag(chunk) : chunk;
    this.options.lineEnds?.wrote(this.name, bytes);
    return writeChunk(this.out, bytes, this.name, this.options.giveUp);
  }

  takeTail(): Buffer | undefined {
    if (this.tailBytes === 0) return undefined;
    const line = this.tail.length === 1 ? (this.tail[0] as Buffer) : Buffer.concat(this.tail);
    this.tail = [];
    this.tailBytes = 0;
    return line;
  }
}

/** The output of one job, from its start until it has been written. */
export class JobOutput {
  readonly streams: readonly [StreamState, StreamState];
  finished = false;
  /** In line mode: writes go straight out (else they are held until the job's turn). */
  live: boolean;
  /** The first error holding or writing output (e.g. the spill file's disk is full, stdout failed). */
  error: unknown;
  /** Records the job once its output is out; set when the job finishes. */
  written: WrittenCallback | undefined;
  /** Group mode: the files the job writes into, until copied out or absorbed into the buffers. */
  files: CapturePair | undefined;
  /** Group mode: lines written around the output (set when the job finishes). */
  frame: OutputFrame | undefined;

  constructor(
    readonly seq: number,
    options: OutputSinkOptions,
    live: boolean,
    prefix?: Buffer,
    suffix?: Buffer,
  ) {
    this.streams = [new StreamState(options.stdout, 'stdout', prefix, options, suffix), new StreamState(options.stderr, 'stderr', prefix, options, suffix)];
    this.live = live;
  }
}
