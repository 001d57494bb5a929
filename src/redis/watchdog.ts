// A worker's watchdog: a small process that outlives the worker just long enough to kill the
// process groups of the jobs it was running, so a SIGKILLed worker leaves no job behind. It also
// kills every process whose environment holds the worker's mark (each job's does, and its
// children's): a job the worker started but had not yet told it of when it died, or one that left
// its process group, is found too (where /proc can be read).

import { spawn, type ChildProcess } from 'node:child_process';
import { interruptSignals } from '../errors.js';

/** The variable that carries a worker's mark in its jobs' environment. */
export const markVariable = 'QRUN_WORKER_MARK';

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
const fs = require('node:fs');
const needle = Buffer.from('${markVariable}=' + process.env.QRUN_WATCHDOG_MARK + '\\0', 'latin1');
const marked = () => {
  const found = [];
  if (!process.env.QRUN_WATCHDOG_MARK) return found;
  let entries = [];
  try { entries = fs.readdirSync('/proc'); } catch { return found; }
  for (const entry of entries) {
    if (!/^[0-9]+$/.test(entry) || Number(entry) === process.pid) continue;
    try { if (Buffer.concat([fs.readFileSync('/proc/' + entry + '/environ'), Buffer.from([0])]).includes(needle)) found.push(Number(entry)); } catch {}
  }
  return found;
};
const signal = (name) => {
  for (const pgid of groups) { try { process.kill(-pgid, name); } catch {} }
  for (const pid of marked()) { try { process.kill(pid, name); } catch {} }
};
process.stdin.on('end', () => {
  if (groups.size === 0 && marked().length === 0) process.exit(0);
  signal('SIGTERM');
  setTimeout(() => { signal('SIGKILL'); process.exit(0); }, 1000);
});
for (const name of ${JSON.stringify(interruptSignals)}) process.on(name, () => undefined);
`;

/** The worker's side of its watchdog. */
export interface Watchdog {
  watch(pgid: number, live: boolean): void;
  /** The worker exits normally: the watchdog ends too (no group is left to kill). */
  close(): void;
}


/** Starts the watchdog (one per worker); `mark` is the value of QRUN_WORKER_MARK in the worker's jobs' environment. */
export function startWatchdog(mark: string): Watchdog {
  const child: ChildProcess = spawn(process.execPath, ['-e', script], { detached: true, stdio: ['pipe', 'ignore', 'ignore'], env: { ...process.env, QRUN_WATCHDOG_MARK: mark } });
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
