// The output stage: the sink every job's output goes through, with its spill file and capture
// files in the run's private directory.

import type { Writable } from 'node:stream';
import type { Disposals } from '../disposals.js';
import type { Job } from '../jobs/job.js';
import type { PrivateDir } from '../private-dir.js';
import type { RunOptions } from '../run-options.js';
import { CaptureFiles } from './capture-files.js';
import { MemoryBudget } from './output-buffer.js';
import type { LineEnds } from './line-ends.js';
import { OutputSink } from './output-sink.js';
import { SpillFile } from './spill-file.js';
import type { StdioGuard } from './stdio-guard.js';

/** Memory all held output may use before it spills to disk, and one job stream's share. */
const outputMemory = 32 * 1024 * 1024;
const perBufferMemory = 1024 * 1024;

/** What the output stage is given. */
export interface OutputDeps {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly stdio: StdioGuard;
  readonly tempDir: PrivateDir;
  readonly lineEnds: LineEnds;
  readonly tag: ((job: Job) => string) | undefined;
  /** Ungrouped jobs may write straight into qrun's own stdout and stderr (its fds 1 and 2, a local executor, no --results). */
  readonly inheritable: boolean;
  /** Grouped jobs may write into capture files (a local executor, no --results). */
  readonly captureFiles: boolean;
  /** Erases the status line before output is written. */
  readonly beforeWrite: () => void;
}

/** Opens the run's output sink; its files are closed by `disposals`. */
export function openOutput(options: RunOptions, deps: OutputDeps, disposals: Disposals): OutputSink {
  const spill = disposals.add(new SpillFile(deps.tempDir), (file) => file.close());
  const captures = disposals.add(new CaptureFiles(deps.tempDir), (files) => files.close());
  return new OutputSink({
    mode: options.output,
    keepOrder: options.keepOrder,
    tag: deps.tag,
    tagColour: options.colourTag,
    stdout: deps.stdout,
    stderr: deps.stderr,
    inheritable: deps.inheritable,
    spill,
    captures,
    // Otherwise output arrives as chunks (through Redis, or into --results): held in memory, then spilled.
    captureFiles: deps.captureFiles,
    budget: new MemoryBudget(outputMemory),
    perBufferLimit: perBufferMemory,
    maxLineBytes: perBufferMemory,
    beforeWrite: deps.beforeWrite,
    giveUp: deps.stdio.giveUp,
    lineEnds: deps.lineEnds,
  });
}
