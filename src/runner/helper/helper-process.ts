// The running spawn helper: one process per run, fed jobs on its stdin and reporting their
// starts and ends on fd 3.

import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { EventDecoder, encodeAck, encodeBaseEnv, encodeBye, encodeJob, encodeVersion, type HelperEvent, type HelperJob } from './protocol.js';
import { rawEnvironment } from './raw-env.js';

/** How a job's start went. */
export type HelperStart =
  | { readonly kind: 'started'; readonly pid: number; readonly ended: Promise<HelperEnd> }
  | { readonly kind: 'failed'; readonly errno: number }
  /** The helper died before it said: the job may be run another way. */
  | { readonly kind: 'lost' };

/** How a started job ended: its exact wait status, or the helper died first. */
export type HelperEnd = { readonly kind: 'ended'; readonly status: number; readonly groupEmpty: boolean } | { readonly kind: 'lost' };

/**
 * Takes a chunk of a job's piped output (1: stdout, 2: stderr); a promise holds the stream's next
 * chunk until it settles (back-pressure: the helper reads no more of that pipe until then).
 */
export type HelperOutput = (stream: 1 | 2, data: Buffer) => void | Promise<void>;

interface Waiting {
  started?: (start: HelperStart) => void;
  ended?: (end: HelperEnd) => void;
  /** How the job's shell ended, held until its piped streams have ended too. */
  end?: HelperEnd;
  /** Piped streams not yet ended. */
  open: number;
  readonly output?: HelperOutput | undefined;
}

/** The jobs sent to the helper that wait for its word: their start, their output, then their end. */
class Waiters {
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;

  /** `ack` tells the helper a chunk was taken. */
  constructor(private readonly ack: (id: number, stream: 1 | 2) => void) {}

  /** The id of the next job. */
  newId(): number {
    return ++this.nextId;
  }

  /** Sends job `id` (with `pipes` streams forwarded to `output`) and waits for its start. */
  wait(id: number, pipes: number, output: HelperOutput | undefined, send: () => void): Promise<HelperStart> {
    return new Promise<HelperStart>((resolve) => {
      this.waiting.set(id, { started: resolve, open: pipes, output });
      send();
    });
  }

  /** The helper's word about a job. */
  dispatch(event: Exclude<HelperEvent, { kind: 'hello' }>): void {
    const entry = this.waiting.get(event.id);
    if (entry === undefined) return;
    if (event.kind === 'started') {
      const ended = new Promise<HelperEnd>((resolve) => (entry.ended = resolve));
      entry.started?.({ kind: 'started', pid: event.pid, ended });
      entry.started = undefined;
    } else if (event.kind === 'failed') {
      this.waiting.delete(event.id);
      entry.started?.({ kind: 'failed', errno: event.errno });
    } else if (event.kind === 'output') {
      const taken = entry.output?.(event.stream, event.data);
      if (taken === undefined) this.ack(event.id, event.stream);
      else void taken.then(() => this.ack(event.id, event.stream), () => this.ack(event.id, event.stream));
    } else {
      if (event.kind === 'closed') entry.open--;
      else entry.end = { kind: 'ended', status: event.status, groupEmpty: event.groupEmpty };
      // Over once its shell has ended and all its output has been handed on.
      if (entry.end === undefined || entry.open > 0) return;
      this.waiting.delete(event.id);
      entry.ended?.(entry.end);
    }
  }

  /** The helper is gone: every job still waiting is told it was lost. */
  loseAll(): void {
    for (const entry of this.waiting.values()) {
      entry.started?.({ kind: 'lost' });
      entry.ended?.({ kind: 'lost' });
    }
    this.waiting.clear();
  }
}

/** A live helper. */
export interface SpawnHelper {
  /** Starts a job, its streams of kind 'pipe' forwarded to `output`; throws if a field holds a NUL byte. */
  start(job: Omit<HelperJob, 'id'>, output?: HelperOutput): Promise<HelperStart>;
  /** The helper has died or is closing: jobs must go another way. */
  readonly dead: () => boolean;
  /** Its protocol version once it has said it, or why it could not (it died first). */
  readonly ready: Promise<{ readonly version: number } | { readonly reason: string }>;
  /** Lets the helper exit (its running jobs are qrun's to kill); resolves once it has. */
  close(): Promise<void>;
}

/** What the caller of qrun gave it that its jobs inherit as `sh -c` would (Node itself keeps neither). */
export interface CallerInheritance {
  /** File descriptors 3 and up the caller opened for the jobs (`qrun … 3>log`). */
  readonly fds: readonly number[];
  /** The soft open-file limit qrun was started with (Node raises its own), as `ulimit -Sn` says it. */
  readonly nofile: string | undefined;
}

/** What else a helper may be given. */
export interface HelperExtras {
  readonly caller?: CallerInheritance | undefined;
  /**
   * "NAME=value", held in every job's environment: should qrun die, the helper ends every process
   * whose environment holds it too, even one that left its job's process group (a fleet worker's mark).
   */
  readonly mark?: string | undefined;
}

/**
 * Starts the helper at `path` in `cwd` (undefined: qrun's own, whatever bytes its name holds);
 * undefined (with the reason) when it cannot run here.
 */
export function startSpawnHelper(path: string, env: NodeJS.ProcessEnv, cwd: string | undefined, onDeath: (reason: string) => void, more: HelperExtras = {}): { helper: SpawnHelper } | { reason: string } {
  const caller = more.caller ?? { fds: [], nofile: undefined };
  // node:child_process, not execa: loading execa would add to every run's start-up, and the
  // helper needs none of its features (its life is the events below).
  let subprocess: ChildProcess;
  // The caller's fds keep their numbers; the helper's own channels come after the highest:
  // the events, then qrun's stdout and stderr for jobs that inherit them (passed as the helper's
  // own 1 and 2, Node would set the shared pipes to blocking mode, for qrun as well).
  const eventsFd = Math.max(3, ...caller.fds.map((fd) => fd + 1));
  const stdio: ('pipe' | 'ignore' | number)[] = ['pipe', 'ignore', 'ignore'];
  for (let fd = 3; fd < eventsFd; fd++) stdio.push(caller.fds.includes(fd) ? fd : 'ignore');
  stdio.push('pipe', 1, 2);
  try {
    subprocess = spawn(path, [String(eventsFd), String(eventsFd + 1), String(eventsFd + 2), caller.nofile ?? '', more.mark ?? ''], { stdio, cwd, env });
  } catch (error) {
    return { reason: (error as Error).message };
  }
  if (subprocess.pid === undefined) {
    subprocess.on('error', () => undefined);
    return { reason: 'it could not be started' };
  }
  const input = subprocess.stdin as Writable;
  const events = subprocess.stdio[eventsFd] as Readable;
  const waiters = new Waiters((id, stream) => input.write(encodeAck(id, stream)));
  const decoder = new EventDecoder();
  let dead = false;
  let said: (answer: { version: number } | { reason: string }) => void = () => undefined;
  const ready = new Promise<{ version: number } | { reason: string }>((resolve) => (said = resolve));
  let closing = false;

  const die = (reason: string): void => {
    if (dead) return;
    dead = true;
    waiters.loseAll();
    said({ reason: `${reason} before it said its protocol version (a helper from another qrun? npm run build makes it again)` });
    onDeath(reason);
  };
  events.on('data', (chunk: Buffer) => {
    try {
      for (const event of decoder.push(chunk)) {
        if (event.kind === 'hello') said({ version: event.version });
        else waiters.dispatch(event);
      }
    } catch (error) {
      subprocess.kill('SIGKILL');
      die((error as Error).message);
    }
  });
  events.on('error', () => undefined);
  input.on('error', () => undefined);
  subprocess.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => {
    subprocess.on('exit', (code, signal) => {
      die(signal !== null ? `it was killed by ${signal}` : `it exited with status ${code}`);
      resolve();
    });
  });
  input.write(encodeVersion());
  // As bytes: a value that is not UTF-8 reaches the jobs as the caller gave it.
  input.write(encodeBaseEnv(rawEnvironment(env)));

  return {
    helper: {
      start: (job, output) => {
        if (dead || closing) return Promise.resolve({ kind: 'lost' });
        const id = waiters.newId();
        const bytes = encodeJob({ ...job, id });
        const pipes = (job.stdout.kind === 'pipe' ? 1 : 0) + (job.stderr.kind === 'pipe' ? 1 : 0);
        return waiters.wait(id, pipes, output, () => input.write(bytes));
      },
      dead: () => dead || closing,
      ready,
      close: async () => {
        // Not `dead`: a job still waiting when the helper exits is then told it was lost.
        closing = true;
        input.end(encodeBye());
        // It exits at the end of its input; one that does not within a second is killed.
        const stuck = setTimeout(() => subprocess.kill('SIGKILL'), 1000);
        await exited;
        clearTimeout(stuck);
      },
    },
  };
}
