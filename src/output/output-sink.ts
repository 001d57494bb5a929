// Job output -> qrun's stdout/stderr, in the chosen mode: group, line or ungroup, optionally in input order.

import type { Job } from '../jobs/job.js';
import type { OutputChannel } from '../runner/executor.js';
import type { CapturePair } from './capture-files.js';
import type { OutputFrame } from './frames.js';
import { colourOf, colourOff } from './tag-colors.js';
import { encodeText } from '../byte-text.js';
import { JobOutput, type OutputSinkOptions, type StreamState, type WrittenCallback } from './job-output.js';
import { SerialWriter, writeChunk } from './serial-writer.js';

export type { OutputMode, OutputSinkOptions, WrittenCallback } from './job-output.js';

/** Receives job output from the runner and writes it out so that the mode's promise holds. */
export class OutputSink {
  private readonly writer: SerialWriter;
  /** Jobs started and not yet written out, by seq. */
  private readonly open = new Map<number, JobOutput>();
  /** With --keep-order: the seq whose output is written next. */
  private nextSeq = 1;

  constructor(private readonly options: OutputSinkOptions) {
    this.writer = new SerialWriter(options.beforeWrite);
  }

  /**
   * Where an executor should send this job's output: the port, which every executor can feed,
   * and for a local executor a shortcut (inherit qrun's stdio, or write into capture files).
   */
  target(job: Job): OutputChannel {
    const { mode, tag, inheritable, keepOrder } = this.options;
    if (mode === 'ungroup' && tag === undefined && inheritable) {
      // The fastest path: a local job writes to qrun's own stdio and nothing is held here. Only
      // an executor that feeds the port (not a local one) makes the job's state, on its first chunk.
      let fed: JobOutput | undefined;
      const held = (): JobOutput => (fed ??= this.hold(job, false));
      return {
        port: { onStdout: (chunk) => this.writeLive(held(), held().streams[0], chunk), onStderr: (chunk) => this.writeLive(held(), held().streams[1], chunk) },
        local: { stdout: 'inherit', stderr: 'inherit', stdoutBytes: () => 0 },
      };
    }
    const output = this.hold(job, mode === 'line' && (!keepOrder || job.seq === this.nextSeq));
    const [out, err] = output.streams;
    if (mode === 'group' && this.options.captureFiles) {
      // The job writes into files: nothing passes through qrun until it is the job's turn.
      const files = this.options.captures.take();
      output.files = files;
      return {
        port: {
          onStdout: (chunk) => this.capture(output, files, 0, chunk),
          onStderr: (chunk) => this.capture(output, files, 1, chunk),
          restart: () => {
            if (output.files === files) this.options.captures.truncate(files);
          },
        },
        local: { stdout: files.fds[0], stderr: files.fds[1], stdoutBytes: () => this.options.captures.size(files, 0) },
      };
    }
    return {
      port: { onStdout: (chunk) => this.receive(output, out, chunk), onStderr: (chunk) => this.receive(output, err, chunk), restart: () => this.restart(output) },
      local: undefined,
    };
  }

  /**
   * The job runs again from the start elsewhere (its remote run was lost): what the lost run left
   * held goes, so group and -k output is the new run's only. Lines already printed (line mode
   * while live, ungroup) stay printed; a line the lost run left unfinished is dropped.
   */
  private restart(output: JobOutput): void {
    if (this.options.mode === 'ungroup') return;
    for (const stream of output.streams) {
      stream.buffer.release();
      stream.takeTail();
    }
  }

  /** Starts holding a job's output state until it is written out. */
  private hold(job: Job, live: boolean): JobOutput {
    const { tag, tagColour } = this.options;
    const prefix = tag === undefined ? undefined : encodeText(`${tagColour === true ? colourOf(job.seq) : ''}${tag(job)}\t`);
    const output = new JobOutput(job.seq, this.options, live, prefix, tag !== undefined && tagColour === true ? Buffer.from(colourOff) : undefined);
    this.open.set(job.seq, output);
    return output;
  }

  /**
   * The job has ended and its pipes are closed: write what the mode allows now, then call
   * `written`. Resolves once the output is written, or (with --keep-order, before its turn)
   * parked until its turn; never rejects: a loss is handed to `written`.
   */
  async finish(job: Job, written: WrittenCallback, frame?: OutputFrame): Promise<void> {
    const output = this.open.get(job.seq);
    if (!output) {
      await this.writer.run(() => written(undefined));
      return;
    }
    output.written = written;
    // Only whole output can be framed: line and ungroup output is already out.
    if (this.options.mode === 'group') output.frame = frame;
    this.options.captures.checkComplete(output.files, (error) => (output.error ??= error));
    if (this.options.keepOrder && this.options.mode !== 'ungroup') {
      // Not its turn yet: move the output out of the files, so they serve the next job.
      if (job.seq !== this.nextSeq) this.absorb(output);
      // Finished only behind the live writes it queued: an advance queued earlier (another job
      // finishing) must not write this job out and move on while its last chunks still wait.
      await this.writer.run(() => {
        output.finished = true;
        return this.advance();
      });
    } else {
      output.finished = true;
      this.open.delete(job.seq);
      await this.writer.run(() => this.writeOut(output));
    }
  }

  /** Drops what a failed attempt left held (it will run again); output already written stays. */
  discard(job: Job): void {
    const output = this.open.get(job.seq);
    if (!output) return;
    this.drop(output);
    this.open.delete(job.seq);
  }

  /** Group mode: drops a job's whole output unprinted (true); other modes print as output comes (false). */
  withhold(job: Job): boolean {
    if (this.options.mode !== 'group' || !this.open.has(job.seq)) return false;
    this.discard(job);
    return true;
  }

  /** A line of qrun's own (dry-run command, invalid record), written between jobs' output. */
  notice(stream: 'stdout' | 'stderr', text: string): Promise<void> {
    return this.writer.run(() => this.raw(stream, text));
  }

  /** One of qrun's own lines, inside a write already holding the writer: it starts a line of its own. */
  private raw(stream: 'stdout' | 'stderr', text: string): Promise<void> {
    const bytes = encodeText(`${this.options.lineEnds?.newlineFor(stream) ?? ''}${text}`);
    this.options.lineEnds?.wrote(stream, bytes);
    return writeChunk(stream === 'stdout' ? this.options.stdout : this.options.stderr, bytes, stream, this.options.giveUp);
  }

  /** A job that never ran: with --keep-order, later jobs must not wait for it. */
  skip(job: Job): void {
    if (!this.options.keepOrder || this.options.mode === 'ungroup') return;
    const output = new JobOutput(job.seq, this.options, false);
    output.finished = true;
    this.open.set(job.seq, output);
    void this.writer.run(() => this.advance());
  }

  /** End of run: writes whatever is still held, in input order, and waits for the writes. */
  async close(): Promise<void> {
    await this.writer.run(async () => {
      const remaining = [...this.open.values()].sort((a, b) => a.seq - b.seq);
      this.open.clear();
      for (const output of remaining) await this.writeOut(output);
    });
  }

  /** A chunk fed through the port in group mode goes into the job's capture file, as a local job's writes do. */
  private capture(output: JobOutput, files: CapturePair, index: 0 | 1, chunk: Buffer): void {
    if (output.error !== undefined || output.files !== files) return;
    try {
      this.options.captures.append(files, index, chunk);
    } catch (error) {
      output.error = error;
    }
  }

  private receive(output: JobOutput, stream: StreamState, chunk: Buffer): void {
    const { mode } = this.options;
    if (mode === 'ungroup') {
      this.writeLive(output, stream, chunk);
    } else if (mode === 'line' && output.live) {
      this.forwardLines(output, stream, chunk);
    } else {
      try {
        stream.buffer.append(chunk);
      } catch (error) {
        output.error ??= error;
      }
    }
  }

  /** Line mode: writes the whole lines in `chunk` (with any held start), holds the rest. */
  private forwardLines(output: JobOutput, stream: StreamState, chunk: Buffer): void {
    // With --keep-order only the oldest job is live, so nothing can come between its pieces.
    if (this.options.keepOrder) {
      this.writeLive(output, stream, chunk);
      return;
    }
    const newline = chunk.lastIndexOf(10);
    if (newline === -1) {
      stream.tail.push(chunk);
      stream.tailBytes += chunk.length;
      if (stream.tailBytes < this.options.maxLineBytes) return;
      this.writeLive(output, stream, stream.takeTail() as Buffer);
      return;
    }
    stream.tail.push(chunk.subarray(0, newline + 1));
    stream.tailBytes += newline + 1;
    const lines = stream.takeTail() as Buffer;
    if (newline + 1 < chunk.length) {
      stream.tail.push(chunk.subarray(newline + 1));
      stream.tailBytes = chunk.length - newline - 1;
    }
    this.writeLive(output, stream, lines);
  }

  /** Writes a chunk while the job runs; a failure is kept and reported when the job finishes. */
  private writeLive(output: JobOutput, stream: StreamState, chunk: Buffer): void {
    void this.writer.run(() => (output.error === undefined ? stream.write(chunk) : undefined)).catch((error: unknown) => (output.error ??= error));
  }

  /** Writes every finished job whose turn it is, then lets the new oldest job write live. */
  private async advance(): Promise<void> {
    for (let head = this.open.get(this.nextSeq); head?.finished; head = this.open.get(this.nextSeq)) {
      this.open.delete(this.nextSeq);
      this.nextSeq++;
      await this.writeOut(head);
    }
    const head = this.open.get(this.nextSeq);
    if (head && this.options.mode === 'line' && !head.live) {
      head.live = true;
      try {
        for (const stream of head.streams) await stream.buffer.drainTo((chunk) => stream.write(chunk));
      } catch (error) {
        head.error ??= error;
      }
    }
  }

  /** Writes everything a job holds (its stdout, then its stderr, each whole), then records it. */
  private async writeOut(output: JobOutput): Promise<void> {
    const { files } = output;
    if (output.error !== undefined) {
      // Part of the output is gone: write none of it rather than a silently cut copy.
      this.drop(output);
    } else {
      try {
        const { frame } = output;
        if (frame?.open !== undefined) await this.raw('stdout', frame.open);
        for (const [index, stream] of output.streams.entries()) {
          let label = index === 1 ? frame?.stderrLabel : undefined;
          const write = async (chunk: Buffer): Promise<void> => {
            if (label !== undefined && chunk.length > 0) {
              await this.raw('stderr', label);
              label = undefined;
            }
            await stream.write(chunk);
          };
          if (files) await this.options.captures.copy(files, index as 0 | 1, write);
          await stream.buffer.drainTo(write);
          const tail = stream.takeTail();
          if (tail) await write(tail);
        }
        if (frame?.close !== undefined) await this.raw('stdout', frame.close);
      } catch (error) {
        output.error = error;
        this.drop(output);
      }
    }
    this.releaseFiles(output);
    await output.written?.(output.error);
  }

  /** Moves a waiting job's captured output into its buffers (memory, then spill) and frees the files. */
  private absorb(output: JobOutput): void {
    const { files } = output;
    if (!files) return;
    try {
      for (const [index, stream] of output.streams.entries()) {
        this.options.captures.copySync(files, index as 0 | 1, (chunk) => stream.buffer.append(chunk));
      }
    } catch (error) {
      output.error ??= error;
    }
    this.releaseFiles(output);
  }

  /** Forgets everything a job holds. */
  private drop(output: JobOutput): void {
    for (const stream of output.streams) {
      stream.buffer.release();
      stream.takeTail();
    }
    this.releaseFiles(output);
  }

  private releaseFiles(output: JobOutput): void {
    if (output.files) this.options.captures.release(output.files);
    output.files = undefined;
  }
}

