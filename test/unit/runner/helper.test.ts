// The spawn helper: its wire format, and (property test) the real binary starts each job with
// exactly its command and environment, whatever bytes they hold.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { nulEntries } from '../../../src/proc-self.js';
import { startSpawnHelper, type SpawnHelper } from '../../../src/runner/helper/helper-process.js';
import { locateHelper } from '../../../src/runner/helper/locate.js';
import { EventDecoder, decodeStatus, encodeAck, encodeBaseEnv, encodeJob, helperProtocol } from '../../../src/runner/helper/protocol.js';
import { rawEnvironment } from '../../../src/runner/helper/raw-env.js';
import { helperExecutor } from '../../../src/runner/helper/helper-executor.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'qrun-unit-helper-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function record(kind: string, id: number, value: number): Buffer {
  const buffer = Buffer.alloc(16);
  buffer.writeInt32LE(kind.charCodeAt(0));
  buffer.writeUInt32LE(id, 4);
  buffer.writeInt32LE(value, 8);
  return buffer;
}

describe('spawn helper protocol', () => {
  it('a job message: length, type, id, stdio kinds, NUL-terminated fields, then the env', () => {
    const bytes = encodeJob({ id: 7, shell: '/bin/sh', command: 'echo "a\nb"', cwd: '', stdout: { kind: 'path', path: '/p/1' }, stderr: { kind: 'inherit' }, env: { A: '1', 'B=C': 'x' } });
    assert.equal(bytes.readUInt32LE(0), bytes.length - 4);
    assert.equal(bytes.toString('latin1', 4, 5), 'J');
    assert.equal(bytes.readUInt32LE(5), 7);
    assert.deepEqual([bytes[9], bytes[10], bytes[11]], [1, 0, 0]);
    assert.equal(bytes.subarray(12).toString(), '/bin/sh\0echo "a\nb"\0\0/p/1\0A=1\0', 'a name with = is dropped, as exec would');
    assert.throws(() => encodeJob({ id: 1, shell: 'sh', command: 'a\0b', cwd: '', stdout: { kind: 'inherit' }, stderr: { kind: 'inherit' }, env: {} }), /the command contains a NUL byte/);
    const ranged = encodeJob({ id: 2, shell: 'sh', command: 'wc', cwd: '', stdout: { kind: 'inherit' }, stderr: { kind: 'inherit' }, env: {}, stdin: { path: '/in', ranges: [{ start: 5, length: 10 }, { start: 0, length: 2 }], temporary: false } });
    assert.equal(ranged[11], 1);
    assert.equal(ranged.subarray(12).toString(), 'sh\0wc\0\0/in\x005,10,0,2\0');
    assert.equal(encodeBaseEnv({ PATH: '/bin', GONE: undefined }).subarray(4).toString(), 'EPATH=/bin\0');
  });

  it('events: 16-byte records, cut anywhere; an unknown record is an error', () => {
    const decoder = new EventDecoder();
    const all = Buffer.concat([record('S', 1, 4242), record('X', 1, 3 << 8), record('F', 2, 2)]);
    const events = [...decoder.push(all.subarray(0, 5)), ...decoder.push(all.subarray(5, 37)), ...decoder.push(all.subarray(37))];
    assert.deepEqual(events, [
      { kind: 'started', id: 1, pid: 4242 },
      { kind: 'ended', id: 1, status: 768, groupEmpty: false },
      { kind: 'failed', id: 2, errno: 2 },
    ]);
    assert.throws(() => new EventDecoder().push(record('Q', 1, 0)), /unknown record/);
  });

  it('output records carry their chunk (cut anywhere, several in one read); the end of a stream; acks', () => {
    const chunk = (id: number, stream: number, data: Buffer): Buffer => {
      const head = Buffer.alloc(16);
      head.writeInt32LE(0x4f);
      head.writeUInt32LE(id, 4);
      head.writeInt32LE(stream, 8);
      head.writeInt32LE(data.length, 12);
      return Buffer.concat([head, data]);
    };
    const bytes = Buffer.concat([chunk(3, 1, Buffer.from([0xff, 0, 0x0a])), chunk(3, 2, Buffer.from('e')), record('C', 3, 1), record('X', 3, 0)]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const decoder = new EventDecoder();
      const events = [...decoder.push(bytes.subarray(0, cut)), ...decoder.push(bytes.subarray(cut))];
      assert.deepEqual(events, [
        { kind: 'output', id: 3, stream: 1, data: Buffer.from([0xff, 0, 0x0a]) },
        { kind: 'output', id: 3, stream: 2, data: Buffer.from('e') },
        { kind: 'closed', id: 3, stream: 1 },
        { kind: 'ended', id: 3, status: 0, groupEmpty: false },
      ], `cut at ${cut}`);
    }
    assert.throws(() => new EventDecoder().push(chunk(1, 3, Buffer.from('x'))), /malformed output record \(stream 3, 1 bytes\)/);
    assert.throws(() => new EventDecoder().push(chunk(1, 1, Buffer.alloc(0))), /malformed output record/);
    const ack = encodeAck(0x01020304, 2);
    assert.deepEqual([...ack], [6, 0, 0, 0, 0x41, 4, 3, 2, 1, 2]);
  });

  it('the base environment keeps the bytes qrun was given where Node decoded them unchanged', () => {
    const original = Buffer.concat([Buffer.from('BAD=a'), Buffer.from([0xff, 0xfe]), Buffer.from('b\0SAME=x\0CHANGED=old\0GONE=1\0DUP=first\0DUP=second\0')]);
    const env = { BAD: 'a\ufffd\ufffdb', SAME: 'x', CHANGED: 'new', ADDED: 'y', DUP: 'first', 'A=B': 'no', UNSET: undefined };
    const raw = rawEnvironment(env, nulEntries(original));
    assert.deepEqual(raw, Buffer.concat([Buffer.from('BAD=a'), Buffer.from([0xff, 0xfe]), Buffer.from('b\0SAME=x\0CHANGED=new\0ADDED=y\0DUP=first\0')]));
    assert.deepEqual(rawEnvironment({ A: '1' }, undefined), Buffer.from('A=1\0'), 'no /proc: the decoded values');
    assert.deepEqual(encodeBaseEnv(raw).subarray(4, 5), Buffer.from('E'));
    assert.equal(encodeBaseEnv(raw).readUInt32LE(0), raw.length + 1);
  });

  it('wait statuses: exit codes and signals', () => {
    const names = (n: number) => (n === 9 ? 'SIGKILL' : n === 15 ? 'SIGTERM' : undefined);
    assert.deepEqual(decodeStatus(0, names), { exitCode: 0, signal: null });
    assert.deepEqual(decodeStatus(7 << 8, names), { exitCode: 7, signal: null });
    assert.deepEqual(decodeStatus(9, names), { exitCode: null, signal: 'SIGKILL' });
    assert.deepEqual(decodeStatus(15 | 0x80, names), { exitCode: null, signal: 'SIGTERM' }, 'the core-dump bit');
  });
});

const binary = locateHelper();
describe('spawn helper binary (property test)', { skip: 'reason' in binary ? binary.reason : false }, () => {
  it('each job gets exactly its command and env: quotes, newlines, any Unicode, 100 KB', async () => {
    const started = startSpawnHelper((binary as { path: string }).path, { PATH: process.env.PATH ?? '/usr/bin:/bin' }, scratch, () => undefined);
    assert.ok('helper' in started, JSON.stringify(started));
    const helper: SpawnHelper = started.helper;
    const small = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.constantFrom('"', "'", '\n', '\\', '$(x)', '`x`', '\u00ff\ufffd', ' \t '));
    // Up to 100 KB: one argument may hold at most 128 KiB on Linux (MAX_ARG_STRLEN).
    const large = fc.string({ unit: fc.constantFrom('a', '\n', "'", '\ufffd', 'é'), minLength: 30_000, maxLength: 33_000 });
    const text = fc.oneof({ arbitrary: small, weight: 4 }, { arbitrary: large, weight: 1 });
    const noNul = (s: string) => s.replaceAll('\0', '');
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.tuple(text, small), fc.tuple(text, small), async (commandParts, envParts) => {
        const command = noNul(commandParts.join(''));
        const value = noNul(envParts.join(''));
        const out = join(scratch, `out-${++n}`);
        closeSync(openSync(out, 'w'));
        const start = await helper.start({ shell: join(root, 'fixtures/dump-args.sh'), command, cwd: '', stdout: { kind: 'path', path: out }, stderr: { kind: 'inherit' }, env: { QRUN_FUZZ: value } });
        assert.equal(start.kind, 'started');
        if (start.kind !== 'started') return;
        const end = await start.ended;
        assert.deepEqual(end, { kind: 'ended', status: 0, groupEmpty: true });
        assert.ok(readFileSync(out).equals(Buffer.from(`${command}\0${value}`)), `job ${n}`);
        rmSync(out);
      }),
      { numRuns: 60, endOnFailure: true },
    );
    helper.close();
  });

  it('piped output: every byte of both streams, in order, one chunk in flight per stream; the end waits for the last holder of a pipe', async () => {
    const started = startSpawnHelper((binary as { path: string }).path, { PATH: process.env.PATH ?? '/usr/bin:/bin' }, scratch, () => undefined);
    assert.ok('helper' in started);
    const helper = started.helper;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 300_000 }), fc.boolean(), async (bytes, slow) => {
        const file = join(scratch, 'bytes');
        writeFileSync(file, bytes);
        const got: Buffer[][] = [[], []];
        let inFlight = 0;
        let most = 0;
        const start = await helper.start({ shell: '/bin/sh', command: `cat '${file}'; cat '${file}' >&2`, cwd: '', stdout: { kind: 'pipe' }, stderr: { kind: 'pipe' }, env: {} }, (stream, data) => {
          got[stream - 1]?.push(Buffer.from(data));
          if (!slow) return undefined;
          most = Math.max(most, ++inFlight);
          return new Promise<void>((resolve) => setTimeout(() => (inFlight--, resolve()), 1));
        });
        assert.equal(start.kind, 'started');
        if (start.kind !== 'started') return;
        assert.deepEqual(await start.ended, { kind: 'ended', status: 0, groupEmpty: true });
        assert.ok(Buffer.concat(got[0] ?? []).equals(Buffer.from(bytes)), 'stdout whole');
        assert.ok(Buffer.concat(got[1] ?? []).equals(Buffer.from(bytes)), 'stderr whole');
        assert.ok(most <= 2, `at most one chunk per stream at a time, saw ${most}`);
      }),
      { numRuns: 25, endOnFailure: true },
    );
    // A background process holding stdout after the shell exits: the job has not ended until it lets go.
    const chunks: string[] = [];
    const start = await helper.start({ shell: '/bin/sh', command: '(sleep 0.3; echo late) & echo early', cwd: '', stdout: { kind: 'pipe' }, stderr: { kind: 'inherit' }, env: {} }, (_stream, data) => void chunks.push(data.toString()));
    assert.equal(start.kind, 'started');
    if (start.kind === 'started') {
      const end = await start.ended;
      assert.equal(end.kind, 'ended');
      assert.equal(chunks.join(''), 'early\nlate\n');
    }
    await helper.close();
  });

  it('a job that cannot start is reported with its errno; a cwd that does not exist too', async () => {
    const started = startSpawnHelper((binary as { path: string }).path, { PATH: '/usr/bin:/bin' }, scratch, () => undefined);
    assert.ok('helper' in started);
    const missing = await started.helper.start({ shell: '/no/such/shell', command: 'true', cwd: '', stdout: { kind: 'inherit' }, stderr: { kind: 'inherit' }, env: {} });
    assert.deepEqual(missing, { kind: 'failed', errno: 2 });
    const badCwd = await started.helper.start({ shell: '/bin/sh', command: 'true', cwd: '/no/such/dir', stdout: { kind: 'inherit' }, stderr: { kind: 'inherit' }, env: {} });
    assert.deepEqual(badCwd, { kind: 'failed', errno: 2 });
    started.helper.close();
  });
});

describe('spawn helper: protocol version and reasons', { skip: 'reason' in binary ? binary.reason : false }, () => {
  it('says its protocol version first; qrun speaks the same one', async () => {
    const started = startSpawnHelper((binary as { path: string }).path, { PATH: '/usr/bin:/bin' }, scratch, () => undefined);
    assert.ok('helper' in started);
    assert.deepEqual(await started.helper.ready, { version: helperProtocol });
    await started.helper.close();
  });

  it('a helper that never says it (a stale build, or another program) is not used: why, at once', async () => {
    const stale = join(scratch, 'stale-helper');
    writeFileSync(stale, '#!/bin/sh\nexit 70\n', { mode: 0o755 });
    const started = startSpawnHelper(stale, { PATH: '/usr/bin:/bin' }, scratch, () => undefined);
    assert.ok('helper' in started);
    const ready = await started.helper.ready;
    assert.ok('reason' in ready);
    assert.match(ready.reason, /^it exited with status 70 before it said its protocol version \(a helper from another qrun\? npm run build makes it again\)$/);
    const required = helperExecutor({ binary: { path: stale }, required: true, fallback: () => assert.fail('not with --executor helper'), debug: () => undefined });
    await assert.rejects(Promise.resolve(required({ env: {}, cwd: scratch, fail: () => undefined, notice: () => undefined })), /^UsageError: --executor helper cannot be used: it exited with status 70 before it said its protocol version/);
  });

  it('a helper that is there but cannot run (no execute permission, a noexec mount) says so, not "not built"', () => {
    const dir = join(scratch, 'install');
    mkdirSync(join(dir, 'native', 'bin'), { recursive: true });
    writeFileSync(join(dir, 'native', 'bin', 'qrun-spawn-linux-x64'), 'x', { mode: 0o644 });
    const found = locateHelper('linux', 'x64', join(dir, 'dist', 'bundle'));
    assert.ok('reason' in found);
    assert.match(found.reason, /qrun-spawn-linux-x64 cannot be run here: EACCES \(a file system mounted noexec, or no execute permission\)$/);
  });
});
