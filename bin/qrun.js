#!/bin/sh
":" //; fds=; for n in 3 4 5 6 7 8 9; do { true >&"$n"; } 2>/dev/null && fds="$fds $n"; done; QRUN_CALLER_FDS=$fds QRUN_CALLER_NOFILE=$(ulimit -Sn) exec node "$0" "$@"
// qrun's executable: hands the process's streams and signals to main() and ends the process as it says.
// The line above is for sh (for JavaScript, a string and a comment): before Node starts, it notes
// what Node would hide from the jobs, which inherit it as `sh -c` would: the file descriptors 3 to 9
// the caller opened (`qrun … 3>log`) and the soft open-file limit (Node raises its own at start-up).
import { fstatSync } from 'node:fs';
import module from 'node:module';
import { isatty } from 'node:tty';
import { constants, homedir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';

// Node 22.1+ caches compiled code between runs; older Nodes simply start without it. The cache
// lives in the user's cache directory, not under $TMPDIR, which qrun keeps clean.
const cacheHome = process.env.XDG_CACHE_HOME || (homedir() ? join(homedir(), '.cache') : undefined);
if (cacheHome) module.enableCompileCache?.(join(cacheHome, 'qrun', 'compile-cache'));

// A smaller heap: qrun's memory stays flat and low on endless input (about 70 MB instead of
// 110), and every fork copies less of it. Measured to cost no throughput (bench/).
v8.setFlagsFromString('--optimize-for-size');

// qrun prints messages, never stack traces; and execa aborts an AbortController per job, whose
// AbortErrors would each capture a stack. QRUN_DEBUG=1 keeps stacks for debugging.
if (!process.env.QRUN_DEBUG) Error.stackTraceLimit = 0;

// The CLI bundled into one file by `npm run build` (scripts/bundle.mjs): much faster to load.
const { main, originalArguments } = await import('../dist/bundle/cli.mjs');
/** Whether fd 0 is a regular file (`< jobs.txt`): it can then be read again to count the jobs. */
function stdinIsFile() {
  try {
    return fstatSync(0).isFile();
  } catch {
    return false;
  }
}
// A write to stdout or stderr that fails once the run is over (the reader left, the disk is full)
// must not crash qrun with a stack: the run already reported what it could, through its own writes.
const ignore = () => undefined;
process.stdout.on('error', ignore);
process.stderr.on('error', ignore);
/** What the sh line above noted of qrun's caller; gone from the environment jobs see. */
function callerInheritance() {
  const fds = (process.env.QRUN_CALLER_FDS ?? '').split(' ').filter((fd) => /^[3-9]$/.test(fd)).map(Number);
  const nofile = process.env.QRUN_CALLER_NOFILE;
  delete process.env.QRUN_CALLER_FDS;
  delete process.env.QRUN_CALLER_NOFILE;
  return { fds, nofile: nofile !== undefined && /^(\d+|unlimited)$/.test(nofile) ? nofile : undefined };
}
const caller = callerInheritance();
// Arguments keep bytes that are not UTF-8 (a Latin-1 file name after :::), as GNU parallel's do.
const outcome = await main(originalArguments(process.argv.slice(2)), {
  stdin: process.stdin,
  stdinFile: stdinIsFile() ? '/dev/stdin' : undefined,
  stdinTerminal: isatty(0),
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signals: process,
  inheritable: true,
  caller,
});
if (outcome.reraise) {
  // Die by the same signal, so a calling shell sees an interrupt (exit status 128+signo).
  process.kill(process.pid, outcome.reraise);
  // Should the signal be blocked, still end with the status a shell would show for it.
  setTimeout(() => process.exit(128 + constants.signals[outcome.reraise]), 1000).unref();
} else {
  // stdout and stderr writes are synchronous for files and pipes on Linux: nothing is cut off.
  process.exit(outcome.exitCode);
}
