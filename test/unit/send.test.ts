// parseRange: one byte range against a file size; suffix and open ranges, unsatisfiable ranges, garbage ignored.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRange } from '../../src/http/send.js';

describe('parseRange', () => {
  it('bytes=a-b', () => {
    assert.deepEqual(parseRange('bytes=0-99', 1000), { start: 0, end: 99 });
    assert.deepEqual(parseRange('bytes=500-500', 1000), { start: 500, end: 500 });
    assert.deepEqual(parseRange('  bytes=10-20 ', 1000), { start: 10, end: 20 });
  });

  it('an end past the file is clamped to the last byte', () => {
    assert.deepEqual(parseRange('bytes=900-5000', 1000), { start: 900, end: 999 });
  });

  it('bytes=a- runs to the end', () => {
    assert.deepEqual(parseRange('bytes=990-', 1000), { start: 990, end: 999 });
    assert.deepEqual(parseRange('bytes=0-', 1), { start: 0, end: 0 });
  });

  it('bytes=-n is the last n bytes, or the whole file when n exceeds it', () => {
    assert.deepEqual(parseRange('bytes=-100', 1000), { start: 900, end: 999 });
    assert.deepEqual(parseRange('bytes=-5000', 1000), { start: 0, end: 999 });
  });

  it('a start at or past the end, or a start after the end, is unsatisfiable', () => {
    assert.equal(parseRange('bytes=1000-', 1000), 'unsatisfiable');
    assert.equal(parseRange('bytes=1000-1001', 1000), 'unsatisfiable');
    assert.equal(parseRange('bytes=50-10', 1000), 'unsatisfiable');
    assert.equal(parseRange('bytes=0-', 0), 'unsatisfiable');
    assert.equal(parseRange('bytes=-0', 1000), 'unsatisfiable');
  });

  it('garbage, other units, multiple ranges and an empty header are ignored (whole file)', () => {
    for (const header of ['', 'bytes=', 'bytes=-', 'bytes=a-b', 'items=0-10', 'bytes=0-10,20-30', 'bytes 0-10', 'bytes=1.5-2', 'bytes=--1']) {
      assert.equal(parseRange(header, 1000), undefined, `"${header}" should be ignored`);
    }
  });
});
