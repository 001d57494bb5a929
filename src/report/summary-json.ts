// --summary-json <file|->: the run's summary as one JSON object, for CI steps and scripts.

import { closeSync, openSync, writeSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { UsageError, messageOf, signalNumbers } from '../errors.js';
import { StreamWriteError, writeChunk } from '../output/serial-writer.js';
import type { RunSummary } from './run-summary.js';

/** Where the summary goes, opened before the run so that an unwritable file refuses to start. */
export interface SummaryJson {
  /** Writes the summary (once); rejects if it cannot. */
  write(summary: RunSummary): Promise<void>;
  close(): void;
}

/**
 * Opens `path` (truncated, mode 0600), or stdout for "-" (written after all job output, on a line
 * of its own: `lineStart` is the newline an unfinished last line of job output needs).
 */
export function openSummaryJson(path: string, stdout: Writable, lineStart: () => string = () => ''): SummaryJson {
  if (path === '-') {
    return {
      write: async (summary) => {
        try {
          await writeChunk(stdout, Buffer.from(`${lineStart()}${render(summary)}\n`), 'stdout');
        } catch (error) {
          if (error instanceof StreamWriteError && error.code === 'EPIPE') throw error;
          throw new Error(`cannot write --summary-json to stdout: ${error instanceof StreamWriteError ? error.code : messageOf(error)}`, { cause: error });
        }
      },
      close: () => undefined,
    };
  }
  let fd: number | undefined;
  try {
    fd = openSync(path, 'w', 0o600);
  } catch (error) {
    throw new UsageError(`--summary-json '${path}' cannot be written: ${(error as NodeJS.ErrnoException).code ?? messageOf(error)}`);
  }
  return {
    write: async (summary) => {
      if (fd === undefined) return;
      const bytes = Buffer.from(`${render(summary)}\n`);
      try {
        for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written);
      } catch (error) {
        throw new Error(`cannot write --summary-json '${path}': ${(error as NodeJS.ErrnoException).code ?? messageOf(error)}`, { cause: error });
      }
    },
    close: () => {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

/** Writes the summary to --summary-json, if any, whatever the run's outcome; a failure to write it makes the exit status 255. */
export async function writeSummaryJsonOf(target: SummaryJson | undefined, summary: RunSummary): Promise<RunSummary> {
  if (target === undefined) return summary;
  try {
    await target.write(summary);
    return summary;
  } catch (error) {
    // Output to stdout was already lost to a reader that went away: the run ends 141 as it was.
    // So was qrun's own output already: that first failure is the one to report.
    if (summary.brokenPipe || summary.error !== undefined) return summary;
    // The reader of stdout went away (`| head -1`): 141, quietly, as for job output.
    if (error instanceof StreamWriteError) return { ...summary, exitCode: 128 + signalNumbers.SIGPIPE, brokenPipe: true };
    return { ...summary, exitCode: 255, error: messageOf(error) };
  }
}

/** The JSON text: every count, how the run ended, and the first failed jobs (at most 100). */
function render(summary: RunSummary): string {
  const { failures, ...rest } = summary;
  return JSON.stringify({ ...rest, interruptedBy: rest.interruptedBy ?? null, haltedBy: rest.haltedBy ?? null, error: rest.error ?? null, failures, failuresOmitted: Math.max(0, summary.failed - failures.length) });
}
