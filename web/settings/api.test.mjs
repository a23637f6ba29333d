// Unit tests of api.js: each method sends the contract's command with its exact arguments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createApi } from './api.js';

function recorder() {
  const calls = [];
  const api = createApi({
    invoke: async (cmd, args) => {
      calls.push([cmd, args]);
      return `answer of ${cmd}`;
    },
    listen: async (event, handler) => {
      calls.push(['listen', event, typeof handler]);
      return () => {};
    },
  });
  return { api, calls };
}

test('every command has the contract name and camelCase arguments', async () => {
  const { api, calls } = recorder();
  assert.equal(await api.state(), 'answer of panel_state');
  await api.appIcon('demo');
  await api.setPermission('demo', 'notifications', 'ask');
  await api.setPaused(true);
  await api.setAutostart(false);
  await api.setMeteredHold(true);
  await api.setNetwork('offline');
  await api.openApp('demo');
  await api.uninstall('demo', true);
  await api.install('https://app.example/');
  await api.registrations();
  await api.fire({ app: 'demo', tag: 'outbox', periodic: false, lastChance: true });
  await api.log();
  await api.log({ app: 'demo', service: 'sync' });
  await api.clearLog();
  await api.clearLog('demo');
  await api.saveLog({ app: null, service: 'periodicsync' });
  await api.onChanged(() => {});
  await api.onInstall(() => {});
  assert.deepEqual(calls, [
    ['panel_state', {}],
    ['panel_app_icon', { app: 'demo' }],
    ['panel_set_permission', { app: 'demo', permission: 'notifications', setting: 'ask' }],
    ['panel_set_paused', { paused: true }],
    ['panel_set_autostart', { enabled: false }],
    ['panel_set_metered_hold', { hold: true }],
    ['panel_set_network', { mode: 'offline' }],
    ['panel_open_app', { app: 'demo' }],
    ['panel_uninstall', { app: 'demo', deleteData: true }],
    ['panel_install', { url: 'https://app.example/' }],
    ['panel_registrations', {}],
    ['panel_fire', { app: 'demo', tag: 'outbox', periodic: false, lastChance: true }],
    ['panel_log', { app: null, service: null }],
    ['panel_log', { app: 'demo', service: 'sync' }],
    ['panel_clear_log', { app: null }],
    ['panel_clear_log', { app: 'demo' }],
    ['panel_save_log', { app: null, service: 'periodicsync' }],
    ['listen', 'settings:changed', 'function'],
    ['listen', 'settings:install', 'function'],
  ]);
});
