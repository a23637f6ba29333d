// Unit tests of log-model.js: filtering, the details pane's rows, the retention note, scrolling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  filterLog, metadataRows, retentionNote, serviceLabel, atBottom,
} from './log-model.js';

const entries = [
  { id: 1, origin: 'https://a.example', service: 'sync' },
  { id: 2, origin: 'https://b.example', service: 'periodicsync' },
  { id: 3, origin: 'https://a.example', service: 'notifications' },
  { id: 4, origin: 'https://a.example', service: 'periodicsync' },
];

test('log filters by origin and service, keeping order', () => {
  assert.deepEqual(filterLog(entries).map((e) => e.id), [1, 2, 3, 4]);
  assert.deepEqual(filterLog(entries, { origin: 'https://a.example' }).map((e) => e.id), [1, 3, 4]);
  assert.deepEqual(filterLog(entries, { service: 'periodicsync' }).map((e) => e.id), [2, 4]);
  assert.deepEqual(filterLog(entries, { origin: 'https://a.example', service: 'periodicsync' }).map((e) => e.id), [4]);
  assert.deepEqual(filterLog(null), []);
  assert.equal(serviceLabel('periodicsync'), 'Periodic background sync');
  assert.equal(serviceLabel('other'), 'other');
});

test('metadata rows keep every key; nested values as JSON', () => {
  assert.deepEqual(metadataRows({ lastChance: true, 'Next Attempt Delay (ms)': 300000, reason: 'timeout', extra: { a: [1] }, none: null }), [
    { key: 'lastChance', text: 'true', json: false },
    { key: 'Next Attempt Delay (ms)', text: '300000', json: false },
    { key: 'reason', text: 'timeout', json: false },
    { key: 'extra', text: '{\n  "a": [\n    1\n  ]\n}', json: true },
    { key: 'none', text: 'null', json: false },
  ]);
  assert.deepEqual(metadataRows(null), []);
  assert.deepEqual(metadataRows({}), []);
  assert.deepEqual(metadataRows([1, 2]), [{ key: 'metadata', text: '[\n  1,\n  2\n]', json: true }]);
  assert.deepEqual(metadataRows('odd'), [{ key: 'metadata', text: 'odd', json: false }]);
});

test('the retention note reads the log_retention parameter', () => {
  const params = (value) => [{ name: 'max_sync_attempts', value: '3', source: 'default' }, { name: 'log_retention', value, source: 'default' }];
  assert.equal(retentionNote(params('3d')), 'Recording is always on; entries are kept for 3 days.');
  assert.equal(retentionNote(params('36h')), 'Recording is always on; entries are kept for 1 day 12 hours.');
  assert.equal(retentionNote(params('a while')), 'Recording is always on; entries are kept for a while.');
  assert.equal(retentionNote([]), 'Recording is always on.');
});

test('at bottom within rounding', () => {
  assert.equal(atBottom({ scrollTop: 500, clientHeight: 300, scrollHeight: 800 }), true);
  assert.equal(atBottom({ scrollTop: 498.5, clientHeight: 300, scrollHeight: 800 }), true);
  assert.equal(atBottom({ scrollTop: 400, clientHeight: 300, scrollHeight: 800 }), false);
  assert.equal(atBottom({ scrollTop: 0, clientHeight: 300, scrollHeight: 200 }), true);
});
