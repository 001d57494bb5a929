// A counting semaphore shared by processes of one user on one machine (GNU parallel's `sem`):
// a directory per semaphore name, and a file per slot taken ("1", "2"… up to the count), created
// exclusively (O_EXCL: of two takers, one wins) and holding the pid and start time of the process
// that holds it. A slot whose holder is gone (it died without giving it back) is free again.

import { closeSync, constants, linkSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** A process, as a slot file names it: its pid and when it started (so a reused pid is not taken for it). */
export interface Holder {
  readonly pid: number;
  readonly start: string;
}

/** What the slots need from the system (tests pass their own). */
export interface SlotSystem {
  /** The start time of process `pid` (field 22 of /proc/pid/stat), or undefined if it is gone. */
  readonly startOf: (pid: number) => string | undefined;
}

/** This machine's processes, read from /proc. */
export const procSystem: SlotSystem = {
  startOf: (pid) => {
    try {
      // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    } catch {
      return undefined;
    }
  },
};

/** The directory of semaphore `name` under `root` (the name's other characters as hex, as GNU parallel does). */
export function semaphoreDir(root: string, name: string): string {
  const safe = Buffer.from(name).toString('latin1').replace(/[^-_a-z0-9]/gi, (c) => c.charCodeAt(0).toString(16).padStart(2, '0'));
  return join(root, `id-${safe}`);
}

function describe(holder: Holder): string {
  return `${holder.pid} ${holder.start}\n`;
}

function parse(text: string): Holder | undefined {
  const [pid, start] = text.trim().split(' ');
  return pid !== undefined && /^\d+$/.test(pid) && start !== undefined ? { pid: Number(pid), start } : undefined;
}

/** The slots of one semaphore. */
export class Slots {
  constructor(
    private readonly dir: string,
    private readonly system: SlotSystem = procSystem,
  ) {}

  /** Takes a free slot of the first `count` for `holder`; the slot's file, or undefined when all are held. */
  take(count: number, holder: Holder): string | undefined {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    for (let slot = 1; slot <= count; slot++) {
      const path = join(this.dir, String(slot));
      if (this.create(path, holder)) return path;
      if (this.stale(path) && this.create(path, holder)) return path;
    }
    return undefined;
  }

  /** Takes a slot beyond the count (--semaphoretimeout: "take it anyway"): it counts for --wait. */
  force(holder: Holder): string {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const path = join(this.dir, `over-${holder.pid}`);
    this.write(path, holder);
    return path;
  }

  /** Names the process that holds `slot` from now on (a background holder started after the slot was taken). */
  handOver(slot: string, holder: Holder): void {
    // Written aside and renamed over: a reader sees the old holder or the new one, never an empty file.
    const aside = `${slot}.new-${process.pid}`;
    this.write(aside, holder);
    renameSync(aside, slot);
  }

  /** Gives a slot back. */
  give(slot: string): void {
    try {
      unlinkSync(slot);
    } catch {
      // Already freed (found stale by another taker after its holder ended).
    }
  }

  /** How many slots are held by live processes (dead holders' slots are freed on the way). */
  held(): number {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return 0;
    }
    let live = 0;
    for (const name of names) {
      if (name.includes('.')) continue;
      if (!this.stale(join(this.dir, name))) live++;
    }
    return live;
  }

  /** A slot file whose holder was never written (its taker died between creating and writing it), long ago. */
  private abandoned(path: string): boolean {
    try {
      return Date.now() - statSync(path).mtimeMs > 10_000;
    } catch {
      return true;
    }
  }

  private create(path: string, holder: Holder): boolean {
    let fd: number;
    try {
      fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
    try {
      writeSync(fd, describe(holder));
    } finally {
      closeSync(fd);
    }
    return true;
  }

  private write(path: string, holder: Holder): void {
    const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
    try {
      writeSync(fd, describe(holder));
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Whether the slot at `path` is held by nobody alive; such a slot is removed. (Its holder died
   * without giving it back.) A slot just created, whose holder is not written yet, is alive.
   */
  private stale(path: string): boolean {
    let text: string;
    try {
      text = readFileSync(path, 'latin1');
    } catch {
      return true;
    }
    const holder = parse(text);
    if (holder === undefined ? !this.abandoned(path) : this.system.startOf(holder.pid) === holder.start) return false;
    // Moved aside before it is removed, and checked again: between the read and the move another
    // taker may have freed it and taken it anew; that slot is put back.
    const aside = `${path}.stale-${process.pid}`;
    try {
      renameSync(path, aside);
    } catch {
      return true;
    }
    let moved = '';
    try {
      moved = readFileSync(aside, 'latin1');
    } catch {
      // Gone already.
    }
    if (moved !== text) {
      try {
        linkSync(aside, path);
      } catch {
        // A third taker has it now: the one put aside is lost (the semaphore admits one more, once).
      }
      this.give(aside);
      return false;
    }
    this.give(aside);
    return true;
  }
}
