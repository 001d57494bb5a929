// `qrun sem` (GNU parallel's `sem`, `parallel --semaphore`): waits for a slot of a named counting
// semaphore, then runs one command in the background (the slot is free again when it ends) or,
// with --fg, in the foreground; `--wait` waits until every slot of the semaphore is free.

import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { constants } from 'node:os';
import { UsageError } from '../errors.js';
import { procSystem, semaphoreDir, Slots, type Holder, type SlotSystem } from './slots.js';

/** A `sem` call, as its options say. */
export interface SemSettings {
  /** The semaphore's name (--id; default: the terminal's name, as `tty` prints it). */
  readonly id: string;
  /** How many may hold it at once (-j; default 1: a mutex). */
  readonly count: number;
  /** The command line (its words joined by spaces, as GNU parallel does), or undefined with --wait. */
  readonly command: string | undefined;
  readonly foreground: boolean;
  readonly wait: boolean;
  /** --semaphoretimeout in ms: > 0, take the slot anyway after this long; < 0, give up (exit 1); 0: wait for ever. */
  readonly timeoutMs: number;
  readonly shell: string;
}

/** What `sem` uses of the process. */
export interface SemIO {
  readonly stderr: Writable;
  readonly env: NodeJS.ProcessEnv;
  /** Where the semaphores live. */
  readonly root: string;
  readonly system?: SlotSystem | undefined;
  /** Waits `ms` (tests move a clock of their own). */
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
  readonly now?: (() => number) | undefined;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs one `sem` call; its exit status (--fg: the command's, as a shell gives it). */
export async function runSem(settings: SemSettings, io: SemIO): Promise<number> {
  try {
    return await semaphoreCall(settings, io);
  } catch (error) {
    // The semaphore's directory cannot be made or written (a read-only home, a file in its place).
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    throw new UsageError(`sem: cannot use the semaphore directory ${semaphoreDir(io.root, settings.id)}: ${code} (set XDG_STATE_HOME to a writable directory)`);
  }
}

async function semaphoreCall(settings: SemSettings, io: SemIO): Promise<number> {
  const system = io.system ?? procSystem;
  const sleep = io.sleep ?? pause;
  const now = io.now ?? Date.now;
  const slots = new Slots(semaphoreDir(io.root, settings.id), system);
  // Polled with a growing, jittered pause (to 1 s), as GNU parallel does: no server, no lock daemon.
  let wait = 10;
  const nextPause = (): Promise<void> => {
    wait = Math.min(wait * 1.5, 1000);
    return sleep(Math.random() * wait);
  };
  if (settings.wait) {
    while (slots.held() > 0) await nextPause();
    return 0;
  }
  const me: Holder = { pid: process.pid, start: system.startOf(process.pid) ?? '0' };
  const started = now();
  let slot = slots.take(settings.count, me);
  while (slot === undefined) {
    const waited = now() - started;
    if (settings.timeoutMs > 0 && waited > settings.timeoutMs) {
      io.stderr.write('qrun sem: the semaphore was not released in time (--semaphoretimeout): taking it anyway\n');
      slot = slots.force(me);
      break;
    }
    if (settings.timeoutMs < 0 && waited > -settings.timeoutMs) {
      io.stderr.write('qrun sem: the semaphore was not released in time (--semaphoretimeout): not running the command\n');
      return 1;
    }
    await nextPause();
    slot = slots.take(settings.count, me);
  }
  const command = settings.command ?? 'true';
  if (settings.foreground) {
    const child = spawn(settings.shell, ['-c', command], { stdio: 'inherit', env: io.env });
    const status = await new Promise<number>((resolve) => {
      child.on('error', () => resolve(127));
      child.on('exit', (code, signal) => resolve(code ?? 128 + (signal === null ? 0 : constants.signals[signal])));
    });
    slots.give(slot);
    return status;
  }
  // In the background, in the caller's process group (a Ctrl-C reaches it, as a forked GNU sem's
  // job): the slot names the command's shell, and is free once it has ended.
  const child = spawn(settings.shell, ['-c', command], { stdio: ['ignore', 'inherit', 'inherit'], env: io.env });
  const start = child.pid === undefined ? undefined : system.startOf(child.pid);
  if (child.pid === undefined || start === undefined) {
    // It could not start, or has already ended.
    slots.give(slot);
    child.on('error', () => undefined);
  } else {
    slots.handOver(slot, { pid: child.pid, start });
  }
  child.unref();
  return 0;
}
