// Unit tests of controller.js with a fake api and fake tabs: the first load, what each change
// re-reads, hidden tabs' own queries deferred until shown, errors shown and cleared, readiness.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createController } from './controller.js';

const tick = async () => {
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
};

function fakeTab(name, log, { own = false } = {}) {
  const tab = {
    states: [],
    errors: [],
    ready: 0,
    active: false,
    failOwn: null,
    showState(state) {
      this.states.push(state);
    },
    setLoadError(source, error) {
      this.errors.push([source, error && error.message]);
    },
    markReady() {
      this.ready += 1;
    },
    activate() {
      this.active = true;
    },
    deactivate() {
      this.active = false;
    },
  };
  if (own) {
    tab.refresh = async () => {
      log.push(`refresh ${name}`);
      if (tab.failOwn) throw tab.failOwn;
    };
  }
  return tab;
}

function world({ visible = 'apps' } = {}) {
  const log = [];
  let version = 0;
  let failState = null;
  let handler = null;
  let gate = null;
  const api = {
    async state() {
      log.push('state');
      await gate;
      if (failState) throw failState;
      version += 1;
      return { version };
    },
    async onChanged(h) {
      handler = h;
      return () => log.push('unlisten');
    },
  };
  const tabs = {
    apps: fakeTab('apps', log),
    permissions: fakeTab('permissions', log),
    registrations: fakeTab('registrations', log, { own: true }),
    log: fakeTab('log', log, { own: true }),
    about: fakeTab('about', log),
  };
  const shown = { name: visible };
  const controller = createController({ api, tabs, isVisible: (name) => name === shown.name });
  return {
    log, tabs, controller, shown,
    emit: (tables) => handler({ tables }),
    failState: (error) => {
      failState = error;
    },
    holdState: () => {
      let release;
      gate = new Promise((resolve) => {
        release = resolve;
      });
      return () => {
        gate = null;
        release();
      };
    },
  };
}

test('the first load reads the state once, runs each own query, and marks every tab ready', async () => {
  const w = world();
  const { unlisten, liveError } = await w.controller.start();
  assert.equal(liveError, null);
  assert.equal(typeof unlisten, 'function');
  assert.deepEqual(w.log.sort(), ['refresh log', 'refresh registrations', 'state']);
  for (const tab of Object.values(w.tabs)) {
    assert.deepEqual(tab.states, [{ version: 1 }]);
    assert.equal(tab.ready, 1);
  }
});

test('a change re-reads only what the changed tables feed', async () => {
  const w = world({ visible: 'log' });
  await w.controller.start();
  w.log.length = 0;

  w.emit(['background_log']);
  await tick();
  assert.deepEqual(w.log, ['refresh log']);

  w.log.length = 0;
  w.emit(['network']);
  await tick();
  assert.deepEqual(w.log, ['state'], 'the hidden registrations tab is not re-read yet');
  assert.equal(w.tabs.about.states.length, 2);
  assert.equal(w.tabs.apps.states.length, 1, 'the apps tab does not show the network');

  w.log.length = 0;
  w.shown.name = 'registrations';
  w.controller.shown('registrations');
  await tick();
  assert.deepEqual(w.log, ['refresh registrations'], 'shown, the stale tab re-reads');
  assert.equal(w.tabs.registrations.active, true);
  assert.equal(w.tabs.log.active, false);

  w.log.length = 0;
  w.controller.shown('log');
  await tick();
  assert.deepEqual(w.log, [], 'a tab that missed nothing is not re-read');
  assert.equal(Object.values(w.tabs).reduce((n, tab) => n + tab.ready, 0), 5, 'ready is marked once');
});

test('changes arriving together share one state read; one during a read queues one more', async () => {
  const w = world();
  await w.controller.start();
  w.log.length = 0;
  w.emit(['apps']);
  w.emit(['site_settings']);
  await tick();
  assert.deepEqual(w.log, ['state']);
  assert.equal(w.tabs.permissions.states.at(-1).version, 2);

  w.log.length = 0;
  const release = w.holdState();
  w.emit(['network']);
  await tick();
  w.emit(['apps']);
  w.emit(['engagement']);
  release();
  await tick();
  assert.deepEqual(w.log, ['state', 'state'], 'the running read and one more');
  assert.equal(w.tabs.about.states.at(-1).version, 4);
  assert.equal(w.tabs.apps.states.at(-1).version, 4);
  assert.equal(w.tabs.apps.states.length, 3, 'the network read did not go to the apps tab');
});

test('a failed load is shown in its tabs, keeps them unready, and the next success clears it', async () => {
  const w = world({ visible: 'registrations' });
  w.failState({ kind: 'store', message: 'database is locked' });
  w.tabs.registrations.failOwn = { kind: 'store', message: 'no registrations table' };
  await w.controller.start();
  assert.deepEqual(w.tabs.apps.errors, [['state', 'database is locked']]);
  assert.deepEqual(w.tabs.registrations.errors.sort(), [['own', 'no registrations table'], ['state', 'database is locked']]);
  assert.equal(w.tabs.apps.ready, 0);
  assert.equal(w.tabs.log.ready, 0);

  w.failState(null);
  w.tabs.registrations.failOwn = null;
  w.emit(['site_settings']);
  await tick();
  await tick();
  const lastError = (tab, source) => tab.errors.filter(([s]) => s === source).at(-1)[1];
  assert.equal(lastError(w.tabs.apps, 'state'), null);
  assert.equal(w.tabs.apps.ready, 1);
  assert.equal(lastError(w.tabs.registrations, 'own'), null);
  assert.equal(lastError(w.tabs.registrations, 'state'), null);
  assert.equal(w.tabs.registrations.ready, 1, 'a tab that missed the state gets the next read');
  assert.equal(w.tabs.about.ready, 1);
  assert.equal(w.tabs.log.ready, 1);
});

test('an action re-reads the state for every tab and learns of a failure', async () => {
  const w = world();
  await w.controller.start();
  assert.deepEqual(await w.controller.reloadState(), { version: 2 });
  for (const tab of Object.values(w.tabs)) assert.equal(tab.states.length, 2);
  w.failState({ kind: 'store', message: 'gone' });
  await assert.rejects(w.controller.reloadState(), { message: 'gone' });
});

test('a tab that throws while rendering shows why, and the others still render', async () => {
  const w = world();
  w.tabs.permissions.showState = () => {
    throw new TypeError('x is undefined');
  };
  await w.controller.start();
  assert.deepEqual(w.tabs.permissions.errors, [['state', 'The panel failed to show this: x is undefined']]);
  assert.equal(w.tabs.permissions.ready, 0);
  assert.equal(w.tabs.about.ready, 1);
});

test('a refused listen is reported and the tabs still load', async () => {
  const w = world();
  w.tabs.apps.showState({ version: 0 });
  const controller = createController({
    api: {
      state: async () => ({ version: 9 }),
      onChanged: async () => {
        throw { kind: 'forbidden', message: 'not allowed' };
      },
    },
    tabs: { apps: w.tabs.apps },
    isVisible: () => true,
  });
  const { liveError } = await controller.start();
  assert.deepEqual(liveError, { kind: 'forbidden', message: 'not allowed' });
  assert.deepEqual(w.tabs.apps.states.at(-1), { version: 9 });
});

test('a tab whose own query failed reads again when it is shown, without waiting for a change', async () => {
  const w = world({ visible: 'apps' });
  w.tabs.log.failOwn = { kind: 'io', message: 'busy' };
  await w.controller.start();
  assert.equal(w.tabs.log.ready, 0);
  w.tabs.log.failOwn = null;
  w.log.length = 0;
  w.shown.name = 'log';
  w.controller.shown('log');
  await tick();
  assert.deepEqual(w.log, ['refresh log']);
  assert.equal(w.tabs.log.ready, 1);
});
