// What the fleet's commands (the submitter's --redis options, `qrun worker`, `qrun status`) share:
// the queue's default and check, the reconnect default, and how a subcommand's command line is
// parsed into one-line errors.

import { Command, CommanderError } from 'commander';
import { UsageError } from '../errors.js';
import { checkQueueName } from '../redis/keys.js';

/** The queue used when none is named. */
export const defaultQueue = 'qrun';

/** A lost Redis connection not back after this long ends a submitter or worker (--reconnect-timeout). */
export const defaultReconnectMs = 15_000;

/** The queue named (or the default), checked; `prefix` starts the error ("worker: ", ""). */
export function queueName(given: string | undefined, prefix = '', named: (message: string) => string = (message) => message): string {
  const queue = given ?? defaultQueue;
  const bad = checkQueueName(queue);
  if (bad !== undefined) throw new UsageError(`${prefix}${named(bad)}`);
  return queue;
}

/**
 * Parses a subcommand's words with its commander program (set up with exitOverride): false when
 * it printed its help (or version); a mistake is one line, "<name>: …; see qrun <name> --help".
 */
export function parseSubcommand(program: Command, argv: readonly string[], name: string): boolean {
  try {
    program.parse([...argv], { from: 'user' });
    return true;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return false;
      throw new UsageError(`${name}: ${error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ')}; see qrun ${name} --help`);
    }
    throw error;
  }
}
