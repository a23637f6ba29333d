// Unit tests of apps-model.js: what an app's card shows beyond its raw fields.
process.env.TZ = 'UTC';

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appInitial, isSafeIconUrl, appDates, sortApps, engagementText, permissionSummary,
} from './apps-model.js';

test('the placeholder initial is the first character, upper-cased', () => {
  assert.equal(appInitial('  émile'), 'É');
  assert.equal(appInitial('😀 Smile'), '😀');
  assert.equal(appInitial(''), '?');
});

test('only PNG and SVG data URLs may become an <img>', () => {
  assert.equal(isSafeIconUrl('data:image/png;base64,iVBORw0KGgo='), true);
  assert.equal(isSafeIconUrl('data:image/svg+xml;base64,PHN2Zz48L3N2Zz4='), true);
  assert.equal(isSafeIconUrl('data:text/html;base64,PHNjcmlwdD4='), false);
  assert.equal(isSafeIconUrl('https://evil.example/track.png'), false);
  assert.equal(isSafeIconUrl('data:image/png;base64,abc"onerror'), false);
  assert.equal(isSafeIconUrl(null), false);
});

test('dates, engagement, permissions and order', () => {
  const at = Date.UTC(2024, 2, 12, 9);
  assert.equal(appDates({ installedAt: at, updatedAt: at }, 'en-GB'), '12 Mar 2024');
  assert.equal(appDates({ installedAt: at, updatedAt: at + 3600_000 }, 'en-GB'), '12 Mar 2024 · updated the same day');
  assert.equal(appDates({ installedAt: at, updatedAt: at + 2 * 86_400_000 }, 'en-GB'), '12 Mar 2024 · updated 14 Mar 2024');
  assert.equal(engagementText({ score: 6.4, level: 'low' }), 'low (score 6)');
  assert.equal(engagementText({ level: 'none' }), 'none');
  assert.equal(engagementText(null), '—');
  assert.equal(permissionSummary({ 'background-sync': 'allow', 'periodic-background-sync': 'block', notifications: 'ask' }),
    'Background sync allowed · Periodic sync blocked · Notifications: ask first');
  assert.deepEqual(sortApps([{ id: 'b', name: 'beta' }, { id: 'a', name: 'Alpha' }]).map((a) => a.id), ['a', 'b']);
});
