// The executor contract: one suite run against every executor behind the runner seam — execa,
// the spawn helper, and Redis (a real redis-server and `qrun worker`, when redis-server is here,
// as in CI) — so that what a job gives (bytes, exit status, signals, timeouts, group kills,
// environment, back-pressure) cannot drift apart between them.

import assert from 'node:assert/strict';
import { fstatSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { jobNumbers, type ExecSignals, type Executor, type JobSpec, type OutputChannel } from '../../../src/runner/executor.js';
import { createLocalExecutor } from '../../../src/runner/local-executor.js';
import { helperExecutor } from '../../../src/runner/helper/helper-executor.js';
import { locateHelper } from '../../../src/runner/helper/locate.js';
import { gnuTermSeq, killAfterSeq } from '../../../src/runner/term-seq.js';
import { parseRedisUrl } from '../../../src/redis/url.js';
import { liveProcesses, describeProcesses } from '../../e2e/helpers.js';
import { TestRedis, haveRedis, startWorker, stopWorkers, until } from '../../e2e/fleet-helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'qrun-unit-contract-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const context = { env: process.env, cwd: process.cwd(), fail: () => undefined, notice: () => undefined };

/** How output reaches qrun: through the port (every executor), or into files (local executors' shortcut). */
type ChannelKind = 'port' | 'local';

/** An executor under test, what it can do, and how to let go of it. */
interface Subject {
  readonly name: string;
  readonly skip: string | false;
  /** The channels it serves itself. */
  readonly channels: readonly ChannelKind[];
  /** A remote executor runs the job in a slot of its worker's, not the submitter's. */
  readonly ownSlots: boolean;
  readonly open: () => Promise<{ readonly executor: Executor; readonly close: () => Promise<void> }>;
}

const helper = locateHelper();
const subjects: Subject[] = [
  { name: 'execa', skip: false, channels: ['port', 'local'], ownSlots: false, open: async () => {
      const executor = await createLocalExecutor(context);
      return { executor, close: async () => executor.close() };
    },
  },
  {
    name: 'spawn helper',
    channels: ['port', 'local'],
    ownSlots: false,
    skip: 'path' in helper ? false : `no helper: ${'reason' in helper ? helper.reason : ''}`,
    open: async () => {
      // A fallback that fails the test: the helper itself must run every job here.
      const executor = await helperExecutor({ binary: helper, required: true, fallback: () => assert.fail('the helper fell back to execa'), debug: () => undefined })(context);
      return { executor, close: async () => executor.close() };
    },
  },
  {
    name: 'Redis',
    channels: ['port'],
    ownSlots: true,
    skip: haveRedis ? false : 'needs redis-server',
    open: async () => {
      const redis = await new TestRedis().start();
      const worker = await startWorker(redis, ['-c', '4']);
      const { openRedisExecutor } = await import('../../../src/redis/redis-executor.js');
      const executor = await openRedisExecutor({ target: parseRedisUrl(redis.url), queue: 'qrun', runTtlMs: 10_000, waitWorkersMs: undefined, reconnectMs: 15_000, killAfterMs: 2000, notice: () => undefined, fail: (error) => assert.fail(error) });
      return {
        executor,
        close: async () => {
          await executor.close();
          await stopWorkers([worker]);
          redis.stop();
        },
      };
    },
  },
];

function spec(over: Partial<JobSpec> & { command: string }): JobSpec {
  const seq = over.seq ?? 1;
  const slot = over.slot ?? 1;
  return { seq, attempt: 1, slot, shell: '/bin/sh', timeoutMs: undefined, termSeq: gnuTermSeq, cwd: undefined, ...over, env: { ...jobNumbers(seq, slot), ...over.env } };
}

let files = 0;
/**
 * A channel that keeps what it is given: through its port (`delay` makes every chunk's answer a
 * promise: back-pressure), or, for 'local', also two files a local executor may write into.
 */
function collect(kind: ChannelKind = 'port', delay = false): { channel: OutputChannel; stdout: () => Buffer; stderr: () => Buffer } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const take = (into: Buffer[]) => (chunk: Buffer) => {
    into.push(Buffer.from(chunk));
    return delay ? new Promise<void>((resolve) => setTimeout(resolve, 1)) : undefined;
  };
  const port = { onStdout: take(out), onStderr: take(err) };
  if (kind === 'port') return { channel: { port, local: undefined }, stdout: () => Buffer.concat(out), stderr: () => Buffer.concat(err) };
  const paths = [join(scratch, `out.${++files}`), join(scratch, `err.${files}`)];
  const [fdOut, fdErr] = paths.map((path) => openSync(path, 'w+')) as [number, number];
  const local = { stdout: fdOut, stderr: fdErr, stdoutBytes: () => fstatSync(fdOut).size };
  const read = (fd: number, held: Buffer[]): Buffer => {
    const bytes = Buffer.concat([...held, readFileSync(paths[fd === fdOut ? 0 : 1] as string)]);
    return bytes;
  };
  return { channel: { port, local }, stdout: () => read(fdOut, out), stderr: () => read(fdErr, err) };
}

function phases(): { stop: AbortController; kill: AbortController; signals: ExecSignals } {
  const stop = new AbortController();
  const kill = new AbortController();
  return { stop, kill, signals: { stop: stop.signal, kill: kill.signal } };
}

let tokens = 0;
/** A sleep of about 30 s whose duration is this test's own: its processes can be found. */
function token(): string {
  return `30.${String(process.pid).padStart(7, '0')}${String(++tokens).padStart(3, '0')}7`;
}

for (const subject of subjects) {
  describe(`executor contract: ${subject.name}`, { skip: subject.skip }, () => {
    // One executor for the tests that do not abort its run's phases.
    let opened: Awaited<ReturnType<Subject['open']>> | undefined;
    const executor = async (): Promise<Executor> => (opened ??= await subject.open()).executor;
    after(async () => opened?.close());

    for (const kind of subject.channels) {
    it(`${kind} channel: stdout and stderr arrive whole and apart, bytes as they are (not UTF-8 too); exit 0; stdoutBytes`, async () => {
      const output = collect(kind);
      const result = await (await executor()).run(spec({ command: "printf 'a\\377b\\n'; printf 'err\\n' >&2" }), output.channel, phases().signals);
      assert.deepEqual(output.stdout(), Buffer.from([0x61, 0xff, 0x62, 0x0a]));
      assert.equal(output.stderr().toString(), 'err\n');
      assert.deepEqual([result.exitCode, result.signal, result.timedOut, result.canceled, result.error, result.stdoutBytes], [0, null, false, false, null, 4]);
      assert.ok(result.durationMs >= 0 && result.startedAt > 0);
    });

    it(`${kind} channel: an exit status and a death by signal are reported as such`, async () => {
      const run = await executor();
      const exited = await run.run(spec({ command: 'exit 7' }), collect(kind).channel, phases().signals);
      assert.deepEqual([exited.exitCode, exited.signal, exited.error], [7, null, null]);
      const killed = await run.run(spec({ command: 'kill -KILL $$' }), collect(kind).channel, phases().signals);
      assert.deepEqual([killed.exitCode, killed.signal, killed.timedOut, killed.canceled], [null, 'SIGKILL', false, false]);
    });

    it(`${kind} channel: the job's environment and directory: its own variables, QRUN_SEQ/SLOT and GNU's names; cwd`, async () => {
      const output = collect(kind);
      const result = await (await executor()).run(spec({ seq: 5, slot: 2, env: { FOO: 'b a r' }, cwd: scratch, command: 'echo "$FOO|$QRUN_SEQ|$QRUN_SLOT|$PARALLEL_SEQ|$PARALLEL_JOBSLOT|$(pwd)"' }), output.channel, phases().signals);
      assert.equal(result.exitCode, 0);
      // A remote executor's job runs in a slot of its worker: a number of its own, the same under both names.
      const slot = subject.ownSlots ? (/^b a r\|5\|(\d+)\|/.exec(output.stdout().toString())?.[1] ?? '?') : '2';
      assert.equal(output.stdout().toString(), `b a r|5|${slot}|5|${slot}|${scratch}\n`);
    });

    it(`${kind} channel: a timeout terminates the whole process group (a background child too): timedOut, nothing left`, async () => {
      const sleep = token();
      const result = await (await executor()).run(spec({ command: `sleep ${sleep} & sleep ${sleep}`, timeoutMs: 300, termSeq: killAfterSeq(200) }), collect(kind).channel, phases().signals);
      assert.equal(result.timedOut, true);
      assert.equal(result.canceled, false);
      await until(() => liveProcesses(sleep).length === 0, 'no process of the job left', 10_000, () => describeProcesses(liveProcesses(sleep)));
    });

    it(`${kind} channel: the kill phase terminates a running job: canceled, its group gone`, async () => {
      const sleep = token();
      // An executor serves one run, whose two phases are the same for all its jobs: a kill ends
      // every job it runs, so this test has an executor of its own.
      const own = await subject.open();
      try {
        const { kill, signals } = phases();
        const running = own.executor.run(spec({ command: `sleep ${sleep} & sleep ${sleep}`, termSeq: killAfterSeq(200) }), collect(kind).channel, signals);
        // Both sleeps (the shell's command line holds the token too).
        await until(() => liveProcesses(sleep).length >= 2, 'the job running', 30_000);
        kill.abort();
        const result = await running;
        assert.equal(result.canceled, true);
        assert.equal(result.exitCode === 0 && result.signal === null, false, 'not a success');
        await until(() => liveProcesses(sleep).length === 0, 'no process of the job left', 10_000, () => describeProcesses(liveProcesses(sleep)));
      } finally {
        await own.close();
      }
    });


    it(`${kind} channel: a shell that cannot start: an error and no exit status, not a crash`, async () => {
      const result = await (await executor()).run(spec({ shell: join(scratch, 'no-such-shell'), command: 'true' }), collect(kind).channel, phases().signals);
      assert.equal(result.exitCode === 0, false);
      assert.notEqual(result.error, null);
    });
    }

    it('back-pressure: a port that answers each chunk with a promise still gets every byte, in order', { skip: subject.channels.includes('port') ? false : 'serves no port channel' }, async () => {
      const output = collect('port', true);
      const result = await (await executor()).run(spec({ command: 'seq 1 30000' }), output.channel, phases().signals);
      assert.equal(result.exitCode, 0);
      const expected = `${Array.from({ length: 30000 }, (_, i) => i + 1).join('\n')}\n`;
      assert.equal(output.stdout().toString(), expected);
      assert.equal(result.stdoutBytes, expected.length);
    });
  });
}
