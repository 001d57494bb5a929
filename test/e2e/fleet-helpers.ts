// A private redis-server for the fleet tests (a unix socket, no persistence), and qrun workers.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Qrun, track, type StartOptions } from './helpers.js';

/** redis-server is on this machine (the tests install it in CI through npm test). */
export const haveRedis = spawnSync('redis-server', ['--version']).status === 0;

/** A running redis-server of the test's own. */
export class TestRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'qrun-redis-'));
  readonly socket = join(this.dir, 'redis.sock');
  /** What --redis takes for it. */
  readonly url = this.socket;
  private server: ChildProcess | undefined;

  /** `limitMs`: the server is killed after this long, should a test forget it (a long chaos run needs more). */
  constructor(
    private readonly extra: readonly string[] = [],
    private readonly limitMs = 600_000,
  ) {}

  /** Starts it and waits until it answers. */
  async start(): Promise<this> {
    this.server = track(
      // Persistence is off unless the test's own arguments (which come last) turn AOF on.
      spawn('redis-server', [...(this.extra.includes('--port') ? [] : ['--port', '0']), '--unixsocket', this.socket, '--unixsocketperm', '700', '--save', '', '--appendonly', 'no', '--dir', this.dir, ...this.extra], { stdio: 'ignore' }),
      this.limitMs,
    );
    const deadline = Date.now() + 30_000;
    while (this.cli('ping').trim() !== 'PONG') {
      if (Date.now() > deadline) throw new Error('redis-server did not start');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return this;
  }

  /** Runs a redis-cli command against it; its stdout. */
  cli(...args: string[]): string {
    if (!existsSync(this.socket)) return '';
    const auth = this.extra.includes('--requirepass') ? ['-a', this.extra[this.extra.indexOf('--requirepass') + 1] as string, '--no-auth-warning'] : [];
    return spawnSync('redis-cli', ['-s', this.socket, ...auth, ...args], { encoding: 'utf8', timeout: 10_000 }).stdout ?? '';
  }

  /** Keys now held, and bytes used. */
  keys(): string[] {
    return this.cli('--raw', 'keys', '*').split('\n').filter(Boolean).sort();
  }

  usedMemory(field = 'used_memory'): number {
    return Number(new RegExp(`^${field}:(\\d+)`, 'm').exec(this.cli('info', 'memory'))?.[1]);
  }

  /** SIGKILLs it (a crash), waits `downMs`, and starts it again on the same socket and directory. */
  async restart(downMs: number): Promise<void> {
    const server = this.server;
    server?.kill('SIGKILL');
    if (server && server.exitCode === null && server.signalCode === null) await new Promise((resolve) => server.once('exit', resolve));
    rmSync(this.socket, { force: true });
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.start();
  }

  /** Stops it answering (SIGSTOP) for `ms`, connections held open, then lets it go on. */
  async pause(ms: number): Promise<void> {
    this.server?.kill('SIGSTOP');
    try {
      await new Promise((resolve) => setTimeout(resolve, ms));
    } finally {
      this.server?.kill('SIGCONT');
    }
  }

  /** Stops it (SIGKILL: as a crash would). */
  kill(): void {
    this.server?.kill('SIGKILL');
  }

  stop(): void {
    this.server?.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Starts `qrun worker` on the test Redis and waits until it takes jobs. */
export async function startWorker(redis: TestRedis, args: readonly string[] = [], options: StartOptions = {}): Promise<Qrun> {
  const worker = new Qrun(['worker', '--redis', redis.url, ...args], { limitMs: 300_000, ...options });
  // Generous: on a busy shared machine a Node start and a Redis connection can take long; this waits for an event, it does not time one.
  await worker.waitFor((_out, err) => err.includes('taking jobs'), 'the worker to start', 60_000);
  return worker;
}

/** Stops workers (a first SIGTERM: they finish what they run) and waits for them. */
export async function stopWorkers(workers: readonly Qrun[]): Promise<void> {
  for (const worker of workers) worker.kill('SIGTERM');
  await Promise.all(workers.map((worker) => worker.done));
}

/** Waits until `predicate` holds (checked every 50 ms), or fails after `ms`. */
export async function until(predicate: () => boolean, what: string, ms = 30_000, detail: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}${detail()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
