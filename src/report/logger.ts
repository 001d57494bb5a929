// The structured NDJSON log of a run (pino), written only when --log-file is given.

import { openSync, writeSync } from 'node:fs';
import { UsageError, messageOf } from '../errors.js';
import { describeEnd, isFailure } from '../jobs/job.js';
import type { EventSink } from './events.js';

/** The log as the run sees it: an event sink, free-form records, and a final flush. */
export interface RunLog {
  readonly handle: EventSink;
  readonly info: (fields: Record<string, unknown>, message: string) => void;
  readonly error: (fields: Record<string, unknown>, message: string) => void;
  /** Writes out anything pending; call before exiting, also on a signal. */
  readonly flush: () => void;
}

/** Whether a --log-level is debug or finer (qrun then also says more on stderr). */
export function atDebug(level: string): boolean {
  return level === 'debug' || level === 'trace';
}

/** A log that records nothing. */
export const noLog: RunLog = { handle: () => undefined, info: () => undefined, error: () => undefined, flush: () => undefined };

/**
 * Opens `path` for appending (user-only permissions) and logs to it at `level`. A write that
 * fails mid-run (a full disk) is handed to `fail` once, with the file named, and nothing more is
 * written: the run ends as for an unwritable stdout (exit 255), never with a crash.
 */
export async function openLog(path: string, level: string, fail: (error: Error) => void): Promise<RunLog> {
  let fd: number;
  try {
    fd = openSync(path, 'a', 0o600);
  } catch (error) {
    throw new UsageError(`--log-file '${path}' cannot be written: ${messageOf(error)}`);
  }
  // pino is CommonJS: its default export is module.exports, the same in Node and in the bundle.
  const { default: pino } = await import('pino');
  let failed = false;
  // pino's own destination emits an 'error' event that nobody can answer in time: write here.
  const destination = {
    write: (line: string): void => {
      if (failed) return;
      const bytes = Buffer.from(line);
      try {
        for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written);
      } catch (error) {
        failed = true;
        fail(new Error(`cannot write --log-file '${path}': ${(error as NodeJS.ErrnoException).code ?? messageOf(error)}`, { cause: error }));
      }
    },
  };
  // Environment values can hold secrets: never write them.
  const logger = pino({ level, base: { pid: process.pid }, redact: ['env', '*.env'] }, destination);
  return {
    handle: (event) => {
      switch (event.kind) {
        case 'job-started':
          logger.debug({ seq: event.job.seq, id: event.job.id, slot: event.slot, cmd: event.command }, 'job started');
          break;
        case 'job-finished': {
          const { result } = event;
          const fields = {
            seq: result.job.seq,
            id: result.job.id,
            slot: result.slot,
            cmd: result.command,
            attempts: result.attempts,
            exitCode: result.exitCode,
            signal: result.signal,
            timedOut: result.timedOut,
            canceled: result.canceled,
            durationMs: Math.round(result.durationMs),
          };
          if (isFailure(result)) logger.warn(fields, `job failed: ${describeEnd(result)}`);
          else logger.info(fields, 'job succeeded');
          break;
        }
        case 'job-ended':
          logger.debug({ seq: event.result.job.seq, exitCode: event.result.exitCode, signal: event.result.signal }, 'job ended');
          break;
        case 'job-retry':
          logger.info({ seq: event.result.job.seq, attempt: event.result.attempts, delayMs: event.delayMs }, `job will be retried: ${describeEnd(event.result)}`);
          break;
        case 'job-skipped':
          logger.debug({ seq: event.job.seq }, 'job skipped: done in the joblog');
          break;
        case 'job-not-started':
          logger.warn({ seq: event.job.seq, id: event.job.id, record: event.job.record }, 'job not started');
          break;
        case 'run-error':
          logger.error({ seq: event.job?.seq }, event.message);
          break;
      }
    },
    info: (fields, message) => logger.info(fields, message),
    error: (fields, message) => logger.error(fields, message),
    // Every line is written as it is logged.
    flush: () => undefined,
  };
}
