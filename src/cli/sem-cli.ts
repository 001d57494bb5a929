// `qrun sem …` and `qrun --semaphore …` (GNU parallel's sem): its options, then the command.

import { Command } from 'commander';
import { availableParallelism, homedir } from 'node:os';
import { join } from 'node:path';
import { readlinkSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { UsageError } from '../errors.js';
import { parseDuration } from '../duration.js';
import { parseSlotSpec, slotCount, slotForms } from '../pool/slot-spec.js';
import type { SemSettings } from '../semaphore/sem.js';
import { parseSubcommand } from './fleet-options.js';

/** The -j forms a semaphore takes: every one of qrun's but 0 ("as many as possible" is no semaphore). */
const semSlotForms = slotForms.replace(' or 0 (as many as possible)', '');

/** Parses `qrun sem …` (the words after sem); undefined when help was asked and given. */
export function parseSemArgs(argv: readonly string[], stdout: Writable, io: { readonly env: NodeJS.ProcessEnv; readonly stdinTerminal: boolean }): SemSettings | undefined {
  const program = new Command('qrun sem')
    .description("A counting semaphore, as GNU parallel's sem: wait for one of -j slots of the semaphore named --id, then run the command in the background (--fg: in the foreground); --wait waits until all its commands have ended.")
    .usage('[options] command [args...]')
    .helpOption('-h, --help', 'show this help and exit')
    .option('-j, --jobs <n>', `how many commands may hold the semaphore at once (default 1: a mutex): ${semSlotForms}`)
    .option('-P, --max-procs <n>', 'the same as -j')
    .option('--id <name>', "the semaphore's name (default: the terminal's, as tty prints it; set one in scripts)")
    .option('--semaphorename <name>', 'the same as --id')
    .option('--semaphore-name <name>', 'the same as --id')
    .option('--fg', 'run the command in the foreground: wait for it, and exit with its status')
    .option('--bg', 'run the command in the background (the default)')
    .option('--wait', 'wait until every command holding the semaphore has ended')
    .option('--st, --semaphoretimeout <secs>', 'after secs (a duration: 10, 2m…) without a slot: take one anyway; -secs: give up (exit 1)')
    .option('--semaphore-timeout <secs>', 'the same as --semaphoretimeout')
    .argument('[command...]')
    .passThroughOptions()
    .exitOverride()
    .configureOutput({ writeOut: (text) => stdout.write(text), writeErr: () => undefined, outputError: () => undefined });
  if (!parseSubcommand(program, argv, 'sem')) return undefined;
  const o = program.opts<Record<string, string | boolean | undefined>>();
  const words = program.args;
  if (o.fg === true && o.bg === true) throw new UsageError('sem: --fg and --bg cannot be used together');
  const wait = o.wait === true;
  if (!wait && words.length === 0) throw new UsageError('sem: a command to run is needed (or --wait)');
  const jobs = o.jobs ?? o.maxProcs;
  const spec = jobs === undefined ? { kind: 'count' as const, n: 1 } : parseSlotSpec(jobs);
  if (spec === undefined || spec.kind === 'most') throw new UsageError(`sem: expected -j to be ${semSlotForms}, got '${String(jobs)}'`);
  const timeout = (o.semaphoretimeout ?? o.semaphoreTimeout) as string | undefined;
  let timeoutMs = 0;
  if (timeout !== undefined) {
    const negative = timeout.trim().startsWith('-');
    const ms = parseDuration(negative ? timeout.trim().slice(1) : timeout);
    if (ms === undefined) throw new UsageError(`sem: expected --semaphoretimeout to be a duration in seconds (10, 1.5, 2m), or one with a minus to give up, got '${timeout}'`);
    timeoutMs = negative ? -ms : ms;
  }
  const id = (o.id ?? o.semaphorename ?? o.semaphoreName) as string | undefined;
  return {
    id: id ?? terminalName(io.stdinTerminal),
    count: slotCount(spec, availableParallelism(), () => undefined),
    command: words.length > 0 ? words.join(' ') : undefined,
    foreground: o.fg === true,
    wait,
    timeoutMs,
    shell: '/bin/sh',
  };
}

/** What `tty` prints: the terminal on stdin, or "not a tty" (GNU parallel's default name). */
function terminalName(stdinTerminal: boolean): string {
  if (!stdinTerminal) return 'not a tty';
  try {
    return readlinkSync('/proc/self/fd/0');
  } catch {
    return 'not a tty';
  }
}

/** Where the semaphores live: $XDG_STATE_HOME/qrun/semaphores (~/.local/state/qrun/semaphores). */
export function semaphoreRoot(env: NodeJS.ProcessEnv): string {
  const state = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state');
  return join(state, 'qrun', 'semaphores');
}
