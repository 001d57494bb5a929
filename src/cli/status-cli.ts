// `qrun status`: the fleet at a glance (workers, runs in progress, the queue), once or --watch.

import { Command } from 'commander';
import type { Writable } from 'node:stream';
import { UsageError, interruptSignals, messageOf } from '../errors.js';
import { parseSubcommand, queueName } from './fleet-options.js';
import { importFleet } from '../fleet-import.js';
import { holdsPassword, parseRedisUrl, passwordWarning } from '../redis/url.js';
import type { SignalSource } from '../shutdown/shutdown.js';
import { duration } from './validators.js';

/** What `qrun status` uses of the process. */
export interface StatusIO {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: NodeJS.ProcessEnv;
  readonly signals?: SignalSource | undefined;
}

/** Runs `qrun status` (the words after "status"); its exit status. */
export async function statusMain(argv: readonly string[], io: StatusIO): Promise<number> {
  const program = new Command('qrun status')
    .description('Show the fleet on a queue: each worker (what it runs, what it did, when it was last seen), each run in progress, and the queue.')
    .helpOption('-h, --help', 'show this help and exit')
    .option('--redis <url>', 'the Redis of the fleet: redis://host:6379 (or QRUN_REDIS)')
    .option('--queue <name>', 'the queue (default: qrun, or QRUN_QUEUE)')
    .option('--redis-password-file <file>', "the Redis password, read from the file's first line (or REDISCLI_AUTH)")
    .option('--json', 'one JSON object (with --watch: one per line, NDJSON)')
    .option('--watch', 'show it again every --interval until Ctrl-C (redrawn in place at a terminal)')
    .option('--interval <duration>', 'how often --watch reads (default: 2s)')
    .allowExcessArguments(true)
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: () => undefined, outputError: () => undefined });
  if (!parseSubcommand(program, argv, 'status')) return 0;
  if (program.args.length > 0) throw new UsageError(`status: unexpected argument '${program.args[0]}'`);
  const o = program.opts<{ redis?: string; queue?: string; redisPasswordFile?: string; json?: boolean; watch?: boolean; interval?: string }>();
  const url = o.redis ?? io.env.QRUN_REDIS;
  if (url === undefined || url === '') throw new UsageError('status: --redis <url> is needed (or QRUN_REDIS)');
  if (o.redis !== undefined && holdsPassword(o.redis)) io.stderr.write(`qrun: ${passwordWarning}\n`);
  const queue = queueName(o.queue ?? io.env.QRUN_QUEUE, 'status: ');
  let intervalMs = 2000;
  if (o.interval !== undefined) {
    const parsed = duration('--interval', false).safeParse(o.interval);
    if (!parsed.success || parsed.data < 100) throw new UsageError(`status: --interval must be a duration of 100ms or more, such as 2s, got '${o.interval}'`);
    intervalMs = parsed.data;
  }
  const target = parseRedisUrl(url, { file: o.redisPasswordFile ?? io.env.QRUN_REDIS_PASSWORD_FILE, env: io.env });
  const [{ connect, within }, { readFleetStatus }, { statusText }] = await importFleet(() => Promise.all([import('../redis/connection.js'), import('../redis/fleet-status.js'), import('../redis/status-view.js')]));
  const conn = await connect(target, 'status', { maxRetriesPerRequest: 1 });
  const terminal = (io.stdout as { isTTY?: boolean }).isTTY === true;
  const show = async (): Promise<boolean> => {
    try {
      const status = await Promise.race([readFleetStatus(conn, queue), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 5s')), 5000).unref())]);
      const text = o.json === true ? `${JSON.stringify(status)}\n` : statusText(status, target.shown);
      io.stdout.write(o.watch === true && terminal && o.json !== true ? `\x1b[H\x1b[2J${text}` : o.watch === true && o.json !== true ? `${text}\n` : text);
      return true;
    } catch (error) {
      io.stderr.write(`qrun: status: cannot read the fleet from Redis at ${target.shown}: ${(error as NodeJS.ErrnoException).code ?? messageOf(error)}\n`);
      return false;
    }
  };
  try {
    if (o.watch !== true) return (await show()) ? 0 : 255;
    await new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      let stopped = false;
      const stop = (): void => {
        stopped = true;
        clearTimeout(timer);
        for (const name of interruptSignals) io.signals?.off(name, stop);
        resolve();
      };
      for (const name of interruptSignals) io.signals?.on(name, stop);
      const tick = (): void => {
        void show().then(() => {
          if (!stopped) timer = setTimeout(tick, intervalMs);
        });
      };
      tick();
    });
    return 0;
  } finally {
    await within(conn.quit(), 1000).catch(() => undefined);
    conn.disconnect();
  }
}
