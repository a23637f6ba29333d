// Unit tests of registrations-model.js: the Registrations tab's rows and texts.
process.env.TZ = 'UTC';

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  registrationRow, sortRegistrations, nextText, fireMessage, registrationKey,
} from './registrations-model.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

const reg = (fields) => ({
  app: 'demo', appName: 'Demo', origin: 'https://demo.example', scope: 'https://demo.example/', kind: 'sync', tag: 'outbox', state: 'pending',
  attempts: 0, nextAt: null, minInterval: 0, every: null, engagement: 'low', held: null, ...fields,
});

test('a one-off sync row', () => {
  const row = registrationRow(reg({ attempts: 2, held: { reason: 'offline', text: 'Waiting for the network.' } }));
  assert.equal(row.periodic, false);
  assert.equal(row.cadence, '—');
  assert.equal(row.stateText, 'pending · 2 attempts');
  assert.deepEqual(row.held, { label: 'held: offline', text: 'Waiting for the network.' });
  assert.equal(row.fireLabel, 'Fire sync');
  assert.equal(row.key, '["https://demo.example/","sync","outbox"]');
});

test('a periodic row: intervals, suspension, state', () => {
  const row = registrationRow(reg({ kind: 'periodicsync', tag: 'news', minInterval: HOUR, every: 24 * HOUR, state: 'reregistered' }));
  assert.equal(row.cadence, 'every 1 d (asked 1 h; engagement low)');
  assert.equal(row.held, null);
  assert.equal(row.stateText, 'firing, registered again');
  assert.equal(row.fireLabel, 'Fire periodicsync');
});

test('next attempt text', () => {
  const now = Date.UTC(2024, 2, 12, 10);
  assert.equal(nextText(null, now, 'en-GB'), 'as soon as online');
  assert.equal(nextText(now + 4 * MIN, now, 'en-GB'), 'in 4 min');
  assert.equal(nextText(now + 2 * HOUR, now, 'en-GB'), '12:00 (in 2 h)');
});

test('rows sort by app, one-off before periodic, then tag', () => {
  const sorted = sortRegistrations([
    reg({ appName: 'News', app: 'news', tag: 'a' }),
    reg({ kind: 'periodicsync', tag: 'a' }),
    reg({ tag: 'z' }),
    reg({ tag: 'b' }),
  ]);
  assert.deepEqual(sorted.map((r) => `${r.appName} ${r.kind} ${r.tag}`), [
    'Demo sync b', 'Demo sync z', 'Demo periodicsync a', 'News sync a',
  ]);
  assert.notEqual(registrationKey(reg({ tag: 'a,b' })), registrationKey(reg({ tag: 'a', kind: 'b' })));
});

test('fire messages', () => {
  assert.equal(fireMessage({ tag: 'outbox', periodic: false, lastChance: false }), "Fired sync 'outbox'");
  assert.equal(fireMessage({ tag: 'outbox', periodic: false, lastChance: true }), "Fired sync 'outbox' (last chance)");
  assert.equal(fireMessage({ tag: 'news', periodic: true, lastChance: true }), "Fired periodicsync 'news'");
});

test('state and cadence are merged into one cell each, so the table fits the window', () => {
  assert.equal(registrationRow(reg({ attempts: 0 })).stateText, 'pending');
  assert.equal(registrationRow(reg({ attempts: 1 })).stateText, 'pending · 1 attempt');
  assert.equal(registrationRow(reg({ attempts: 2 })).stateText, 'pending · 2 attempts');
  assert.equal(registrationRow(reg()).cadence, '—');
  const periodic = registrationRow(reg({ kind: 'periodicsync', minInterval: HOUR, every: 24 * HOUR, engagement: 'high' }));
  assert.equal(periodic.cadence, 'every 1 d (asked 1 h; engagement high)');
  const suspended = registrationRow(reg({ kind: 'periodicsync', minInterval: HOUR, every: null, engagement: 'none' }));
  assert.equal(suspended.cadence, 'suspended (asked 1 h; engagement none)');
});

test('a periodic tag of an unengaged origin is suspended, though the host still sends its interval', () => {
  // panel_registrations always sends `every` for periodicsync: engagement "none" is what suspends it.
  const row = registrationRow(reg({ kind: 'periodicsync', minInterval: HOUR, every: 72 * HOUR, engagement: 'none' }));
  assert.equal(row.cadence, 'suspended (asked 1 h; engagement none)');
});

test('rows are keyed by the registration itself, not by the app the host matched to its origin', () => {
  const orphan = (scope) => reg({ app: null, appName: null, origin: 'https://gone.example', scope });
  assert.notEqual(registrationKey(orphan('https://gone.example/a/')), registrationKey(orphan('https://gone.example/b/')));
  const row = registrationRow(orphan('https://gone.example/a/'));
  assert.equal(row.canFire, false, 'panel_fire needs an app id');
  assert.equal(row.appName, 'No installed app');
  assert.equal(registrationRow(reg()).canFire, true);
});
