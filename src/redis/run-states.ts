// A worker's view of the runs it serves: is each one's submitter still there, and does it still
// want its jobs? Read from the run's keys, the submitter's connection and Redis's own uptime.

import type { Redis } from 'ioredis';
import { runKeys } from './keys.js';

/** Whether a run's jobs may start here (see RunStates.wanted). */
export type Wanted = 'yes' | 'no' | 'unsure' | 'halted';

/** What a run's jobs tell a worker about their submitter. */
export interface RunHints {
  /** Its --run-ttl. */
  readonly ttl?: number | undefined;
  /** Its Redis client id when it queued the job. */
  readonly client?: string | undefined;
}

/** A run's --run-ttl when its jobs do not say (the submitter's default). */
const defaultTtlMs = 10_000;

/**
 * Whether each run's jobs are still wanted: its submitter alive (the liveness key exists) and no
 * cancel asked. Looked up at most every `cacheMs` per run, not once per job.
 */
export class RunStates {
  private readonly known = new Map<string, { wanted: Wanted; at: number }>();
  private readonly hints = new Map<string, RunHints>();

  constructor(
    private readonly conn: Redis,
    private readonly queue: string,
    private readonly cacheMs: number,
  ) {}

  /**
   * 'yes': start its jobs. 'no': its submitter is gone for good (its liveness key expired) or
   * canceled the run. 'unsure': start nothing of it for now, kill nothing: the key is there but
   * the submitter's connection is not (it was just killed, or is reconnecting); or the key is
   * missing but the submitter is still connected (Redis was paused past the key's TTL) or Redis
   * restarted without its data less than the TTL ago (a live submitter makes the key again).
   * `fresh`: asked now, not taken from the last answer (before a job starts, so a dead
   * submitter's jobs do not). 'halted': --halt soon was reached on a worker: start nothing more
   * of it, let its running jobs end.
   */
  async wanted(run: string, fresh = false, hints?: RunHints): Promise<Wanted> {
    if (hints !== undefined) this.hints.set(run, hints);
    const cached = this.known.get(run);
    if (!fresh && cached !== undefined && Date.now() - cached.at < this.cacheMs) return cached.wanted;
    const keys = runKeys(this.queue, run);
    try {
      const [alive, cancel, client, halted] = await this.conn.mget(keys.alive, keys.cancel, keys.client, keys.halted);
      let wanted: Wanted;
      if (cancel !== null && cancel !== undefined) wanted = 'no';
      else if (halted !== null && halted !== undefined) wanted = 'halted';
      else if (alive === null || alive === undefined) wanted = (await this.keyMissingAlive(run)) ? 'unsure' : 'no';
      // An ACL user without CLIENT cannot look: the liveness key alone then decides.
      else wanted = (await this.connected(client)) === false ? 'unsure' : 'yes';
      this.known.set(run, { wanted, at: Date.now() });
      return wanted;
    } catch {
      return cached?.wanted ?? 'yes';
    }
  }

  /** Drops what is known of runs not asked about for a while (bounded memory on a long-lived worker). */
  forgetOld(): void {
    const now = Date.now();
    for (const [run, state] of this.known) {
      if (now - state.at <= 60_000) continue;
      this.known.delete(run);
      this.hints.delete(run);
    }
  }

  /** The liveness key is missing, yet the submitter may be alive: still connected, or Redis is younger than the key's TTL. */
  private async keyMissingAlive(run: string): Promise<boolean> {
    const hints = this.hints.get(run);
    if ((await this.connected(hints?.client)) === true) return true;
    return (await this.upFor()) < (hints?.ttl ?? defaultTtlMs);
  }

  /** Whether Redis lists the client `id`; undefined when there is none to look for or Redis does not say. */
  private async connected(id: unknown): Promise<boolean | undefined> {
    if (typeof id !== 'string' || !/^\d+$/.test(id)) return undefined;
    const listed = await (this.conn.call('CLIENT', 'LIST', 'ID', id) as Promise<unknown>).then(String, () => undefined);
    return listed === undefined ? undefined : listed.trim() !== '';
  }

  /** How long Redis has been up, in ms (Infinity when it does not say: an ACL user without INFO). */
  private async upFor(): Promise<number> {
    const info = await this.conn.info('server').catch(() => '');
    const seconds = /^uptime_in_seconds:(\d+)/m.exec(info)?.[1];
    return seconds === undefined ? Infinity : Number(seconds) * 1000;
  }
}
