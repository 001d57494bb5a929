// The recording stage: what a run keeps of each finished job (--resume's reading and cut, the
// --results directory or table, the joblog), opened before any job runs so that each can refuse.

import type { Writable } from 'node:stream';
import { UsageError } from '../errors.js';
import type { Disposals } from '../disposals.js';
import type { PrivateDir } from '../private-dir.js';
import type { RunOptions } from '../run-options.js';
import { StreamWriteError, writeChunk } from '../output/serial-writer.js';
import type { StdioGuard } from '../output/stdio-guard.js';
import { Joblog } from './joblog.js';
import { cutJoblog, readResumeSet, type ResumeState } from './resume.js';
import { GnuResults } from './gnu-results.js';
import { ResultsWriter, type Results } from './results.js';
import { isStdoutTable, ResultsTable, resultsFile, tableFormat } from './results-table.js';

/** `--joblog -` found the reader of stdout gone before any job: the run ends with 141, quietly (as GNU parallel). */
export class ReaderGoneError extends Error {}

/** What the recording stage is given. */
export interface RecordingDeps {
  readonly stdout: Writable;
  readonly stdio: StdioGuard;
  /** Where a --results table keeps a job's output until its row is written. */
  readonly tempDir: PrivateDir;
  /** The names {name} stands for: a table's value columns are named after them. */
  readonly names: readonly string[];
  readonly warn: (text: string) => void;
}

/** What is kept of each job. */
export interface Recording {
  /** --resume: the jobs the joblog has as done. */
  readonly resumed: ResumeState | undefined;
  readonly results: Results | undefined;
  readonly joblog: Joblog | undefined;
}

/** Opens the run's records, each closed by `disposals`; throws a UsageError (or ReaderGoneError) before any job runs. */
export async function openRecording(options: RunOptions, deps: RecordingDeps, disposals: Disposals): Promise<Recording> {
  const resumed = readResumed(options, deps.warn);
  if (options.dryRun) return { resumed, results: undefined, joblog: undefined };
  const table = options.results === undefined ? undefined : tableFormat(options.results);
  // A --results file is opened (truncated) before any job runs; `-.json` etc. go to stdout.
  const tableFile = table !== undefined && options.results !== undefined && !isStdoutTable(options.results) ? disposals.add(resultsFile(options.results), (file) => file.close()) : undefined;
  const dirResults = options.results === undefined || table !== undefined ? undefined : options.resultsBySeq ? new ResultsWriter(options.results) : new GnuResults(options.results, deps.names);
  const joblog = await openJoblog(options, deps);
  if (joblog !== undefined) disposals.defer(() => joblog.close());
  const results: Results | undefined =
    table === undefined ? dirResults : new ResultsTable(table, tableFile?.sink ?? ((bytes) => writeChunk(deps.stdout, bytes, 'stdout', deps.stdio.giveUp)), deps.tempDir, deps.names);
  return { resumed, results, joblog };
}

/** --resume: the joblog read back, a last row cut off without its newline removed (its job runs again). */
function readResumed(options: RunOptions, warn: (text: string) => void): ResumeState | undefined {
  // `--joblog -` has no log to read back: every job runs, and the log goes to stdout (as GNU parallel).
  if (options.resume === undefined || options.joblog === undefined || options.joblog === '-') return undefined;
  const resumed = readResumeSet(options.joblog, options.resume, options.joblogAppend);
  if (resumed.cutRow !== undefined && !options.dryRun) {
    // Rows are appended after it: the cut row goes, or the next row would be glued onto it.
    cutJoblog(options.joblog, resumed.cutRow.offset);
    warn(`--joblog '${options.joblog}' line ${resumed.cutRow.line} was cut off (no newline at its end): removed, and its job runs again`);
  }
  return resumed;
}

/** The joblog: a file (appended to when resuming or with `+file`), or stdout for `--joblog -`. */
async function openJoblog(options: RunOptions, deps: RecordingDeps): Promise<Joblog | undefined> {
  if (options.joblog === undefined) return undefined;
  if (options.joblog !== '-') return Joblog.open(options.joblog, options.resume !== undefined || options.joblogAppend, !options.joblogAppend);
  try {
    return await Joblog.toStdout(deps.stdout, deps.stdio.giveUp);
  } catch (error) {
    // A stdout whose reader is gone: 141, quietly; any other failure to write it: one line, before any job.
    if (error instanceof StreamWriteError && error.code === 'EPIPE') throw new ReaderGoneError('stdout closed');
    throw error instanceof StreamWriteError ? new UsageError(error.message) : error;
  }
}
