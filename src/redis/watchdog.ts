// A worker's watchdog: a small process that outlives the worker just long enough to kill the
// process groups of the jobs it was running, so a SIGKILLed worker leaves no job behind.

import { spawn, type ChildProcess } from 'node:child_process';

// Reads "+pgid" / "-pgid" lines; when its stdin ends (the worker exited or died), it sends
// SIGTERM to every group still listed, then SIGKILL a second later. It ignores the terminal's
// signals (it runs in its own session anyway).
const script = `
const groups = new Set();
let pending = '';
process.stdin.setEncoding('latin1');
process.stdin.on('data', (data) => {
  pending += data;
  for (let i = pending.indexOf('\\n'); i !== -1; i = pending.indexOf('\\n')) {
    const line = pending.slice(0, i);
    pending = pending.slice(i + 1);
    const pgid = Number(line.slice(1));
    if (!(pgid > 1)) continue;
    if (line[0] === '+') groups.add(pgid); else groups.delete(pgid);
  }
});
const signal = (name) => { for (const pgid of groups) { try { process.kill(-pgid, name); } catch {} } };
process.stdin.on('end', () => {
  if (groups.size === 0) process.exit(0);
  signal('SIGTERM');
  setTimeout(() => { signal('SIGKILL'); process.exit(0); }, 1000);
});
for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(name, () => undefined);
`;

/** The worker's side of its watchdog. */
export interface Watchdog {
  watch(pgid: number, live: boolean): void;
  /** The worker exits normally: the watchdog ends too (no group is left to kill). */
  close(): void;
}

/** Starts the watchdog (one per worker). */
export function startWatchdog(): Watchdog {
  const child: ChildProcess = spawn(process.execPath, ['-e', script], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  child.unref();
  child.on('error', () => undefined);
  const stdin = child.stdin;
  stdin?.on('error', () => undefined);
  // The pipe must not keep the worker's event loop alive.
  (stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return {
    watch: (pgid, live) => void stdin?.write(`${live ? '+' : '-'}${pgid}\n`),
    close: () => void stdin?.end(),
  };
}
