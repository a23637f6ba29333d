// Unit tests of format.js, in UTC and a fixed locale so the expected strings are exact.
process.env.TZ = 'UTC';

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatBytes, formatDuration, parseDuration, formatRelative, formatDate, formatDateTime, formatWhen,
  formatTimestamp,
} from './format.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

test('bytes in decimal units, one decimal below ten', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(999), '999 B');
  assert.equal(formatBytes(1000), '1.0 kB');
  assert.equal(formatBytes(1536), '1.5 kB');
  assert.equal(formatBytes(9_960), '10 kB');
  assert.equal(formatBytes(230_400), '230 kB');
  assert.equal(formatBytes(999_400), '999 kB');
  assert.equal(formatBytes(999_600), '1.0 MB');
  assert.equal(formatBytes(12_345_678), '12 MB');
  assert.equal(formatBytes(3.2e9), '3.2 GB');
  assert.equal(formatBytes(-1), '—');
  assert.equal(formatBytes(Number.NaN), '—');
});

test('durations: the largest unit and the next one', () => {
  assert.equal(formatDuration(0), '0 ms');
  assert.equal(formatDuration(500), '500 ms');
  assert.equal(formatDuration(1500), '1.5 s');
  assert.equal(formatDuration(6000), '6 s');
  assert.equal(formatDuration(5 * MIN), '5 min');
  assert.equal(formatDuration(90 * MIN), '1 h 30 min');
  assert.equal(formatDuration(12 * HOUR), '12 h');
  assert.equal(formatDuration(36 * HOUR), '1 d 12 h');
  assert.equal(formatDuration(DAY + 5 * MIN), '1 d', 'the third unit is dropped');
  assert.equal(formatDuration(3 * DAY, { long: true }), '3 days');
  assert.equal(formatDuration(DAY + HOUR, { long: true }), '1 day 1 hour');
  assert.equal(formatDuration(2 * MIN + 1000, { long: true }), '2 minutes 1 second');
  assert.equal(formatDuration(-5), '—');
  assert.equal(formatDuration(null), '—');
});

test('durations parse as the config file writes them', () => {
  assert.equal(parseDuration('3d'), 3 * DAY);
  assert.equal(parseDuration('90m'), 90 * MIN);
  assert.equal(parseDuration('12h'), 12 * HOUR);
  assert.equal(parseDuration('1500ms'), 1500);
  assert.equal(parseDuration(' 30 s '), 30_000);
  assert.equal(parseDuration('250'), 250);
  assert.equal(parseDuration('soon'), null);
  assert.equal(parseDuration(''), null);
  assert.equal(parseDuration('3w'), null);
});

test('relative times round to the unit a person reads', () => {
  const now = Date.UTC(2024, 2, 12, 12, 0, 0);
  assert.equal(formatRelative(now + 400, now), 'now');
  assert.equal(formatRelative(now + 35_000, now), 'in 35 s');
  assert.equal(formatRelative(now + 59_600, now), 'in 1 min');
  assert.equal(formatRelative(now + 4 * MIN + 10_000, now), 'in 4 min');
  assert.equal(formatRelative(now - 2 * MIN, now), '2 min ago');
  assert.equal(formatRelative(now + 2 * HOUR + 5 * MIN, now), 'in 2 h 5 min');
  assert.equal(formatRelative(now + 3 * DAY + 2 * HOUR, now), 'in 3 d 2 h');
});

test('dates and times in the given locale', () => {
  const at = Date.UTC(2024, 2, 12, 14, 5, 3, 7);
  assert.equal(formatDate(at, 'en-GB'), '12 Mar 2024');
  assert.equal(formatDateTime(at, 'en-GB'), '12 Mar 2024, 14:05');
  assert.equal(formatDate(undefined, 'en-GB'), '—');
  assert.equal(formatTimestamp(at), '2024-03-12 14:05:03.007');
});

test('when: relative within the hour, clock time within the day, else the date', () => {
  const now = Date.UTC(2024, 2, 12, 10, 0, 0);
  assert.equal(formatWhen(now + 4 * MIN, now, 'en-GB'), 'in 4 min');
  assert.equal(formatWhen(now - 10 * MIN, now, 'en-GB'), '10 min ago');
  assert.equal(formatWhen(now + 4 * HOUR + 5 * MIN, now, 'en-GB'), '14:05 (in 4 h 5 min)');
  assert.equal(formatWhen(now + 20 * HOUR, now, 'en-GB'), '13 Mar 2024, 06:00 (in 20 h)');
  assert.equal(formatWhen(now + 3 * DAY, now, 'en-GB'), '15 Mar 2024, 10:00');
  assert.equal(formatWhen(null, now, 'en-GB'), '—');
});
