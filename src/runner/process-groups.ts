// Process groups: signalling them, telling when they are gone, and the registry of live ones.

import { readdirSync, readFileSync } from 'node:fs';

/** Sends `signal` (0: only check) to a whole process group; false if no process of it is left. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  // Every job's group is signalled when its shell exits, and is usually gone by then: the
  // ESRCH error is expected, so skip capturing a stack trace for it (a measurable cost per job).
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * Whether any process of the group is still running. Zombies do not count: an orphaned member
 * that died stays in the process table until init reaps it, and still answers kill(-pgid, 0).
 */
export function groupHasLiveMembers(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  for (const entry of readdirSync('/proc')) {
    if (entry.charCodeAt(0) > 57) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
    } catch {
      continue;
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') return true;
  }
  return false;
}

/** Resolves once the group has no running process left, checking every `intervalMs`. */
export function groupGone(pgid: number, intervalMs: number, stop: Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const check = (): void => {
      if (!groupHasLiveMembers(pgid)) return resolve();
      timer = setTimeout(check, intervalMs);
    };
    void stop.then(() => {
      clearTimeout(timer);
      resolve();
    });
    check();
  });
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
