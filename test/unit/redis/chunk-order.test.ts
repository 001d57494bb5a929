import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { placeChunk } from '../../../src/redis/chunk-order.js';

describe('placeChunk', () => {
  it('takes the next bytes, skips a copy, names a gap', () => {
    assert.equal(placeChunk(0, 0, 10), 'take');
    assert.equal(placeChunk(10, 10, 5), 'take');
    assert.equal(placeChunk(10, 0, 10), 'copy', 'the first chunk stored again');
    assert.equal(placeChunk(15, 10, 5), 'copy', 'the last chunk stored again');
    assert.equal(placeChunk(10, 15, 5), 'gap', 'five bytes never arrived');
    assert.equal(placeChunk(10, 5, 10), 'gap', 'overlaps what was taken: not a whole copy');
  });

  it('a worker that does not say where a chunk falls: taken as it comes', () => {
    assert.equal(placeChunk(100, undefined, 7), 'take');
  });
});
