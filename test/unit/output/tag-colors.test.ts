import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { colourOf, colourOff } from '../../../src/output/tag-colors.js';

describe('--ctag colours', () => {
  it("GNU parallel's table: job numbers pick the same colours (checked against GNU parallel 20221122), 307 of them, round again", () => {
    const escape = String.fromCharCode(27);
    const background = (seq: number): string | undefined => new RegExp(`^${escape}\\[48;5;(\\d{3};38;5;\\d{3})m${escape}\\[K$`).exec(colourOf(seq))?.[1];
    assert.equal(background(1), '134;38;5;231');
    assert.equal(background(2), '021;38;5;231');
    assert.equal(background(100), '028;38;5;231');
    assert.equal(background(306), '166;38;5;231');
    assert.equal(background(307), '185;38;5;000');
    assert.equal(background(308), background(1));
    assert.equal(new Set(Array.from({ length: 307 }, (_, i) => colourOf(i))).size, 307);
    assert.equal(colourOff, `${escape}[m`);
  });
});
