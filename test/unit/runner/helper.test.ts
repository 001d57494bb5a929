// The spawn helper: its wire format, and (property test) the real binary starts each job with
// exactly its command and environment, whatever bytes they hold.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { startSpawnHelper, type SpawnHelper } from '../../../src/runner/helper/helper-process.js';
import { locateHelper } from '../../../src/runner/helper/locate.js';
import { EventDecoder, decodeStatus, encodeBaseEnv, encodeJob, helperProtocol } from '../../../src/runner/helper/protocol.js';
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
