// The running spawn helper: one process per run, fed jobs on its stdin and reporting their
// starts and ends on fd 3.

import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { EventDecoder, encodeBaseEnv, encodeBye, encodeJob, encodeVersion, type HelperEvent, type HelperJob } from './protocol.js';

/** How a job's start went. */
export type HelperStart =
  | { readonly kind: 'started'; readonly pid: number; readonly ended: Promise<HelperEnd> }
  | { readonly kind: 'failed'; readonly errno: number }
  /** The helper died before it said: the job may be run another way. */
  | { readonly kind: 'lost' };

/** How a started job ended: its exact wait status, or the helper died first. */
export type HelperEnd = { readonly kind: 'ended'; readonly status: number; readonly groupEmpty: boolean } | { readonly kind: 'lost' };

interface Waiting {
  started?: (start: HelperStart) => void;
  ended?: (end: HelperEnd) => void;
}

/** The jobs sent to the helper that wait for its word: their start, then their end. */
class Waiters {
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;

  /** The id of the next job. */
  newId(): number {
    return ++this.nextId;
  }

  /** Sends job `id` and waits for its start. */
  wait(id: number, send: () => void): Promise<HelperStart> {
    return new Promise<HelperStart>((resolve) => {
      this.waiting.set(id, { started: resolve });
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
    } else {
      this.waiting.delete(event.id);
      entry.ended?.({ kind: 'ended', status: event.status, groupEmpty: event.groupEmpty });
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
  /** Starts a job; throws if a field holds a NUL byte. */
  start(job: Omit<HelperJob, 'id'>): Promise<HelperStart>;
  /** The helper has died or is closing: jobs must go another way. */
  readonly dead: () => boolean;
  /** Its protocol version once it has said it, or why it could not (it died first). */
  readonly ready: Promise<{ readonly version: number } | { readonly reason: string }>;
  /** Lets the helper exit (its running jobs are qrun's to kill); resolves once it has. */
  close(): Promise<void>;
}

/** Starts the helper at `path`; undefined (with the reason) when it cannot run here. */
export function startSpawnHelper(path: string, env: NodeJS.ProcessEnv, cwd: string, onDeath: (reason: string) => void): { helper: SpawnHelper } | { reason: string } {
  // node:child_process, not execa: loading execa would add to every run's start-up, and the
  // helper needs none of its features (no output, no result: its life is the events below).
  let subprocess: ChildProcess;
  try {
    subprocess = spawn(path, [], {
      // qrun's stdout and stderr go in as fds 4 and 5, for jobs that inherit them: passed as the
      // helper's own 1 and 2, Node would set the shared pipes to blocking mode, for qrun as well.
      stdio: ['pipe', 'ignore', 'ignore', 'pipe', 1, 2],
      cwd,
      env,
    });
  } catch (error) {
    return { reason: (error as Error).message };
  }
  if (subprocess.pid === undefined) {
    subprocess.on('error', () => undefined);
    return { reason: 'it could not be started' };
  }
  const input = subprocess.stdin as Writable;
  const events = subprocess.stdio[3] as Readable;
  const waiters = new Waiters();
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
  input.write(encodeBaseEnv(env));

  return {
    helper: {
      start: (job) => {
        if (dead || closing) return Promise.resolve({ kind: 'lost' });
        const id = waiters.newId();
        const bytes = encodeJob({ ...job, id });
        return waiters.wait(id, () => input.write(bytes));
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
