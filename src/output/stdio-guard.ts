// What qrun does when its own stdout or stderr fails: a closed reader, a full disk, a reader that never reads.

import type { Writable } from 'node:stream';
import { messageOf } from '../errors.js';
import { StreamWriteError, notRead } from './serial-writer.js';
import { listen } from './stream-events.js';

/** What the guard may ask of the run's shutdown. */
export interface StdioGuardDeps {
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Stop the run and terminate running jobs, without calling it qrun's failure. */
  readonly terminate: (reason: string) => void;
  /** qrun's own failure: one line, exit 255. */
  readonly fail: (error: Error) => void;
  /** Aborts when running jobs are being killed. */
  readonly kill: AbortSignal;
  /** How long a reader that does not read is waited for after that. */
  readonly graceMs: number;
}

/**
 * Output that cannot be written: a closed reader (EPIPE) ends the run quietly with 141, as a
 * shell pipeline expects; anything else (ENOSPC, EBADF) is qrun's failure. Once jobs are being
 * killed, a reader that takes no output (a FIFO nobody reads) must not hold qrun: after the
 * jobs' grace period, output still waiting is given up (`giveUp`) and reported as lost.
 */
export class StdioGuard {
  /** stdout's reader went away. */
  brokenPipe = false;
  private readonly givingUp = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private readonly stopListening: (() => void)[];

  constructor(private readonly deps: StdioGuardDeps) {
    const failed = (name: 'stdout' | 'stderr') => (error: unknown) => this.failed(new StreamWriteError(name, (error as NodeJS.ErrnoException).code ?? messageOf(error)));
    this.stopListening = [listen(deps.stdout, 'error', failed('stdout')), listen(deps.stderr, 'error', failed('stderr'))];
    deps.kill.addEventListener('abort', this.onKill, { once: true });
  }

  /** Aborted when qrun stops waiting for a reader of its stdout that does not read. */
  get giveUp(): AbortSignal {
    return this.givingUp.signal;
  }

  /** A write to stdout or stderr failed. */
  failed(error: StreamWriteError): void {
    if (error.stream === 'stdout' && error.code === 'EPIPE') {
      this.brokenPipe = true;
      this.deps.terminate('EPIPE');
    } else if (error.code !== notRead) this.deps.fail(error);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.deps.kill.removeEventListener('abort', this.onKill);
    for (const stop of this.stopListening) stop();
  }

  private readonly onKill = (): void => {
    this.timer = setTimeout(() => {
      if (this.deps.stdout.writableNeedDrain) this.givingUp.abort();
    }, this.deps.graceMs);
  };
}
