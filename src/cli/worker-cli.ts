// `qrun worker`: its own options (commander, QRUN_* variables), validated, then the worker runs.

import { Command } from 'commander';
import { availableParallelism, hostname } from 'node:os';
import type { Writable } from 'node:stream';
import * as z from 'zod/mini';
import { UsageError } from '../errors.js';
import { defaultReconnectMs, parseSubcommand, queueName } from './fleet-options.js';
import { holdsPassword, parseRedisUrl } from '../redis/url.js';
import type { WorkerSettings } from '../redis/worker.js';
import { duration, oneOf, text, wholeNumber } from './validators.js';
import { executors } from './option-schema.js';

const schema = z.strictObject({
  redis: z.optional(text('--redis')),
  concurrency: z.optional(wholeNumber('--concurrency')),
  queue: z.optional(text('--queue')),
  name: z.optional(text('--name')),
  lockDuration: z.optional(duration('--lock-duration', false)),
  reconnectTimeout: z.optional(duration('--reconnect-timeout', false)),
  redisPasswordFile: z.optional(text('--redis-password-file')),
  executor: z.optional(oneOf('--executor', executors)),
});

/** Parses `qrun worker …` (the words after "worker"); undefined when help was asked and given. */
export function parseWorkerArgs(argv: readonly string[], stdout: Writable, env: NodeJS.ProcessEnv): WorkerSettings | undefined {
  const program = new Command('qrun worker')
    .description('Take jobs from a queue on Redis, submitted by `qrun --redis`, and run them here.')
    .helpOption('-h, --help', 'show this help and exit')
    .option('--redis <url>', 'the Redis the submitters use: redis://host:6379, rediss://host:6380 (or QRUN_REDIS)')
    .option('-c, --concurrency <n>', 'how many jobs run here at once (default: number of CPUs)')
    .option('--queue <name>', 'the queue to take jobs from (default: qrun)')
    .option('--name <name>', "this machine's name in the submitters' joblogs (default: the host name)")
    .option('--lock-duration <duration>', 'a job whose worker died runs again elsewhere after this long (default: 30s)')
    .option('--reconnect-timeout <duration>', 'exit 255 when a lost Redis connection is not back after this long (default: 15s)')
    .option('--redis-password-file <file>', "the Redis password, read from the file's first line (or REDISCLI_AUTH): kept out of ps")
    .option('--executor <how>', 'how jobs start: auto (the spawn helper where it runs, else execa), helper, execa (or QRUN_EXECUTOR)')
    .exitOverride()
    .configureOutput({ writeOut: (text) => stdout.write(text), writeErr: () => undefined, outputError: () => undefined });
  if (!parseSubcommand(program, argv, 'worker')) return undefined;
  if (program.args.length > 0) throw new UsageError(`worker: unexpected argument '${program.args[0]}' (the jobs come from the submitter)`);
  const raw: Record<string, unknown> = {};
  const names: Record<string, string> = {};
  for (const [key, variable] of [['redis', 'QRUN_REDIS'], ['concurrency', 'QRUN_CONCURRENCY'], ['queue', 'QRUN_QUEUE'], ['name', 'QRUN_NAME'], ['lockDuration', 'QRUN_LOCK_DURATION'], ['reconnectTimeout', 'QRUN_RECONNECT_TIMEOUT'], ['redisPasswordFile', 'QRUN_REDIS_PASSWORD_FILE'], ['executor', 'QRUN_EXECUTOR']] as const) {
    if (program.getOptionValueSource(key) === 'cli') raw[key] = program.getOptionValue(key);
    else if (env[variable] !== undefined) {
      raw[key] = env[variable];
      names[key] = variable;
    }
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = names[String(issue?.path[0] ?? '')];
    const message = issue?.message ?? 'invalid options';
    throw new UsageError(`worker: ${name === undefined ? message : message.replace(/^--[a-z-]+/, name)}`);
  }
  const o = parsed.data;
  if (o.redis === undefined) throw new UsageError('worker: --redis <url> is needed (the Redis the submitters use)');
  // A message about a value from a QRUN_* variable names the variable.
  const named = (message: string): string => message.replace(/^--([a-z-]+)/, (flag, long: string) => names[long.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] ?? flag);
  const queue = queueName(o.queue, 'worker: ', named);
  let target;
  try {
    target = parseRedisUrl(o.redis, { file: o.redisPasswordFile, env });
  } catch (error) {
    throw error instanceof UsageError ? new UsageError(`worker: ${named(error.message)}`) : error;
  }
  return {
    passwordInArgv: names.redis === undefined && holdsPassword(o.redis),
    target,
    queue,
    concurrency: o.concurrency ?? availableParallelism(),
    name: o.name ?? hostname(),
    lockDurationMs: o.lockDuration ?? 30_000,
    reconnectMs: o.reconnectTimeout ?? defaultReconnectMs,
    executor: o.executor ?? 'auto',
  };
}
