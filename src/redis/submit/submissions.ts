// Putting the run's jobs into the BullMQ queue: in batches as they come, taken back when the run
// stops before a worker has them, and queued again (under a new id) when Redis lost them.

import { messageOf } from '../../errors.js';
import type { SubmitterSession } from './session.js';
import { failure, neverStarted, type Pending, type PendingJobs } from './pending.js';

const batchLimit = 500;
/** BullMQ keeps no finished job (the result travels through the run's stream), a failed one an hour. */
const jobOptions = { removeOnComplete: true, removeOnFail: { age: 3600 } } as const;

/** Why a job is queued again: Redis lost it, or cut its output in a restart. */
export type Requeue = 'lost' | 'cut';

/** The submitter's side of the queue. */
export class Submissions {
  private batch: Pending[] = [];
  private flushScheduled = false;
  private readonly noticed = { lost: false, cut: false };

  constructor(
    private readonly session: SubmitterSession,
    private readonly pending: PendingJobs,
    /** Where the queue is, as the user gave it (for messages). */
    private readonly shown: string,
    private readonly notice: (text: string) => void,
    private readonly fail: (error: Error) => void,
  ) {}

  /** Queues a new attempt with the next batch. */
  submit(entry: Pending): void {
    this.pending.add(entry);
    this.batch.push(entry);
    this.scheduleFlush();
  }

  /** Takes an attempt back if no worker has started it (it then ends as never started); otherwise it runs to its end. */
  async withdraw(entry: Pending): Promise<void> {
    if (entry.batched) {
      this.batch = this.batch.filter((item) => item !== entry);
      this.pending.finish(entry, neverStarted(entry));
      return;
    }
    if (entry.exec !== undefined) return;
    // Removing fails (0) once a worker holds the job.
    if ((await this.session.queue.remove(entry.id).catch(() => 0)) === 1) this.pending.finish(entry, neverStarted(entry));
  }

  /**
   * A job Redis lost (restarted without its data) or whose output it cut goes to the queue
   * again, under a new id: at least once, rather than a failed row for a job that may never
   * have run. What is held of its output is forgotten: the new run's is the job's.
   */
  async queueAgain(entry: Pending, why: Requeue): Promise<void> {
    if (!this.noticed[why]) {
      this.noticed[why] = true;
      this.notice(
        why === 'lost'
          ? `qrun: jobs were lost from the Redis queue at ${this.shown} (was it restarted, or out of memory?): queued again`
          : `qrun: the output of jobs running while Redis at ${this.shown} restarted was cut: they run again (their output is the new run's)`,
      );
    }
    entry.output.port.restart?.();
    entry.resubmits++;
    entry.orphanChecks = 0;
    entry.exec = undefined;
    entry.host = undefined;
    entry.received = [0, 0];
    entry.damaged = false;
    entry.reconnectsAtQueue = this.session.reconnects;
    entry.id = `${entry.baseId}.${entry.resubmits}`;
    await this.session.queue.add('job', entry.data, { jobId: entry.id, ...jobOptions }).catch(() => undefined);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const taken = this.batch.splice(0, batchLimit);
    if (this.batch.length > 0) this.scheduleFlush();
    if (taken.length === 0) return;
    for (const entry of taken) entry.batched = false;
    try {
      await this.session.queue.addBulk(taken.map((entry) => ({ name: 'job', data: entry.data, opts: { jobId: entry.id, ...jobOptions } })));
    } catch (error) {
      for (const entry of taken) this.pending.finish(entry, failure(`could not be queued in Redis: ${messageOf(error)}`, entry.queuedAt));
      this.fail(new Error(`cannot queue jobs in Redis at ${this.shown}: ${messageOf(error)}`));
    }
  }
}
