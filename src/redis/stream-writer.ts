// A worker's side of a run's output stream: start, chunks and end of one attempt, in order,
// with the job's output paused while the stream holds more than the submitter has read.

import type { Redis } from 'ioredis';
import type { ExecResult, OutputPort } from '../runner/executor.js';
import { encodeRecord, type StreamRecord } from './wire.js';

/** Entries the stream may hold before a job's output waits (about 8 MiB of 64 KiB chunks). */
const highWater = 128;
/** Output between two looks at the stream's length. */
const checkEveryBytes = 1024 * 1024;

/** Writes one attempt's records; never creates the stream (a run that ended takes no more). */
export class StreamWriter {
  private last: Promise<unknown> = Promise.resolve();
  private sinceCheck = 0;
  /** Bytes of output handed to Redis, by stream. */
  private readonly sent = { stdout: 0, stderr: 0 };
  readonly port: OutputPort = {
    onStdout: (chunk) => this.chunk('stdout', chunk),
    onStderr: (chunk) => this.chunk('stderr', chunk),
  };

  constructor(
    private readonly conn: Redis,
    private readonly stream: string,
    private readonly key: string,
    private readonly exec: string,
  ) {}

  /** Announces this run of the attempt (not awaited: it goes out ahead of the output on the same connection). */
  start(host: string): void {
    this.last = this.add({ kind: 'start', key: this.key, exec: this.exec, host }).catch(() => undefined);
  }

  /**
   * Writes the result. Commands on one connection run in order, so it lands after every chunk,
   * and before whatever the worker sends next on the connection (BullMQ's completion of the job).
   */
  end(result: ExecResult): Promise<unknown> {
    // With the bytes sent: the submitter compares them with what it received, so a chunk Redis
    // refused (maxmemory) or stored twice (an AOF replay) fails the job instead of passing unseen.
    return this.add({ kind: 'end', key: this.key, exec: this.exec, result, sent: [this.sent.stdout, this.sent.stderr] });
  }

  /** Says the attempt was taken but not started (the run was halted or canceled): the submitter counts it not started. */
  notStarted(): Promise<unknown> {
    const result = { exitCode: null, signal: null, timedOut: false, canceled: false, error: null, startedAt: Date.now(), durationMs: 0, stdoutBytes: 0, neverStarted: true };
    return this.add({ kind: 'end', key: this.key, exec: this.exec, result });
  }

  private chunk(kind: 'stdout' | 'stderr', data: Buffer): void | Promise<void> {
    const at = this.sent[kind];
    this.sent[kind] += data.length;
    // Commands on one connection run in order: only the last needs awaiting. A command whose
    // answer a reconnect lost is sent again (ioredis): `at` lets the submitter skip the copy.
    this.last = this.add({ kind, key: this.key, exec: this.exec, data, at }).catch(() => undefined);
    this.sinceCheck += data.length;
    if (this.sinceCheck < checkEveryBytes) return;
    this.sinceCheck = 0;
    return this.belowHighWater();
  }

  /** Resolves once the submitter has read enough of the stream. */
  private async belowHighWater(): Promise<void> {
    while ((await this.conn.xlen(this.stream)) > highWater) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  private add(record: StreamRecord): Promise<string | null> {
    return this.conn.xadd(this.stream, 'NOMKSTREAM', '*', ...(encodeRecord(record) as string[]));
  }
}
