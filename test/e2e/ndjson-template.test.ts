// End to end: --ndjson with a command template: each record's fields fill the template's {name}s;
// the reserved fields keep their meaning; a record without a field the template uses is refused.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runQrun } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'qrun-e2e-ndjsont-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const lines = (...records: unknown[]): string => records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';

describe('--ndjson with a command template', () => {
  it('fills {name} from the fields, each value quoted as one word; path modifiers; numbers and booleans as text', async () => {
    const input = lines({ src: 'in dir/a b.png', size: 50, dst: 'x.jpg', flag: true }, { src: '$(echo no); `x`', size: '10%', dst: "it's.jpg", flag: false });
    const result = await runQrun(['-q', '-k', '--ndjson', 'printf "%s|" {src} {size} {dst} {flag} {src.} {src/} {src//} {src/.}; echo'], { input });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.toString(), "in dir/a b.png|50|x.jpg|true|in dir/a b|a b.png|in dir|a b|\n$(echo no); `x`|10%|it's.jpg|false|$(echo no); `x`|$(echo no); `x`|.|$(echo no); `x`|\n");
  });

  it('reserved fields keep their meaning: timeout, env, cwd, id; cmd is not needed', async () => {
    const input = lines({ name: 'slow', timeout: '300ms' }, { name: 'env', env: { GREETING: 'hi' } }, { name: 'cwd', cwd: scratch, id: 'job-c' });
    const result = await runQrun(['-q', '-k', '--joblog', '-', '--ndjson', 'case {name} in slow) sleep 30;; env) echo "$GREETING";; cwd) pwd;; esac'], { input, limitMs: 30_000 });
    assert.equal(result.code, 1);
    const out = result.stdout.toString();
    assert.match(out, /^hi$/m);
    assert.ok(out.includes(`${scratch}\n`));
    assert.match(out, /^1\t:\t\S+\t\s*\S+\t0\t0\t-1\t15\tcase slow in /m);
  });

  it('a record without a field the template uses, or with a field that is no text, is refused with its line; the rest run', async () => {
    const input = lines({ a: 'one', b: 'x' }, { a: 'two' }, { a: { nested: 1 }, b: 'y' }, 'not json', { a: 'five', b: 'z' });
    const result = await runQrun(['-k', '--ndjson', 'echo {a}-{b}'], { input });
    assert.equal(result.code, 3);
    assert.equal(result.stdout.toString(), 'one-x\nfive-z\n');
    assert.match(result.stderr, /^qrun: line 2: field 'b' is missing \(the command template uses \{b\}\)$/m);
    assert.match(result.stderr, /^qrun: line 3: field 'a' must be a string, number or boolean for \{a\}, got \{"nested":1\}$/m);
    assert.match(result.stderr, /^qrun: line 4: not valid JSON: /m);
  });

  it('a template with no {name}: every record runs it, its fields are not needed', async () => {
    const result = await runQrun(['-q', '--ndjson', 'echo', 'same'], { input: lines({ anything: 1 }, { other: 'x' }) });
    assert.equal(result.code, 0);
    assert.equal(result.stdout.toString(), 'same\nsame\n');
  });
});
