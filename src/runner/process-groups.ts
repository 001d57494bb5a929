// The registry of live job process groups, so none outlives qrun.

/** Sends `signal` (0: only check) to a whole process group; false if no process of it is left. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** Live job process groups (each job is the leader of its own group). */
export class ProcessGroups {
  private readonly live = new Set<number>();

  add(pgid: number): void {
    this.live.add(pgid);
  }

  delete(pgid: number): void {
    this.live.delete(pgid);
  }

  get size(): number {
    return this.live.size;
  }

  /** SIGKILLs every live group at once; safe in an `exit` handler (synchronous). */
  killAll(): void {
    for (const pgid of this.live) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    this.live.clear();
  }
}
