// Unit tests of keys.js: where arrow keys, Home and End move in tabs and rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { indexForKey } from './keys.js';

test('keys move between tabs (wrapping) and rows (stopping)', () => {
  assert.equal(indexForKey('ArrowDown', 0, 5), 1);
  assert.equal(indexForKey('ArrowRight', 4, 5), 0);
  assert.equal(indexForKey('ArrowUp', 0, 5), 4);
  assert.equal(indexForKey('Home', 3, 5), 0);
  assert.equal(indexForKey('End', 0, 5), 4);
  assert.equal(indexForKey('Enter', 0, 5), null);
  assert.equal(indexForKey('ArrowUp', 0, 5, { wrap: false }), 0);
  assert.equal(indexForKey('ArrowDown', 4, 5, { wrap: false }), 4);
  assert.equal(indexForKey('ArrowRight', 1, 5, { vertical: true }), null);
  assert.equal(indexForKey('ArrowDown', -1, 5, { wrap: false }), 0);
  assert.equal(indexForKey('ArrowUp', -1, 5, { wrap: false }), 4);
  assert.equal(indexForKey('ArrowDown', 0, 0), null);
});
