import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { MemoryBudget } from '../../../src/report/output/output-buffer.js';
import { OutputSink, type OutputMode } from '../../../src/report/output/output-sink.js';
import { SpillFile } from '../../../src/report/output/spill-file.js';
import { LineTagger } from '../../../src/report/output/tagger.js';

const scratch = mkdtempSync(join(tmpdir(), 'qrun-unit-sink-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function collect(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return () => Buffer.concat(chunks).toString();
}

function makeSink(mode: OutputMode, keepOrder = false, limits = { memory: 1 << 20, perBuffer: 1 << 16 }) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const spill = new SpillFile(scratch);
  let cleared = 0;
  const sink = new OutputSink({
    mode,
    keepOrder,
    tag: false,
    stdout,
    stderr,
    inheritable: false,
    spill,
    budget: new MemoryBudget(limits.memory),
    perBufferLimit: limits.perBuffer,
    maxLineBytes: 1 << 16,
    beforeWrite: () => void cleared++,
  });
  return { sink, spill, out: collect(stdout), err: collect(stderr), cleared: () => cleared };
}

const job = (seq: number) => ({ seq, line: seq, record: `job ${seq}` });

describe('OutputSink', () => {
  it('group: holds each job until it finishes, then writes it whole', async () => {
    const { sink, out, err, cleared } = makeSink('group');
    const a = sink.target(job(1));
    const b = sink.target(job(2));
    a.onStdout(Buffer.from('a1\n'));
    b.onStdout(Buffer.from('b1\n'));
    a.onStderr(Buffer.from('a-err\n'));
    a.onStdout(Buffer.from('a2\n'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(out(), '', 'nothing before the end');
    await sink.finish(job(2));
    await sink.finish(job(1));
    await sink.close();
    assert.equal(out(), 'b1\na1\na2\n');
    assert.equal(err(), 'a-err\n');
    assert.ok(cleared() > 0, 'progress cleared before writing');
  });

  it('group with keep-order: writes in seq order, skipping jobs that never ran', async () => {
    const { sink, out } = makeSink('group', true);
    for (const seq of [1, 2, 4]) sink.target(job(seq)).onStdout(Buffer.from(`${seq}\n`));
    await sink.finish(job(4));
    await sink.finish(job(2));
    assert.equal(out(), '');
    sink.skip(job(3));
    await sink.finish(job(1));
    await sink.close();
    assert.equal(out(), '1\n2\n4\n');
  });

  it('spills past the memory bounds, keeps bytes in order, and empties the spill file', async () => {
    const { sink, spill, out } = makeSink('group', false, { memory: 10, perBuffer: 8 });
    const target = sink.target(job(1));
    const pieces = ['abcd', 'efgh', 'ijkl', 'mnop', 'qrst'];
    for (const piece of pieces) target.onStdout(Buffer.from(piece));
    assert.ok(spill.directory !== undefined, 'spilled');
    await sink.finish(job(1));
    assert.equal(out(), pieces.join(''));
    spill.dispose();
    assert.deepEqual(readdirSync(scratch).filter((name) => name.startsWith('qrun-')), []);
  });

  it('line: writes whole lines at once and holds the partial last line', async () => {
    const { sink, out } = makeSink('line');
    const a = sink.target(job(1));
    const b = sink.target(job(2));
    a.onStdout(Buffer.from('a1\na2-start'));
    b.onStdout(Buffer.from('b1\n'));
    a.onStdout(Buffer.from('-end\n'));
    await sink.finish(job(1));
    await sink.finish(job(2));
    assert.equal(out(), 'a1\nb1\na2-start-end\n');
  });

  it('line with keep-order: later jobs wait, then catch up when it is their turn', async () => {
    const { sink, out } = makeSink('line', true);
    const a = sink.target(job(1));
    const b = sink.target(job(2));
    a.onStdout(Buffer.from('a1\n'));
    b.onStdout(Buffer.from('b1\n'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(out(), 'a1\n');
    await sink.finish(job(1));
    assert.equal(out(), 'a1\nb1\n');
    b.onStdout(Buffer.from('b2\n'));
    await sink.finish(job(2));
    assert.equal(out(), 'a1\nb1\nb2\n');
  });

  it('ungroup without inheritable streams forwards chunks as they come', async () => {
    const { sink, out } = makeSink('ungroup');
    const target = sink.target(job(1));
    assert.equal(target.stdout, 'pipe');
    target.onStdout(Buffer.from('x'));
    await sink.finish(job(1));
    assert.equal(out(), 'x');
  });

  it('a spill failure is reported when the job finishes', async () => {
    const stdout = new PassThrough();
    const sink = new OutputSink({
      mode: 'group',
      keepOrder: false,
      tag: false,
      stdout,
      stderr: new PassThrough(),
      inheritable: false,
      spill: new SpillFile('/proc/no-such-dir'),
      budget: new MemoryBudget(0),
      perBufferLimit: 0,
      maxLineBytes: 1,
      beforeWrite: () => undefined,
    });
    sink.target(job(1)).onStdout(Buffer.from('lost'));
    await assert.rejects(sink.finish(job(1)), /ENOENT/);
  });
});

describe('LineTagger', () => {
  it('prefixes each line start, across chunks', () => {
    const tagger = new LineTagger(Buffer.from('7\t'));
    assert.equal(tagger.tag(Buffer.from('a\nb')).toString(), '7\ta\n7\tb');
    assert.equal(tagger.tag(Buffer.from('c\n\n')).toString(), 'c\n7\t\n');
    assert.equal(tagger.tag(Buffer.from('d')).toString(), '7\td');
  });
});
