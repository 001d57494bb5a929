// The run's output stream, read back: the one place results come from (BullMQ's events are not
// relied on). Each record (a start, a chunk of output, an end) is applied to its attempt.

import { placeChunk } from '../chunk-order.js';
import { decodeRecord } from '../wire.js';
import type { SubmitterSession } from './session.js';
import type { PendingJobs } from './pending.js';
import type { Submissions } from './submissions.js';

const readCount = 1000;

/** Reads the stream until `closed()`; what has been read is trimmed away, so the stream stays short. */
export async function readResults(session: SubmitterSession, closed: () => boolean, apply: (fields: Buffer[]) => void): Promise<void> {
  let lastId = '0-0';
  while (!closed()) {
    let reply: [Buffer, [Buffer, Buffer[]][]][] | null;
    try {
      reply = (await session.reader.xreadBuffer('COUNT', readCount, 'BLOCK', 500, 'STREAMS', session.keys.output, lastId)) as [Buffer, [Buffer, Buffer[]][]][] | null;
    } catch {
      if (closed()) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
      continue;
    }
    if (reply === null) continue;
    for (const [, entries] of reply) {
      for (const [id, fields] of entries) {
        lastId = id.toString();
        apply(fields);
      }
    }
    await session.conn.xtrim(session.keys.output, 'MINID', lastId).catch(() => undefined);
  }
}

/** Applies one stream record to the attempt it belongs to. */
export function resultApplier(session: SubmitterSession, pending: PendingJobs, submissions: Submissions): (fields: Buffer[]) => void {
  return (fields) => {
    const record = decodeRecord(fields);
    if (record === undefined) return;
    const entry = pending.get(record.key);
    if (entry === undefined) return;
    if (record.kind === 'start') {
      // The same start sent again after a reconnect changes nothing.
      if (entry.exec === record.exec) return;
      // A second run: the first run of this attempt was lost (its worker died) and it runs again.
      if (entry.exec !== undefined) entry.output.port.restart?.();
      entry.exec = record.exec;
      entry.host = record.host;
      entry.received = [0, 0];
      entry.damaged = false;
      return;
    }
    // A worker took the job after the run was halted or canceled, and did not start it.
    if (record.kind === 'end' && record.result.neverStarted === true && entry.exec === undefined) return pending.finish(entry, record.result);
    if (record.exec !== entry.exec) return;
    if (record.kind === 'stdout' || record.kind === 'stderr') {
      const stream = record.kind === 'stdout' ? 0 : 1;
      const place = placeChunk(entry.received[stream], record.at, record.data.length);
      if (place === 'copy') return;
      if (place === 'gap') entry.damaged = true;
      entry.received[stream] = (place === 'gap' ? (record.at ?? 0) : entry.received[stream]) + record.data.length;
      // Output with a hole is not passed on: it is discarded, or the job fails.
      if (entry.damaged) return;
      void (stream === 0 ? entry.output.port.onStdout(record.data) : entry.output.port.onStderr(record.data));
      return;
    }
    if (record.kind !== 'end') return;
    const { sent } = record;
    const damaged = entry.damaged || (sent !== undefined && (sent[0] !== entry.received[0] || sent[1] !== entry.received[1]));
    if (!damaged) return pending.finish(entry, record.result);
    // A Redis restart since it was queued cut the output: it runs again, from the start.
    if (session.reconnects > entry.reconnectsAtQueue) return void submissions.queueAgain(entry, 'cut');
    // Part of the output was refused by Redis (maxmemory): the job fails with the reason, and
    // what is held of its output is not printed as whole.
    entry.output.port.restart?.();
    pending.finish(entry, { ...record.result, error: `its output was damaged on the way through Redis: ${sent === undefined ? '?' : sent[0] + sent[1]} bytes sent, ${entry.received[0] + entry.received[1]} received (Redis out of memory, or restarted)` });
  };
}
