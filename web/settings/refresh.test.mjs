// Unit tests of refresh.js: which tab re-reads what when the host says tables changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planRefresh, TAB_NAMES } from './refresh.js';

test('each table refreshes the tabs it feeds and only those', () => {
  assert.deepEqual(TAB_NAMES, ['apps', 'permissions', 'registrations', 'log', 'about']);
  assert.deepEqual(planRefresh(['background_log']), { state: [], own: ['log'] });
  assert.deepEqual(planRefresh(['network']), { state: ['about'], own: ['registrations'] });
  assert.deepEqual(planRefresh(['engagement']), { state: ['apps'], own: ['registrations'] });
  assert.deepEqual(planRefresh(['sync_registrations']), { state: [], own: ['registrations'] });
  assert.deepEqual(planRefresh(['site_settings']), { state: ['apps', 'permissions'], own: ['registrations'] });
  assert.deepEqual(planRefresh(['host_settings']), {
    state: ['permissions', 'registrations', 'log', 'about'],
    own: ['registrations'],
  });
  assert.deepEqual(planRefresh(['apps']), {
    state: ['apps', 'permissions', 'registrations', 'log', 'about'],
    own: ['registrations'],
  });
  assert.deepEqual(planRefresh(['notifications']), { state: [], own: [] });
  assert.deepEqual(planRefresh(undefined), { state: [], own: [] });
  assert.deepEqual(planRefresh(['background_log', 'site_settings']), {
    state: ['apps', 'permissions'],
    own: ['registrations', 'log'],
  });
});

test("an app window opening or closing re-reads the Apps tab's state only", () => {
  assert.deepEqual(planRefresh(['windows']), { state: ['apps'], own: [] });
});
