// Spawns the built qrun binary as a user would, and inspects what it leaves behind.

import { locateHelper } from '../../src/runner/helper/locate.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from dist/test/e2e/). */
export const root = fileURLToPath(new URL('../../../', import.meta.url));
export const qrunBin = `${root}bin/qrun.js`;
export const fixture = (name: string): string => `${root}fixtures/${name}`;

/**
 * The test process's environment without what changes qrun's bytes when the suite itself runs
 * in CI or a coloured terminal (GitHub annotations, colour switches).
 */
export const baseEnv: NodeJS.ProcessEnv = (() => {
  const env = { ...process.env };
  for (const name of ['GITHUB_ACTIONS', 'GITHUB_STEP_SUMMARY', 'FORCE_COLOR', 'NO_COLOR']) delete env[name];
  return env;
})();

/** What a finished qrun run produced. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  elapsedMs: number;
}

export interface StartOptions {
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Past this, qrun is stopped (two SIGTERMs, then SIGKILL) so a hung run cannot outlive its test. */
  limitMs?: number;
}

/** Every qrun a test started and that has not ended: stopped when the test process exits. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Gives a spawned process a limit: stopped if it overruns, and killed if the test process exits first. */
export function track<T extends ChildProcess>(child: T, limitMs = 120_000): T {
  running.add(child);
  const limit = setTimeout(() => stopOverrun(child), limitMs);
  limit.unref();
  child.on('exit', () => {
    clearTimeout(limit);
    running.delete(child);
  });
  return child;
}

/** Stops a qrun that overran: a second SIGTERM kills its jobs; SIGKILL if even that does not end it. */
export function stopOverrun(child: ChildProcess): void {
  child.kill('SIGTERM');
  setTimeout(() => child.kill('SIGTERM'), 500).unref();
  setTimeout(() => child.kill('SIGKILL'), 5000).unref();
}

/** A qrun process that is running, with its output collected as it comes. */
export class Qrun {
  readonly child: ChildProcess;
  private readonly out: Buffer[] = [];
  private err = '';
  private readonly started = performance.now();
  readonly done: Promise<RunResult>;

  constructor(args: readonly string[], options: StartOptions = {}) {
    this.child = spawn(process.execPath, [qrunBin, ...args], {
      cwd: options.cwd ?? root,
      env: { ...baseEnv, CI: 'true', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    track(this.child, options.limitMs);
    this.child.stdout?.on('data', (chunk: Buffer) => this.out.push(chunk));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.err += chunk.toString()));
    this.child.stdin?.on('error', () => undefined);
    if (options.input !== undefined) this.child.stdin?.end(options.input);
    this.done = new Promise((resolve) => {
      this.child.on('close', (code, signal) =>
        resolve({ code, signal, stdout: Buffer.concat(this.out), stderr: this.err, elapsedMs: performance.now() - this.started }),
      );
    });
  }

  get stdout(): string {
    return Buffer.concat(this.out).toString();
  }

  get stderr(): string {
    return this.err;
  }

  /** Resolves once `predicate` holds for the output so far (checked as output arrives). */
  async waitFor(predicate: (stdout: string, stderr: string) => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.stdout, this.stderr)) {
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(`gave up waiting for ${what}; stdout: ${this.stdout} stderr: ${this.stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

/** Runs qrun to the end. */
export function runQrun(args: readonly string[], options: StartOptions = {}): Promise<RunResult> {
  return new Qrun(args, options).done;
}

/** Pids of live (not zombie) processes whose command line contains `token`. */
export function liveProcesses(token: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      if (cmdline.includes(token) && state !== 'Z') found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** One line per pid: pid, parent, group, state and command line, for a failing test's message. */
export function describeProcesses(pids: readonly number[]): string {
  return pids
    .map((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        // After the command name in parentheses: state, ppid, pgrp.
        const [state, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
        return `${pid} ppid ${ppid} pgrp ${pgrp} ${state} ${cmdline}`;
      } catch {
        return `${pid} gone`;
      }
    })
    .join('\n');
}

/** A pid is alive (and not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** A token unique to one test, to find its processes (e.g. as a sleep's odd duration). */
let counter = 0;
export function uniqueSleep(): string {
  counter++;
  // The whole pid: test files run side by side, each in a process of its own.
  return `30.${String(process.pid).padStart(7, '0')}${String(counter).padStart(4, '0')}`;
}

/** The executor the suite's runs start their jobs with: execa when asked (QRUN_EXECUTOR) or when no helper is built here. */
export function executor(): 'helper' | 'execa' {
  return process.env.QRUN_EXECUTOR === 'execa' || 'reason' in locateHelper() ? 'execa' : 'helper';
}
