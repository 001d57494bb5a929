import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { MemoryBudget } from '../../../src/output/output-buffer.js';
import { OutputSink, type OutputMode } from '../../../src/output/output-sink.js';
import { CaptureFiles } from '../../../src/output/capture-files.js';
import { PrivateDir } from '../../../src/private-dir.js';
import { SpillFile } from '../../../src/output/spill-file.js';
import { LineTagger } from '../../../src/output/tagger.js';

const scratch = mkdtempSync(join(tmpdir(), 'qrun-unit-sink-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function collect(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return () => Buffer.concat(chunks).toString();
}

function makeSink(mode: OutputMode, keepOrder = false, limits = { memory: 1 << 20, perBuffer: 1 << 16 }, target?: Writable) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const dir = new PrivateDir(scratch);
  const spill = new SpillFile(dir);
  const captures = new CaptureFiles(dir);
  let cleared = 0;
  const sink = new OutputSink({
    mode,
    keepOrder,
    tag: undefined,
    stdout: target ?? stdout,
    stderr,
    inheritable: false,
    spill,
    captures,
    captureFiles: true,
    budget: new MemoryBudget(limits.memory),
    perBufferLimit: limits.perBuffer,
    maxLineBytes: 1 << 16,
    beforeWrite: () => void cleared++,
  });
  return { sink, dir, captures, out: collect(stdout), err: collect(stderr), cleared: () => cleared };
}

const job = (seq: number) => ({ seq, line: seq, record: `job ${seq}` });

/** A written-callback for jobs whose output must arrive whole. */
function recorded(lost: unknown): void {
  assert.equal(lost, undefined);
}

/** What a job's shell does with the file descriptors it is given in group mode. */
function jobWrites(fd: 'inherit' | number | undefined, text: string): void {
  assert.equal(typeof fd, 'number', 'group mode hands the job files');
  writeSync(fd as number, text);
}

describe('OutputSink', () => {
  it('group: jobs write into files; each is written whole when it finishes', async () => {
    const { sink, out, err, cleared } = makeSink('group');
    const a = sink.target(job(1));
    const b = sink.target(job(2));
    jobWrites(a.local?.stdout, 'a1\n');
    jobWrites(b.local?.stdout, 'b1\n');
    jobWrites(a.local?.stderr, 'a-err\n');
    jobWrites(a.local?.stdout, 'a2\n');
    assert.equal(a.local?.stdoutBytes(), 6);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(out(), '', 'nothing before the end');
    await sink.finish(job(2), recorded);
    await sink.finish(job(1), recorded);
    await sink.close();
    assert.equal(out(), 'b1\na1\na2\n');
    assert.equal(err(), 'a-err\n');
    assert.ok(cleared() > 0, 'progress cleared before writing');
  });

  it('group: each job gets fresh files, deleted once written out', async () => {
    const { sink, out, dir } = makeSink('group');
    const first = sink.target(job(1));
    jobWrites(first.local?.stdout, 'long output\n');
    await sink.finish(job(1), recorded);
    const second = sink.target(job(2));
    jobWrites(second.local?.stdout, 'x\n');
    await sink.finish(job(2), recorded);
    assert.equal(out(), 'long output\nx\n');
    assert.deepEqual(readdirSync(dir.existing as string), []);
  });

  it('group with keep-order: writes in seq order, skipping jobs that never ran; waiting jobs free their files', async () => {
    const { sink, out, captures } = makeSink('group', true);
    for (const seq of [1, 2, 4]) jobWrites(sink.target(job(seq)).local?.stdout, `${seq}\n`);
    assert.equal(captures.inUse, 3);
    await sink.finish(job(4), recorded);
    await sink.finish(job(2), recorded);
    assert.equal(out(), '');
    assert.equal(captures.inUse, 1, 'waiting jobs gave their files back');
    sink.skip(job(3));
    await sink.finish(job(1), recorded);
    await sink.close();
    assert.equal(out(), '1\n2\n4\n');
  });

  it('spills past the memory bounds, keeps bytes in order, and removes the private directory', async () => {
    const { sink, dir, out } = makeSink('line', true, { memory: 10, perBuffer: 8 });
    sink.target(job(1));
    const target = sink.target(job(2));
    const pieces = ['abcd', 'efgh', 'ijkl', 'mnop', 'qrst'];
    for (const piece of pieces) target.port.onStdout(Buffer.from(piece));
    const path = dir.existing;
    assert.ok(path !== undefined && readdirSync(path).includes('spill'), 'spilled');
    await sink.finish(job(1), recorded);
    await sink.finish(job(2), recorded);
    assert.equal(out(), pieces.join(''));
    dir.dispose();
    assert.equal(existsSync(path), false);
  });

  it('line: writes whole lines at once and holds the partial last line', async () => {
    const { sink, out } = makeSink('line');
    const a = sink.target(job(1));
    const b = sink.target(job(2));
    a.port.onStdout(Buffer.from('a1\na2-start'));
    b.port.onStdout(Buffer.from('b1\n'));
    a.port.onStdout(Buffer.from('-end\n'));
    await sink.finish(job(1), recorded);
    await sink.finish(job(2), recorded);
    assert.equal(out(), 'a1\nb1\na2-start-end\n');
  });

  it('line with keep-order: later jobs wait, then catch up when it is their turn', async () => {
    const { sink, out } = makeSink('line', true);
    const a = sink.target(job(1));
    const b = sink.target(job(2));
    a.port.onStdout(Buffer.from('a1\n'));
    b.port.onStdout(Buffer.from('b1\n'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(out(), 'a1\n');
    await sink.finish(job(1), recorded);
    assert.equal(out(), 'a1\nb1\n');
    b.port.onStdout(Buffer.from('b2\n'));
    await sink.finish(job(2), recorded);
    assert.equal(out(), 'a1\nb1\nb2\n');
  });

  it('group, fed through the port (an executor that is not local): the same files, the same output', async () => {
    const { sink, out, err, dir } = makeSink('group');
    const a = sink.target(job(1));
    const b = sink.target(job(2));
    a.port.onStdout(Buffer.from('a1\n'));
    b.port.onStdout(Buffer.from('b1\n'));
    a.port.onStderr(Buffer.from('a-err\n'));
    a.port.onStdout(Buffer.from('a2\n'));
    assert.equal(a.local?.stdoutBytes(), 6);
    await sink.finish(job(2), recorded);
    await sink.finish(job(1), recorded);
    assert.equal(out(), 'b1\na1\na2\n');
    assert.equal(err(), 'a-err\n');
    assert.deepEqual(readdirSync(dir.existing as string), []);
  });

  it('ungroup without inheritable streams forwards chunks as they come', async () => {
    const { sink, out } = makeSink('ungroup');
    const target = sink.target(job(1));
    assert.equal(target.local, undefined, 'chunks come through the port');
    target.port.onStdout(Buffer.from('x'));
    await sink.finish(job(1), recorded);
    assert.equal(out(), 'x');
  });

  it('an unusable temp dir: group mode cannot start the job, line mode reports the lost output', async () => {
    const options = {
      keepOrder: true,
      tag: undefined,
      stdout: new PassThrough(),
      stderr: new PassThrough(),
      inheritable: false,
      budget: new MemoryBudget(0),
      perBufferLimit: 0,
      maxLineBytes: 1,
      beforeWrite: () => undefined,
    };
    const dir = new PrivateDir('/proc/no-such-dir');
    const spill = new SpillFile(dir);
    const group = new OutputSink({ ...options, mode: 'group', spill, captures: new CaptureFiles(dir), captureFiles: true });
    assert.throws(() => group.target(job(1)), /cannot create a temp directory for job output in \/proc\/no-such-dir: ENOENT/);
    const line = new OutputSink({ ...options, mode: 'line', spill, captures: new CaptureFiles(dir), captureFiles: true });
    line.target(job(1));
    line.target(job(2)).port.onStdout(Buffer.from('lost'));
    await line.finish(job(1), recorded);
    let lost: unknown;
    await line.finish(job(2), (error) => void (lost = error));
    assert.match(String(lost), /ENOENT/);
  });
});

describe('OutputSink records after output', () => {
  it('-k: a job is recorded only when its output is written, in input order', async () => {
    const { sink, out } = makeSink('group', true);
    const events: string[] = [];
    const a = sink.target(job(1));
    const b = sink.target(job(2));
    jobWrites(b.local?.stdout, 'b\n');
    await sink.finish(job(2), () => void events.push(`row 2 after '${out()}'`));
    assert.equal(events.length, 0, 'job 2 waits for job 1: no row yet');
    jobWrites(a.local?.stdout, 'a\n');
    await sink.finish(job(1), () => void events.push(`row 1 after '${out()}'`));
    await sink.close();
    assert.deepEqual(events, ["row 1 after 'a\n'", "row 2 after 'a\nb\n'"]);
  });

  it('line with keep-order and a slow reader: a job finishing while its last chunks wait is written out after them', async () => {
    // A reader that takes each write only a little later: live writes queue up behind each other.
    const written: string[] = [];
    const slow = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _encoding, callback) {
        written.push(chunk.toString());
        setTimeout(callback, 2);
      },
    });
    const { sink } = makeSink('line', true, undefined, slow);
    const a = sink.target(job(1));
    const b = sink.target(job(2));
    a.port.onStdout(Buffer.from('a1\n'));
    b.port.onStdout(Buffer.from('b1\n'));
    // Job 2 ends first (its turn is next), then job 1's last chunk arrives and job 1 ends at once.
    const second = sink.finish(job(2), recorded);
    a.port.onStdout(Buffer.from('a2\n'));
    const first = sink.finish(job(1), recorded);
    await Promise.all([first, second]);
    await sink.close();
    assert.equal(written.join(''), 'a1\na2\nb1\n');
  });

  it('a stream that fails a write hands the loss to the job, not a rejection', async () => {
    const failing = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error('no space'), { code: 'ENOSPC' }));
      },
    });
    failing.on('error', () => undefined);
    const { sink } = makeSink('line', false, undefined, failing);
    sink.target(job(1)).port.onStdout(Buffer.from('x\n'));
    let lost: unknown;
    await sink.finish(job(1), (error) => void (lost = error));
    assert.match(String(lost), /cannot write to stdout: ENOSPC/);
  });
});

describe('LineTagger', () => {
  it('prefixes each line start, across chunks', () => {
    const tagger = new LineTagger(Buffer.from('7\t'));
    assert.equal(tagger.tag(Buffer.from('a\nb')).toString(), '7\ta\n7\tb');
    assert.equal(tagger.tag(Buffer.from('c\n\n')).toString(), 'c\n7\t\n');
    assert.equal(tagger.tag(Buffer.from('d')).toString(), '7\td');
  });

  it('with a suffix (--ctag: the colour ended), the suffix goes before each newline, across chunks', () => {
    const tagger = new LineTagger(Buffer.from('<7\t'), Buffer.from('>'));
    assert.equal(tagger.tag(Buffer.from('a\nb')).toString(), '<7\ta>\n<7\tb');
    assert.equal(tagger.tag(Buffer.from('c\n\n')).toString(), 'c>\n<7\t>\n');
  });
});
