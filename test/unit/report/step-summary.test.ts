import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { markdownCell, stepSummaryMarkdown } from '../../../src/report/step-summary.js';
import type { RunSummary } from '../../../src/report/run-summary.js';

const base: RunSummary = {
  succeeded: 3, failed: 0, timedOut: 0, canceled: 0, notStarted: 0, notRecorded: 0, skipped: 0, retried: 0,
  haltedBy: undefined, elapsedMs: 1500, interruptedBy: undefined, error: undefined, brokenPipe: false, exitCode: 0, failures: [], queue: undefined,
};

describe('step summary', () => {
  it('markdownCell: markup escaped, one line, cut', () => {
    assert.equal(markdownCell('a|b'), 'a\\|b');
    assert.equal(markdownCell('<img src=x onerror=alert(1)>'), '&lt;img src=x onerror=alert(1)&gt;');
    assert.equal(markdownCell('*x* _y_ `z` [l](u) # ~ & \\'), '\\*x\\* \\_y\\_ \\`z\\` \\[l\\](u) \\# \\~ &amp; \\\\');
    assert.equal(markdownCell('one\ntwo\r\nthree'), 'one two three');
    assert.equal(markdownCell('abcdef', 3), 'abc…');
  });

  it('a run that succeeded: a heading and the counts, no failure table', () => {
    const text = stepSummaryMarkdown(base);
    assert.match(text, /^### qrun: 3 jobs in 1\.50s, succeeded\n/);
    assert.match(text, /^\| 3 \| 0 \| 0 \| 0 \| 0 \| 0 \|$/m);
    assert.doesNotMatch(text, /how it ended/);
  });

  it('halted or interrupted: said in bold; an invalid record has no command', () => {
    const failures = [{ seq: 4, command: '', end: 'invalid record: line 4', exitCode: null, signal: null, timedOut: false }];
    const text = stepSummaryMarkdown({ ...base, failed: 1, exitCode: 130, interruptedBy: 'SIGINT', haltedBy: 'now,fail=1 reached at job #4', failures });
    assert.match(text, /^\*\*halted: now,fail=1 reached at job \\#4\*\*$/m);
    assert.match(text, /^\*\*interrupted by SIGINT\*\*$/m);
    assert.match(text, /^\| #4 \| invalid record: line 4 \| {2}\|$/m);
  });
});
