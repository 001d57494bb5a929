// The library takes the GNU parallel options of the CLI too: columns with a header, -n, a results table.

import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { run } from '../../src/index.js';

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

describe('run() with GNU parallel options', () => {
  it('colsep and header name the columns; maxArgs groups records; shuf keeps every job', async () => {
    const out = collect();
    const summary = await run({ records: ['name,size', 'a.txt,1', 'b.txt,2'], colsep: ',', header: ':', command: ['echo', '{size}:{name.}'], keepOrder: true, stdout: out.stream });
    assert.equal(summary.succeeded, 2);
    assert.equal(out.text(), '1:a\n2:b\n');
    const grouped = collect();
    await run({ records: ['1', '2', '3'], maxArgs: 2, command: ['echo'], keepOrder: true, stdout: grouped.stream });
    assert.equal(grouped.text(), '1 2\n3\n');
    const shuffled = collect();
    const all = await run({ records: ['echo 1', 'echo 2', 'echo 3'], shuf: true, stdout: shuffled.stream });
    assert.equal(all.succeeded, 3);
    assert.deepEqual(shuffled.text().trim().split('\n').sort(), ['1', '2', '3']);
  });

  it('a results table goes to the given stdout, in GNU parallel\'s format', async () => {
    const out = collect();
    await run({ records: ['x'], command: ['echo'], results: '-.json', stdout: out.stream });
    assert.match(out.text(), /^\{ "Seq": 1, "Host": ":", "Starttime": \d+\.\d{3}, "JobRuntime": \d+\.\d{3}, "Send": 0, "Receive": 2, "Exitval": 0, "Signal": 0, "Command": "echo x", "V": \[ "x" \], "Stdout": "x\\u000a", "Stderr": "" \}\n$/);
  });
});
