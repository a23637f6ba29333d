// Unit tests of the page bridge (page.js), run in a VM context with stand-ins for the window globals it
// uses: ServiceWorkerRegistration, Navigator and navigator (serviceWorker, permissions), location,
// reportError and the Tauri IPC internals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import { bridgeSource } from './source.mjs';
import { bridgeState, plain, settle } from './harness.mjs';

const source = bridgeSource('page.js');
const SCOPE = 'https://app.example/';
const PAGE_URL = 'https://app.example/app/inbox?folder=1';

// `hostState` answers 'bridge_state' (kept out of `calls`, in `stateCalls`, since every page asks once at
// startup); `initialState` is declared as SYNCSHELL_INITIAL_STATE by the wrapper, as the host does.
function makeWorld({
  globals = {}, permissions = true, timers = { setTimeout, clearTimeout }, tauri = true,
  initialState, hostState = null, nativeConnection = false,
} = {}) {
  const calls = [];
  const reported = [];
  const stateCalls = [];
  const nativeQueries = [];
  const registrations = [];
  let host = () => null;
  let stateAnswer = () => hostState;

  class ServiceWorkerRegistration {
    constructor(scope, active) {
      this.scope = scope;
      this.active = active;
    }
  }
  class Navigator {}
  if (nativeConnection) {
    Object.defineProperty(Navigator.prototype, 'connection', { get: () => 'native', enumerable: true, configurable: true });
  }
  const navigator = new Navigator();
  navigator.serviceWorker = {
    controller: null,
    // Like the real one: the registration whose scope is the longest prefix of the URL.
    async getRegistration(url) {
      const matches = registrations.filter((r) => url.startsWith(r.scope));
      matches.sort((a, b) => b.scope.length - a.scope.length);
      return matches[0];
    },
    async getRegistrations() {
      return [...registrations];
    },
  };
  if (permissions) {
    class Permissions {
      query(descriptor) {
        nativeQueries.push({ receiver: this, descriptor });
        return Promise.resolve({ name: descriptor.name, state: 'from-native' });
      }
    }
    navigator.permissions = new Permissions();
  }
  const originalQuery = navigator.permissions && navigator.permissions.query;

  const context = vm.createContext({
    DOMException, MessageChannel, EventTarget, Event, URL, console, Navigator, navigator, ServiceWorkerRegistration,
    location: { href: PAGE_URL }, reportError: (error) => reported.push(error), ...timers, ...globals,
  });
  vm.runInContext('globalThis.window = globalThis; globalThis.self = globalThis;', context);
  const text = initialState === undefined ? source : bridgeSource('page.js', { initialState });
  const load = () => vm.runInContext(text, context, { filename: 'page.js' });
  load();
  // Defined after the bridge ran, as Tauri may do: the bridge must look invoke up at call time.
  if (tauri) {
    context.__TAURI_INTERNALS__ = {
      invoke(cmd, args) {
        if (cmd === 'bridge_state') {
          stateCalls.push(args);
          return stateAnswer();
        }
        calls.push({ cmd, args });
        return host(cmd, args);
      },
    };
  }
  return {
    context,
    calls,
    reported,
    stateCalls,
    load,
    navigator,
    Navigator,
    nativeQueries,
    originalQuery,
    ServiceWorkerRegistration,
    run: (code) => vm.runInContext(code, context),
    setHost(fn) {
      host = fn;
    },
    setStateAnswer(fn) {
      stateAnswer = fn;
    },
    push: (state) => context.__syncshellStateChanged(state),
    registration(scope = SCOPE, active = { postMessage() {} }) {
      const registration = new ServiceWorkerRegistration(scope, active);
      registrations.push(registration);
      return registration;
    },
  };
}

async function rejectsWithDOMException(promise, name, message) {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof DOMException, `expected a DOMException, got ${error}`);
    assert.equal(error.name, name);
    if (message !== undefined) assert.equal(error.message, message);
    return true;
  });
}

async function rejectsWithTypeError(promise, pattern) {
  await assert.rejects(promise, (error) => {
    assert.equal(error.name, 'TypeError');
    assert.equal(error instanceof DOMException, false);
    if (pattern) assert.match(error.message, pattern);
    return true;
  });
}

test('feature detection looks like Chromium', () => {
  const world = makeWorld();
  const reg = world.registration();
  world.context.reg = reg;
  assert.equal(world.run("'sync' in reg && 'periodicSync' in reg"), true);
  assert.equal(world.run("'SyncManager' in window && 'PeriodicSyncManager' in window"), true);
  assert.equal(world.run('Object.prototype.toString.call(reg.sync)'), '[object SyncManager]');
  assert.equal(world.run('Object.prototype.toString.call(reg.periodicSync)'), '[object PeriodicSyncManager]');
  assert.equal(world.run('reg.sync instanceof SyncManager && reg.periodicSync instanceof PeriodicSyncManager'), true);
  // One cached manager per registration object.
  assert.equal(reg.sync, reg.sync);
  assert.equal(reg.periodicSync, reg.periodicSync);
  assert.notEqual(reg.sync, world.registration('https://app.example/other/').sync);
  // Getters on the prototype, methods on the manager prototypes, nothing own on the instances.
  const getter = Object.getOwnPropertyDescriptor(world.ServiceWorkerRegistration.prototype, 'sync');
  assert.equal(typeof getter.get, 'function');
  assert.deepEqual(Object.keys(reg), ['scope', 'active']);
  assert.deepEqual(Object.getOwnPropertyNames(reg.sync), []);
  assert.equal(world.run("typeof SyncManager.prototype.register + typeof SyncManager.prototype.getTags"), 'functionfunction');
  assert.equal(world.run("['register', 'getTags', 'unregister'].every((m) => typeof PeriodicSyncManager.prototype[m] === 'function')"), true);
  // The globals are there for detection but not enumerable, like interface objects.
  assert.equal(world.run("Object.keys(window).includes('SyncManager')"), false);
  assert.throws(() => getter.get.call({}), (error) => error.name === 'TypeError' && error.message === 'Illegal invocation');
});

test('the manager constructors are illegal for apps', () => {
  const world = makeWorld();
  for (const name of ['SyncManager', 'PeriodicSyncManager']) {
    assert.throws(() => world.run(`new ${name}()`), (error) => error.name === 'TypeError' && error.message === 'Illegal constructor');
  }
});

test('the shared API (sync-api.js) leaves no global behind', () => {
  const world = makeWorld();
  assert.equal(world.run('typeof syncshellSyncApi'), 'undefined');
  assert.deepEqual(plain(world.run('Object.keys(globalThis).filter((k) => /syncshell/i.test(k))')), []);
});

test('installs once per realm, marked by a non-enumerable symbol', () => {
  const world = makeWorld();
  const before = {
    SyncManager: world.run('SyncManager'),
    getter: Object.getOwnPropertyDescriptor(world.ServiceWorkerRegistration.prototype, 'sync').get,
    query: world.navigator.permissions.query,
  };
  const marker = world.run("Object.getOwnPropertyDescriptor(window, Symbol.for('syncshell.bridge'))");
  assert.equal(marker.enumerable, false);
  world.load();
  assert.equal(world.run('SyncManager'), before.SyncManager);
  assert.equal(Object.getOwnPropertyDescriptor(world.ServiceWorkerRegistration.prototype, 'sync').get, before.getter);
  assert.equal(world.navigator.permissions.query, before.query);
});

test('does nothing when the marker is already there', () => {
  const world = makeWorld({ globals: { [Symbol.for('syncshell.bridge')]: true } });
  assert.equal(world.run("'SyncManager' in window || '__syncshellDispatch' in window || '__syncshellStateChanged' in window"), false);
  assert.equal(world.run("'Notification' in window || '__syncshellNotificationEvent' in window"), false);
  assert.equal('sync' in world.ServiceWorkerRegistration.prototype, false);
  assert.equal('connection' in world.Navigator.prototype, false);
});

test('does nothing at all over a native SyncManager', async () => {
  function SyncManager() {}
  const world = makeWorld({ globals: { SyncManager } });
  assert.equal(world.run('SyncManager'), SyncManager);
  assert.equal('sync' in world.ServiceWorkerRegistration.prototype, false);
  assert.equal(world.run("'PeriodicSyncManager' in window || '__syncshellDispatch' in window || 'NetworkInformation' in window"), false);
  assert.equal(world.run("Symbol.for('syncshell.bridge') in window"), false);
  assert.equal(world.navigator.permissions.query, world.originalQuery);
  assert.equal('connection' in world.Navigator.prototype, false);
  await settle();
  assert.deepEqual(world.stateCalls, []);
});

test('sync.register invokes sync_register with exactly {scope, tag}', async () => {
  const world = makeWorld();
  const reg = world.registration();
  assert.equal(await reg.sync.register('outbox'), undefined);
  assert.equal(await reg.sync.register(42), undefined);
  assert.deepEqual(plain(world.calls), [
    { cmd: 'sync_register', args: { scope: SCOPE, tag: 'outbox' } },
    { cmd: 'sync_register', args: { scope: SCOPE, tag: '42' } },
  ]);
  assert.deepEqual(Object.keys(world.calls[0].args), ['scope', 'tag']);
});

test('sync.register checks its argument and the active worker before calling the host', async () => {
  const world = makeWorld();
  const reg = world.registration();
  await rejectsWithTypeError(reg.sync.register(), /1 argument required/);
  await rejectsWithTypeError(reg.sync.register(Symbol('x')));
  const installing = world.registration('https://app.example/installing/', null);
  await rejectsWithDOMException(installing.sync.register('x'), 'InvalidStateError', 'Registration failed - no active Service Worker');
  await rejectsWithDOMException(installing.periodicSync.register('x'), 'InvalidStateError', 'Registration failed - no active Service Worker');
  await rejectsWithTypeError(world.run('SyncManager.prototype.register.call({}, "x")'), /Illegal invocation/);
  assert.deepEqual(world.calls, []);
});

test('tags longer than 10240 characters are refused without calling the host', async () => {
  const world = makeWorld();
  const reg = world.registration();
  await reg.sync.register('a'.repeat(10240));
  assert.equal(world.calls.length, 1);
  await rejectsWithDOMException(reg.sync.register('a'.repeat(10241)), 'InvalidAccessError');
  await rejectsWithDOMException(reg.periodicSync.register('a'.repeat(10241)), 'InvalidAccessError');
  assert.equal(world.calls.length, 1);
});

test('host errors become DOMExceptions with the given name', async () => {
  const world = makeWorld();
  const reg = world.registration();
  const cases = [
    [{ name: 'NotAllowedError', message: 'Permission denied.' }, 'NotAllowedError', 'Permission denied.'],
    [{ name: 'UnknownError', message: 'Background Sync is disabled.' }, 'UnknownError', 'Background Sync is disabled.'],
    [{ name: 'QuotaExceededError', message: 'Too many registrations for this origin.' }, 'QuotaExceededError', 'Too many registrations for this origin.'],
    [{ name: 'InvalidAccessError', message: 'tag too long' }, 'InvalidAccessError', 'tag too long'],
    [{ name: 'NoSuchError', message: 'a name that is not a DOMException' }, 'UnknownError', 'a name that is not a DOMException'],
    ['database is locked', 'UnknownError', 'database is locked'],
    // A string is never parsed for a name: it is a transport failure's text.
    ['NotAllowedError: Permission denied.', 'UnknownError', 'NotAllowedError: Permission denied.'],
    ['TypeError: not a DOMException name', 'UnknownError', 'TypeError: not a DOMException name'],
    [new Error('boom'), 'UnknownError', 'Error: boom'],
  ];
  for (const [rejection, name, message] of cases) {
    world.setHost(() => Promise.reject(rejection));
    await rejectsWithDOMException(reg.sync.register('t'), name, message);
    await rejectsWithDOMException(reg.periodicSync.getTags(), name, message);
  }
  // An invoke that throws instead of rejecting is mapped the same way.
  world.setHost(() => {
    throw { name: 'NotAllowedError', message: 'Permission denied.' };
  });
  await rejectsWithDOMException(reg.sync.getTags(), 'NotAllowedError', 'Permission denied.');
  // The host's TypeError (an argument it refused) is a TypeError, as the spec's argument errors are.
  world.setHost(() => Promise.reject({ name: 'TypeError', message: 'minInterval must be a non-negative number' }));
  await assert.rejects(reg.sync.getTags(), (e) => e.name === 'TypeError' && !(e instanceof DOMException) && e.message === 'minInterval must be a non-negative number');
});

test('without the Tauri internals the API reports itself disabled', async () => {
  const world = makeWorld({ tauri: false });
  const reg = world.registration();
  await rejectsWithDOMException(reg.sync.register('t'), 'UnknownError', 'Background Sync is disabled.');
  await rejectsWithDOMException(reg.sync.getTags(), 'UnknownError', 'Background Sync is disabled.');
});

test('getTags answers the host list through sync_get_tags and periodic_get_tags', async () => {
  const world = makeWorld();
  const reg = world.registration();
  world.setHost((cmd) => (cmd === 'sync_get_tags' ? ['outbox', 'likes'] : ['news']));
  assert.deepEqual([...(await reg.sync.getTags())], ['outbox', 'likes']);
  assert.deepEqual([...(await reg.periodicSync.getTags())], ['news']);
  assert.deepEqual(plain(world.calls), [
    { cmd: 'sync_get_tags', args: { scope: SCOPE } },
    { cmd: 'periodic_get_tags', args: { scope: SCOPE } },
  ]);
});

test('periodicSync.register sends minInterval, defaulting to 0 and converted with Number', async () => {
  const world = makeWorld();
  const reg = world.registration();
  await reg.periodicSync.register('news');
  await reg.periodicSync.register('news', { minInterval: 86400000 });
  await reg.periodicSync.register('news', { minInterval: '1000' });
  await reg.periodicSync.register('news', {});
  assert.deepEqual(plain(world.calls), [
    { cmd: 'periodic_register', args: { scope: SCOPE, tag: 'news', minInterval: 0 } },
    { cmd: 'periodic_register', args: { scope: SCOPE, tag: 'news', minInterval: 86400000 } },
    { cmd: 'periodic_register', args: { scope: SCOPE, tag: 'news', minInterval: 1000 } },
    { cmd: 'periodic_register', args: { scope: SCOPE, tag: 'news', minInterval: 0 } },
  ]);
  assert.deepEqual(Object.keys(world.calls[0].args), ['scope', 'tag', 'minInterval']);
  for (const bad of [NaN, -1, 'soon']) {
    await rejectsWithTypeError(reg.periodicSync.register('news', { minInterval: bad }), /minInterval/);
  }
  await rejectsWithTypeError(reg.periodicSync.register());
  assert.equal(world.calls.length, 4);
});

test('periodic getTags and unregister without an active worker resolve without the host', async () => {
  const world = makeWorld();
  const installing = world.registration(SCOPE, null);
  assert.deepEqual([...(await installing.periodicSync.getTags())], []);
  assert.equal(await installing.periodicSync.unregister('news'), undefined);
  assert.deepEqual(world.calls, []);
  const active = world.registration('https://app.example/active/');
  assert.equal(await active.periodicSync.unregister('news'), undefined);
  assert.deepEqual(plain(world.calls), [{ cmd: 'periodic_unregister', args: { scope: 'https://app.example/active/', tag: 'news' } }]);
  await rejectsWithTypeError(active.periodicSync.unregister());
});

test('permissions.query answers the three host names from the host, as PermissionStatus EventTargets', async () => {
  const world = makeWorld();
  const answers = { 'background-sync': 'granted', 'periodic-background-sync': 'denied', notifications: 'prompt' };
  world.setHost((cmd, args) => answers[args.name]);
  for (const name of Object.keys(answers)) {
    const status = await world.navigator.permissions.query({ name });
    assert.equal(status.name, name);
    assert.equal(status.state, answers[name]);
    assert.equal(status.onchange, null);
    assert.ok(status instanceof EventTarget, 'a real EventTarget');
    assert.equal(Object.prototype.toString.call(status), '[object PermissionStatus]');
    // Read-only attributes: getters on the prototype, nothing own on the object.
    assert.deepEqual(Object.keys(status), []);
    assert.throws(() => {
      status.state = 'granted';
    }, TypeError);
    assert.equal(status.state, answers[name]);
  }
  assert.deepEqual(plain(world.calls), Object.keys(answers).map((name) => ({ cmd: 'permission_state', args: { name } })));
  assert.deepEqual(world.nativeQueries, []);
  const status = await world.navigator.permissions.query({ name: 'notifications' });
  const proto = Object.getPrototypeOf(status);
  for (const key of ['name', 'state', 'onchange']) assert.equal(Object.getOwnPropertyDescriptor(proto, key).enumerable, true, key);
  assert.throws(() => Object.getOwnPropertyDescriptor(proto, 'state').get.call({}), (e) => e.name === 'TypeError' && e.message === 'Illegal invocation');
  assert.throws(() => new status.constructor(), (e) => e.name === 'TypeError' && e.message === 'Illegal constructor');
  world.setHost(() => 'maybe');
  await rejectsWithDOMException(world.navigator.permissions.query({ name: 'background-sync' }), 'UnknownError');
});

test('permissions.query passes other names to the original query unchanged', async () => {
  const world = makeWorld();
  const descriptor = { name: 'geolocation' };
  const status = await world.navigator.permissions.query(descriptor);
  assert.deepEqual(status, { name: 'geolocation', state: 'from-native' });
  assert.equal(world.nativeQueries.length, 1);
  assert.equal(world.nativeQueries[0].descriptor, descriptor);
  assert.equal(world.nativeQueries[0].receiver, world.navigator.permissions);
  assert.deepEqual(world.calls, []);
  // Wrapped where it was defined: on the prototype, not as a new own property.
  assert.equal(Object.hasOwn(world.navigator.permissions, 'query'), false);
});

test("a missing navigator.permissions is created for the host's three names only", async () => {
  const world = makeWorld({ permissions: false });
  world.setHost(() => 'prompt');
  const status = await world.navigator.permissions.query({ name: 'notifications' });
  assert.equal(status.state, 'prompt');
  assert.equal(status.name, 'notifications');
  assert.ok(status instanceof EventTarget);
  await rejectsWithTypeError(world.navigator.permissions.query({ name: 'geolocation' }), /geolocation/);
  assert.deepEqual(plain(world.calls), [{ cmd: 'permission_state', args: { name: 'notifications' } }]);
});

test('a pushed state fires change at every live status whose state it changes, and only then', async () => {
  const world = makeWorld();
  world.setHost((cmd, args) => (args.name === 'notifications' ? 'prompt' : 'granted'));
  const first = await world.navigator.permissions.query({ name: 'notifications' });
  const second = await world.navigator.permissions.query({ name: 'notifications' });
  const sync = await world.navigator.permissions.query({ name: 'background-sync' });
  const seen = [];
  first.onchange = function (event) {
    seen.push(['first onchange', event.type, this === first, first.state]);
  };
  first.addEventListener('change', (event) => seen.push(['first listener', event.type, event.target === first]));
  second.addEventListener('change', () => seen.push(['second listener', second.state]));
  sync.addEventListener('change', () => seen.push(['sync', sync.state]));

  world.push(bridgeState({ permissions: { notifications: 'prompt', 'background-sync': 'granted' } }));
  assert.deepEqual(seen, [], 'nothing differs from what the statuses hold');

  world.push(bridgeState({ permissions: { notifications: 'granted', 'background-sync': 'granted' } }));
  assert.deepEqual(seen, [
    ['first onchange', 'change', true, 'granted'],
    ['first listener', 'change', true],
    ['second listener', 'granted'],
  ]);
  assert.equal(first.state, 'granted');
  assert.equal(sync.state, 'granted');

  seen.length = 0;
  world.push({ permissions: { 'background-sync': 'denied' } });
  world.push({ permissions: { 'background-sync': 'denied' } });
  assert.deepEqual(seen, [['sync', 'denied']]);
  assert.equal(first.state, 'granted', 'a partial state leaves the other permissions as they are');
});

test('onchange works as an event handler attribute', async () => {
  const world = makeWorld();
  let state = 'prompt';
  world.setHost(() => state);
  const status = await world.navigator.permissions.query({ name: 'notifications' });
  const seen = [];
  const a = () => seen.push('a');
  const b = () => seen.push('b');
  status.onchange = a;
  assert.equal(status.onchange, a);
  status.addEventListener('change', () => seen.push('listener'));
  status.onchange = b; // replaced in place: still before the listener
  assert.equal(status.onchange, b);
  state = 'granted';
  world.push({ permissions: { notifications: 'granted' } });
  assert.deepEqual(seen, ['b', 'listener']);
  status.onchange = null;
  assert.equal(status.onchange, null);
  world.push({ permissions: { notifications: 'denied' } });
  assert.deepEqual(seen, ['b', 'listener', 'listener']);
  status.onchange = 'not a function';
  assert.equal(status.onchange, null);
});

test('a state pushed while the host answers a query is the one the status takes', async () => {
  const world = makeWorld();
  let answer;
  world.setHost(() => new Promise((resolve) => {
    answer = resolve;
  }));
  const pending = world.navigator.permissions.query({ name: 'notifications' });
  await settle();
  world.push({ permissions: { notifications: 'granted' } });
  answer('prompt'); // the host looked before it changed
  assert.equal((await pending).state, 'granted');
});

test('navigator.connection is one NetworkInformation per realm, unknown until the host says', () => {
  const world = makeWorld({ tauri: false });
  const getter = Object.getOwnPropertyDescriptor(world.Navigator.prototype, 'connection');
  assert.equal(typeof getter.get, 'function');
  assert.equal(getter.set, undefined);
  assert.equal(getter.enumerable, true);
  assert.equal(getter.configurable, true);
  assert.equal(Object.hasOwn(world.navigator, 'connection'), false);
  const connection = world.navigator.connection;
  assert.equal(connection, world.navigator.connection);
  assert.equal(connection.type, 'unknown');
  assert.equal(connection.saveData, false);
  assert.equal(connection.onchange, null);
  assert.ok(connection instanceof EventTarget);
  assert.equal(world.run('navigator.connection instanceof NetworkInformation'), true);
  assert.equal(Object.prototype.toString.call(connection), '[object NetworkInformation]');
  assert.deepEqual(Object.keys(connection), []);
  const proto = world.run('NetworkInformation.prototype');
  for (const key of ['type', 'saveData', 'onchange']) assert.equal(Object.getOwnPropertyDescriptor(proto, key).enumerable, true, key);
  assert.throws(() => getter.get.call({}), (e) => e.name === 'TypeError' && e.message === 'Illegal invocation');
  assert.throws(() => Object.getOwnPropertyDescriptor(proto, 'type').get.call({}), (e) => e.message === 'Illegal invocation');
  assert.equal(world.run("Object.getOwnPropertyDescriptor(window, 'NetworkInformation').enumerable"), false);
});

test('the NetworkInformation constructor is illegal for apps', () => {
  const world = makeWorld();
  assert.throws(() => world.run('new NetworkInformation()'), (e) => e.name === 'TypeError' && e.message === 'Illegal constructor');
  assert.throws(() => world.run('NetworkInformation()'), (e) => e.name === 'TypeError');
  assert.throws(() => world.run('new navigator.connection.constructor()'), (e) => e.message === 'Illegal constructor');
});

test('navigator.connection is not installed over a native one', () => {
  const world = makeWorld({ nativeConnection: true });
  assert.equal(world.navigator.connection, 'native');
  assert.equal(world.run("'NetworkInformation' in window"), false);
  // The rest of the bridge is still there.
  assert.equal(world.run("typeof __syncshellStateChanged + typeof SyncManager"), 'functionfunction');
  assert.doesNotThrow(() => world.push(bridgeState()));
});

test('SYNCSHELL_INITIAL_STATE is applied synchronously at startup', () => {
  const world = makeWorld({
    tauri: false,
    initialState: bridgeState({ connection: { type: 'cellular', saveData: true } }),
  });
  assert.equal(world.navigator.connection.type, 'cellular');
  assert.equal(world.navigator.connection.saveData, true);
  assert.equal(world.run("typeof SYNCSHELL_INITIAL_STATE"), 'undefined', 'the declaration stays in the wrapper');
});

test("the page asks for 'bridge_state' once at startup and applies the answer", async () => {
  const world = makeWorld({
    initialState: bridgeState({ connection: { type: 'wifi', saveData: false } }),
    hostState: bridgeState({ connection: { type: 'ethernet', saveData: true } }),
  });
  const connection = world.navigator.connection;
  assert.equal(connection.type, 'wifi');
  let changes = 0;
  connection.onchange = () => {
    changes += 1;
  };
  await settle();
  assert.deepEqual(plain(world.stateCalls), [{}]);
  assert.equal(connection.type, 'ethernet');
  assert.equal(connection.saveData, true);
  assert.equal(changes, 1, 'one change event for two changed fields');
  assert.deepEqual(world.calls, []);
});

test("a failing 'bridge_state' is ignored, and a stale answer does not undo a push", async () => {
  const failing = makeWorld({ initialState: bridgeState({ connection: { type: 'none' } }) });
  failing.setStateAnswer(() => Promise.reject({ name: 'UnknownError', message: 'no state' }));
  await settle();
  assert.equal(failing.stateCalls.length, 1);
  assert.equal(failing.navigator.connection.type, 'none');

  const racing = makeWorld();
  let answer;
  racing.setStateAnswer(() => new Promise((resolve) => {
    answer = resolve;
  }));
  await settle();
  racing.push({ connection: { type: 'cellular', saveData: true } });
  answer(bridgeState({ connection: { type: 'wifi', saveData: false } }));
  await settle();
  assert.equal(racing.navigator.connection.type, 'cellular');
  assert.equal(racing.navigator.connection.saveData, true);
});

test('a push changes navigator.connection and fires change once per actual change', () => {
  const world = makeWorld({ tauri: false, initialState: bridgeState() });
  const connection = world.navigator.connection;
  const seen = [];
  connection.onchange = (event) => seen.push(['onchange', event.type, connection.type, connection.saveData]);
  connection.addEventListener('change', () => seen.push(['listener']));
  world.push(bridgeState()); // the same: nothing
  world.push({ connection: { saveData: true } });
  world.push({ connection: { type: 'cellular', saveData: true } });
  world.push({ connection: { type: 'cellular' } }); // the same again
  world.push({ permissions: { notifications: 'granted' } }); // not about the connection
  assert.deepEqual(seen, [
    ['onchange', 'change', 'wifi', true],
    ['listener'],
    ['onchange', 'change', 'cellular', true],
    ['listener'],
  ]);
});

test('invalid pushed values are ignored field by field, and the push never throws', async () => {
  const world = makeWorld({ tauri: false, initialState: bridgeState() });
  world.setHost((cmd, args) => (args.name === 'notifications' ? 'prompt' : 'granted'));
  const connection = world.navigator.connection;
  let changes = 0;
  connection.onchange = () => {
    changes += 1;
  };
  const throwing = { get type() { throw new Error('getter'); }, saveData: true };
  const pushes = [
    undefined, null, 42, 'wifi', [], {},
    { connection: { type: 'satellite', saveData: 'yes' } },
    { connection: { type: 'WIFI', saveData: 1 } },
    { connection: null, permissions: 'granted' },
    { connection: throwing }, // saveData still counts
    { permissions: { 'background-sync': 'prompt', notifications: 'maybe', geolocation: 'granted' } },
    new Proxy({}, { get() { throw new Error('trap'); } }),
  ];
  for (const state of pushes) assert.doesNotThrow(() => world.push(state));
  assert.equal(connection.type, 'wifi');
  assert.equal(connection.saveData, true);
  assert.equal(changes, 1);
  world.context.__TAURI_INTERNALS__ = { invoke: (cmd, args) => (args.name === 'background-sync' ? 'granted' : 'prompt') };
  const sync = await world.navigator.permissions.query({ name: 'background-sync' });
  let syncChanges = 0;
  sync.onchange = () => {
    syncChanges += 1;
  };
  // 'prompt' is not a state of the sync permissions in a bridge state.
  world.push({ permissions: { 'background-sync': 'prompt' } });
  assert.equal(sync.state, 'granted');
  assert.equal(syncChanges, 0);
  // Unknown fields beside valid ones are ignored, the valid ones taken.
  world.push({ permissions: { 'background-sync': 'denied' }, extra: { anything: true } });
  assert.equal(sync.state, 'denied');
  assert.equal(syncChanges, 1);
});

test('__syncshellStateChanged is a fixed, hidden entry point', () => {
  const world = makeWorld();
  const descriptor = world.run("Object.getOwnPropertyDescriptor(window, '__syncshellStateChanged')");
  assert.equal(typeof descriptor.value, 'function');
  assert.equal(descriptor.writable, false);
  assert.equal(descriptor.enumerable, false);
  assert.equal(descriptor.configurable, false);
  assert.equal(world.push(bridgeState()), undefined);
});

// Records what the page posts to a service worker (no port: the state needs no answer).
function stateRecorder() {
  const posted = [];
  return { posted, postMessage: (data, transfer) => posted.push({ data, transfer }) };
}

test("a push is relayed to the page's service workers, each once", async () => {
  const world = makeWorld({ tauri: false });
  const controlling = stateRecorder();
  const other = stateRecorder();
  world.navigator.serviceWorker.controller = controlling;
  world.registration(SCOPE, controlling);
  world.registration('https://app.example/other/', other);
  world.registration('https://app.example/installing/', null);
  world.push({ connection: { type: 'none', saveData: 'bad' }, unknown: 1 });
  await settle();
  for (const worker of [controlling, other]) {
    assert.equal(worker.posted.length, 1);
    // Only the valid part goes on.
    assert.deepEqual(plain(worker.posted[0].data), { __syncshell: 'state', state: { connection: { type: 'none' } } });
  }
  // Nothing valid: nothing to relay.
  world.push({ connection: { type: 'bad' } });
  await settle();
  assert.equal(controlling.posted.length, 1);
  // The same state again changes nothing: the workers are not woken for it.
  world.push({ connection: { type: 'none' } });
  await settle();
  assert.equal(controlling.posted.length, 1);
  // A worker that throws, or registrations that cannot be listed, are no failures of the push.
  controlling.postMessage = () => {
    throw new Error('redundant');
  };
  world.navigator.serviceWorker.getRegistrations = () => Promise.reject(new Error('no'));
  assert.doesNotThrow(() => world.push({ connection: { type: 'wifi' } }));
  await settle();
  assert.equal(world.navigator.connection.type, 'wifi');

  // Without service worker support the page still takes the push.
  const bare = makeWorld({ tauri: false });
  delete bare.navigator.serviceWorker;
  bare.push({ connection: { type: 'ethernet' } });
  await settle();
  assert.equal(bare.navigator.connection.type, 'ethernet');
});

// A stand-in for the app's active service worker: records what the page posts and answers on the port.
function fakeWorker(reply) {
  const posted = [];
  return {
    posted,
    postMessage(data, transfer) {
      posted.push({ data, transfer });
      const port = transfer && transfer[0];
      if (reply) reply(data, port);
    },
  };
}

test('__syncshellDispatch posts to the active worker with a port and reports sync_result', async () => {
  const world = makeWorld();
  const worker = fakeWorker((data, port) => {
    port.postMessage({ __syncshell: 'result', id: 'other', ok: false, error: 'not mine' });
    port.postMessage({ __syncshell: 'result', id: data.id, ok: true });
    port.close();
  });
  world.registration(SCOPE, worker);
  assert.equal(world.run("Object.keys(window).includes('__syncshellDispatch')"), false);
  const result = await world.context.__syncshellDispatch({
    id: 7, kind: 'sync', tag: 'outbox', lastChance: true, timeoutMs: 1000, scope: SCOPE,
  });
  assert.equal(worker.posted.length, 1);
  assert.deepEqual(plain(worker.posted[0].data), {
    __syncshell: 'dispatch', id: 7, kind: 'sync', tag: 'outbox', lastChance: true, timeoutMs: 1000,
  });
  assert.equal(worker.posted[0].transfer.length, 1);
  assert.equal(worker.posted[0].transfer[0].constructor.name, 'MessagePort');
  assert.deepEqual(plain(world.calls), [{ cmd: 'sync_result', args: { id: 7, ok: true, error: null } }]);
  assert.deepEqual(plain(result), { id: 7, ok: true, error: null });
});

test("__syncshellDispatch applies the message's state and sends it along to the worker", async () => {
  const world = makeWorld({ initialState: bridgeState() });
  const connection = world.navigator.connection;
  let changes = 0;
  connection.onchange = () => {
    changes += 1;
  };
  const worker = fakeWorker((data, port) => {
    port.postMessage({ __syncshell: 'result', id: data.id, ok: true });
    port.close();
  });
  world.registration(SCOPE, worker);
  const state = bridgeState({ connection: { type: 'cellular', saveData: true }, permissions: { notifications: 'bogus' } });
  await world.context.__syncshellDispatch({ id: 8, kind: 'sync', tag: 't', lastChance: false, timeoutMs: 1000, scope: SCOPE, state });
  assert.equal(connection.type, 'cellular');
  assert.equal(connection.saveData, true);
  assert.equal(changes, 1);
  assert.deepEqual(plain(worker.posted[0].data), {
    __syncshell: 'dispatch', id: 8, kind: 'sync', tag: 't', lastChance: false, timeoutMs: 1000,
    state: {
      permissions: { 'background-sync': 'granted', 'periodic-background-sync': 'denied' },
      connection: { type: 'cellular', saveData: true },
    },
  });
});

test('__syncshellDispatch reports the worker failure reason', async () => {
  const world = makeWorld();
  const worker = fakeWorker((data, port) => {
    port.postMessage({ __syncshell: 'result', id: data.id, ok: false, error: 'Error: offline' });
    port.close();
  });
  world.registration(SCOPE, worker);
  await world.context.__syncshellDispatch({ id: 'p1', kind: 'periodicsync', tag: 'news', lastChance: false, timeoutMs: 1000, scope: SCOPE });
  assert.equal(worker.posted[0].data.kind, 'periodicsync');
  assert.deepEqual(plain(world.calls), [{ cmd: 'sync_result', args: { id: 'p1', ok: false, error: 'Error: offline' } }]);
});

test('__syncshellDispatch reports failure when there is no active worker for the scope', async () => {
  const installing = makeWorld();
  installing.registration(SCOPE, null);
  await installing.context.__syncshellDispatch({ id: 1, kind: 'sync', tag: 't', lastChance: false, timeoutMs: 10, scope: SCOPE });
  assert.deepEqual(plain(installing.calls), [
    { cmd: 'sync_result', args: { id: 1, ok: false, error: `no active service worker for ${SCOPE}` } },
  ]);

  // getRegistration(sub) finds the enclosing registration, which is not the one the host asked for.
  const enclosing = makeWorld();
  enclosing.registration(SCOPE, { postMessage: () => assert.fail('posted to the wrong worker') });
  const sub = 'https://app.example/sub/';
  await enclosing.context.__syncshellDispatch({ id: 2, kind: 'sync', tag: 't', lastChance: false, timeoutMs: 10, scope: sub });
  assert.deepEqual(plain(enclosing.calls), [
    { cmd: 'sync_result', args: { id: 2, ok: false, error: `no active service worker for ${sub}` } },
  ]);
});

test('__syncshellDispatch times out timeoutMs + 5000 ms after posting', async () => {
  const pending = [];
  const timers = {
    setTimeout: (fn, ms) => pending.push({ fn, ms }),
    clearTimeout: () => {},
  };
  const world = makeWorld({ timers });
  const worker = fakeWorker(); // never answers
  world.registration(SCOPE, worker);
  const done = world.context.__syncshellDispatch({ id: 3, kind: 'sync', tag: 't', lastChance: false, timeoutMs: 2500, scope: SCOPE });
  while (worker.posted.length === 0) await new Promise((resolve) => setImmediate(resolve));
  const armed = pending.map((timer) => timer.ms);
  const reportedBefore = world.calls.length;
  // Fire the timer before asserting, so that a failed assertion does not leave the port open.
  pending.forEach((timer) => timer.fn());
  const result = await done;
  assert.deepEqual(armed, [7500]);
  assert.equal(reportedBefore, 0);
  assert.deepEqual(plain(result), { id: 3, ok: false, error: 'timed out' });
  assert.deepEqual(plain(world.calls), [{ cmd: 'sync_result', args: { id: 3, ok: false, error: 'timed out' } }]);
});

test('__syncshellDispatch never throws synchronously', async () => {
  const world = makeWorld();
  let result;
  assert.doesNotThrow(() => {
    result = world.context.__syncshellDispatch(null);
  });
  assert.equal(typeof result.then, 'function');
  assert.equal((await result).ok, false);
  // A host that fails to take the result still resolves the dispatch.
  world.setHost(() => Promise.reject('UnknownError: gone'));
  const missing = await world.context.__syncshellDispatch({ id: 4, kind: 'sync', tag: 't', scope: 'https://nowhere.example/' });
  assert.equal(missing.ok, false);
  assert.equal(world.calls.length, 2);
});

test('adds no globals but the specified ones', () => {
  class ServiceWorkerRegistration {}
  class Navigator {}
  const context = vm.createContext({
    DOMException, MessageChannel, EventTarget, Event, setTimeout, clearTimeout, Navigator, navigator: new Navigator(), ServiceWorkerRegistration,
  });
  const keys = () => vm.runInContext('Reflect.ownKeys(globalThis)', context).map(String);
  const before = new Set(keys());
  vm.runInContext(bridgeSource('page.js', { initialState: bridgeState() }), context);
  const added = [...keys()].filter((key) => !before.has(key)).sort();
  assert.deepEqual(added, [
    'NetworkInformation', 'Notification', 'PeriodicSyncManager', 'Symbol(syncshell.bridge)', 'SyncManager', '__syncshellDispatch',
    '__syncshellFrames', '__syncshellNotificationEvent', '__syncshellStateChanged',
  ]);
});

// ---- the page's notifications ----------------------------------------------------------------------

// A host that shows each page notification under the next id from 1 (or refuses, with `refuse`).
function notificationHost(world, { refuse = null } = {}) {
  let next = 0;
  world.setHost((cmd) => {
    if (cmd !== 'show_notification') return null;
    if (refuse) return Promise.reject(refuse);
    next += 1;
    return { id: next };
  });
}

// Records the events fired at a notification, through its handler attributes and listeners.
function recordEvents(notification, seen, types = ['show', 'error', 'click', 'close']) {
  for (const type of types) {
    notification[`on${type}`] = (event) => seen.push([`on${type}`, event.type]);
    notification.addEventListener(type, (event) => seen.push([type, event.cancelable]));
  }
}

test('new Notification refuses what only persistent notifications may have, and what the spec forbids', async () => {
  const world = makeWorld();
  notificationHost(world);
  const isTypeError = (message) => (error) => {
    assert.equal(error.name, 'TypeError');
    if (message) assert.equal(error.message, message);
    return true;
  };
  assert.throws(
    () => world.run("new Notification('t', { actions: [{ action: 'a', title: 'A' }] })"),
    isTypeError('Actions are only supported for persistent notifications shown using ServiceWorkerRegistration.showNotification().'),
  );
  assert.throws(() => world.run("new Notification('t', { renotify: true })"), isTypeError('Notifications which set the renotify flag must specify a non-empty tag.'));
  assert.throws(() => world.run("new Notification('t', { silent: true, vibrate: [100] })"), isTypeError('Silent notifications must not specify vibration patterns.'));
  assert.throws(() => world.run('new Notification()'), isTypeError("Failed to execute 'constructor' on 'Notification': 1 argument required, but only 0 present."));
  assert.throws(() => world.run("new Notification('t', { dir: 'up' })"), isTypeError("The provided value 'up' is not a valid enum value of type NotificationDirection."));
  assert.throws(() => world.run("new Notification('t', { data: () => {} })"), (error) => error instanceof DOMException && error.name === 'DataCloneError');
  assert.throws(() => world.run("Notification('t')"), isTypeError());
  // An empty list of actions is no action.
  world.run("new Notification('t', { actions: [] })");
  await settle();
  assert.deepEqual(plain(world.calls).map((call) => call.cmd), ['show_notification']);
});

test('new Notification asks the host to show it after the constructor returned, then fires show', async () => {
  const world = makeWorld({ initialState: bridgeState({ permissions: { notifications: 'granted' } }) });
  notificationHost(world);
  const notification = world.run("new Notification('Hello', { body: 'World', icon: 'icon.png', tag: 'greeting', data: { n: 1 }, timestamp: 5 })");
  assert.deepEqual(world.calls, [], 'nothing is shown before the constructor returned');
  const seen = [];
  recordEvents(notification, seen);
  await settle();
  assert.deepEqual(plain(world.calls), [{
    cmd: 'show_notification',
    args: {
      scope: null,
      title: 'Hello',
      options: {
        body: 'World', icon: 'https://app.example/app/icon.png', badge: '', image: '', tag: 'greeting', lang: '', dir: 'auto',
        silent: false, requireInteraction: false, renotify: false, timestamp: 5, data: '{"n":1}', actions: [],
      },
    },
  }]);
  assert.deepEqual(seen, [['onshow', 'show'], ['show', false]]);
  assert.equal(world.run('Object.prototype.toString.call(new Notification("x"))'), '[object Notification]');
  assert.equal(notification.title, 'Hello');
  assert.equal(notification.body, 'World');
  assert.equal(notification.icon, 'https://app.example/app/icon.png');
  assert.equal(notification.timestamp, 5);
  assert.deepEqual(plain(notification.data), { n: 1 });
  assert.equal(notification.data, notification.data);
  assert.deepEqual([...notification.actions], []);
  assert.ok(notification instanceof EventTarget);
  assert.equal(world.run('Object.getOwnPropertyDescriptor(window, "Notification").enumerable'), false);
});

test('a notification the host refuses fires error', async () => {
  const world = makeWorld();
  notificationHost(world, { refuse: { name: 'TypeError', message: 'No notification permission has been granted for this origin.' } });
  const notification = world.run("new Notification('Hello')");
  const seen = [];
  recordEvents(notification, seen);
  await settle();
  assert.deepEqual(seen, [['onerror', 'error'], ['error', false]]);
  // Closing it afterwards does nothing more.
  notification.close();
  await settle();
  assert.equal(seen.length, 2);
  assert.deepEqual(plain(world.calls).map((call) => call.cmd), ['show_notification']);
});

test('a click from the host fires click and raises the window unless the page cancels it', async () => {
  const world = makeWorld();
  notificationHost(world);
  const first = world.run("new Notification('First')");
  const second = world.run("new Notification('Second')");
  const seen = [];
  recordEvents(first, seen, ['click']);
  second.onclick = (event) => {
    seen.push(['second', event.cancelable]);
    event.preventDefault();
  };
  await settle();
  world.calls.length = 0;
  assert.equal(world.context.__syncshellNotificationEvent(1, 'click'), undefined);
  await settle();
  assert.deepEqual(seen, [['onclick', 'click'], ['click', true]]);
  assert.deepEqual(plain(world.calls), [{ cmd: 'focus_window', args: { url: PAGE_URL } }]);
  world.context.__syncshellNotificationEvent(2, 'click');
  await settle();
  assert.deepEqual(seen.slice(2), [['second', true]]);
  assert.equal(world.calls.length, 1, 'cancelled: no focus');
  // onclick returning false cancels too.
  second.onclick = () => false;
  world.context.__syncshellNotificationEvent(2, 'click');
  await settle();
  assert.equal(world.calls.length, 1);
  // A refused focus is nobody's concern.
  world.setHost(() => Promise.reject({ name: 'InvalidAccessError', message: 'Not allowed to focus a window.' }));
  world.context.__syncshellNotificationEvent(1, 'click');
  await settle();
  assert.equal(world.calls.length, 2);
});

test('a close from the host fires close and forgets the notification', async () => {
  const world = makeWorld();
  notificationHost(world);
  const notification = world.run("new Notification('Hello')");
  const seen = [];
  recordEvents(notification, seen, ['click', 'close']);
  await settle();
  world.calls.length = 0;
  world.context.__syncshellNotificationEvent(1, 'close');
  assert.deepEqual(seen, [['onclose', 'close'], ['close', false]]);
  world.context.__syncshellNotificationEvent(1, 'close');
  // A click the page cannot place (an earlier document's notification) still raises the window.
  world.context.__syncshellNotificationEvent(1, 'click');
  await settle();
  assert.equal(seen.length, 2, 'forgotten: no more events');
  assert.deepEqual(plain(world.calls), [{ cmd: 'focus_window', args: { url: PAGE_URL } }]);
  notification.close();
  await settle();
  assert.equal(world.calls.length, 1, 'a closed notification is not closed again');
});

test('close() takes the notification off the desktop and fires close; before it is shown, it never is', async () => {
  const world = makeWorld();
  notificationHost(world);
  const shown = world.run("new Notification('Shown')");
  const seen = [];
  recordEvents(shown, seen, ['close']);
  await settle();
  assert.equal(shown.close(), undefined);
  assert.deepEqual(seen, [], "'close' fires after close() returned");
  await settle();
  assert.deepEqual(seen, [['onclose', 'close'], ['close', false]]);
  world.context.__syncshellNotificationEvent(1, 'close'); // the host's own report of it
  assert.equal(seen.length, 2);

  const early = world.run("new Notification('Early')");
  recordEvents(early, seen);
  early.close();
  await settle();
  assert.equal(seen.length, 2);
  assert.deepEqual(plain(world.calls).map((call) => [call.cmd, call.args.id ?? call.args.title]), [
    ['show_notification', 'Shown'],
    ['close_notification', 1],
  ]);

  // Closed while the host was showing it: closed on the host as soon as its id is known.
  let answer;
  world.setHost((cmd) => (cmd === 'show_notification' ? new Promise((resolve) => { answer = resolve; }) : null));
  const racing = world.run("new Notification('Racing')");
  recordEvents(racing, seen);
  await settle();
  racing.close();
  answer({ id: 9 });
  await settle();
  assert.equal(seen.length, 2, 'neither show nor close');
  assert.deepEqual(plain(world.calls.slice(2)), [
    { cmd: 'show_notification', args: plain(world.calls[2].args) },
    { cmd: 'close_notification', args: { id: 9 } },
  ]);
});

test('a notification with the tag of a shown one replaces it, which closes', async () => {
  const world = makeWorld();
  notificationHost(world);
  const seen = [];
  const old = world.run("new Notification('Old', { tag: 'chat' })");
  const other = world.run("new Notification('Other', { tag: 'mail' })");
  old.onclose = () => seen.push('old closed');
  other.onclose = () => seen.push('other closed');
  await settle();
  const replacing = world.run("new Notification('New', { tag: 'chat' })");
  replacing.onshow = () => seen.push('new shown');
  await settle();
  assert.deepEqual(seen, ['old closed', 'new shown']);
});

test('Notification.permission follows the bridge state, and maxActions is 2', () => {
  const world = makeWorld({ tauri: false });
  const permission = () => world.run('Notification.permission');
  assert.equal(permission(), 'default');
  world.push({ permissions: { notifications: 'granted' } });
  assert.equal(permission(), 'granted');
  world.push({ permissions: { notifications: 'prompt' } });
  assert.equal(permission(), 'default');
  world.push({ permissions: { notifications: 'denied' } });
  assert.equal(permission(), 'denied');
  assert.equal(world.run('Notification.maxActions'), 2);
  assert.equal(world.run("Object.getOwnPropertyDescriptor(Notification, 'requestPermission').enumerable"), true);
  assert.throws(() => world.run("Object.getOwnPropertyDescriptor(Notification.prototype, 'title').get.call({})"), (e) => e.message === 'Illegal invocation');
});

test('requestPermission answers the host, calls the legacy callback first, and updates the state', async () => {
  const world = makeWorld({ initialState: bridgeState() });
  world.setHost((cmd) => (cmd === 'permission_state' ? 'prompt' : 'granted'));
  const status = await world.navigator.permissions.query({ name: 'notifications' });
  const changes = [];
  status.onchange = () => changes.push(status.state);
  const order = [];
  world.context.legacyCallback = (permission) => order.push(['callback', permission]);
  const answer = await world.run('Notification.requestPermission(legacyCallback)').then((permission) => {
    order.push(['resolved', permission]);
    return permission;
  });
  assert.equal(answer, 'granted');
  assert.deepEqual(order, [['callback', 'granted'], ['resolved', 'granted']]);
  assert.equal(world.run('Notification.permission'), 'granted');
  assert.deepEqual(changes, ['granted']);
  assert.deepEqual(plain(world.calls.at(-1)), { cmd: 'request_notification_permission', args: {} });

  // 'default' is the Permissions API's 'prompt'.
  world.setHost(() => 'default');
  assert.equal(await world.run('Notification.requestPermission()'), 'default');
  assert.equal(status.state, 'prompt');
  assert.equal(world.run('Notification.permission'), 'default');

  // A host that cannot answer leaves the permission as it is; a throwing callback is reported.
  world.setHost(() => Promise.reject({ name: 'UnknownError', message: 'gone' }));
  world.push({ permissions: { notifications: 'denied' } });
  const failing = world.run('Notification.requestPermission(() => { throw new Error("callback broke"); })');
  assert.equal(await failing, 'denied');
  assert.equal(world.reported.length, 1);
  assert.equal(world.reported[0].message, 'callback broke');
  world.setHost(() => 'maybe');
  assert.equal(await world.run('Notification.requestPermission()'), 'denied');
});

test("requestPermission's changed state goes on to the service workers", async () => {
  const world = makeWorld({ initialState: bridgeState() });
  const worker = stateRecorder();
  world.registration(SCOPE, worker);
  world.setHost(() => 'granted');
  await world.run('Notification.requestPermission()');
  await settle();
  assert.deepEqual(plain(worker.posted.map((post) => post.data)), [{ __syncshell: 'state', state: { permissions: { notifications: 'granted' } } }]);
  await world.run('Notification.requestPermission()');
  await settle();
  assert.equal(worker.posted.length, 1, 'the same answer again changes nothing');
});

test('__syncshellNotificationEvent is a fixed, hidden entry point that never throws', () => {
  const world = makeWorld();
  const descriptor = world.run("Object.getOwnPropertyDescriptor(window, '__syncshellNotificationEvent')");
  assert.equal(typeof descriptor.value, 'function');
  assert.equal(descriptor.writable, false);
  assert.equal(descriptor.enumerable, false);
  assert.equal(descriptor.configurable, false);
  for (const args of [[], [null, 'close'], [Symbol('x'), 'click'], [{ toString() { throw new Error('x'); } }, 'click'], [1, 'bogus']]) {
    assert.doesNotThrow(() => world.context.__syncshellNotificationEvent(...args));
  }
});

test('without service workers the page keeps its own Notification but still takes the host reports', () => {
  const world = makeWorld({ globals: { ServiceWorkerRegistration: undefined } });
  assert.equal(world.run("'Notification' in window"), false);
  assert.equal(world.run('typeof __syncshellNotificationEvent'), 'function');
});

test('__syncshellDispatch passes a notification event on to the worker', async () => {
  const world = makeWorld();
  const worker = fakeWorker((data, port) => {
    port.postMessage({ __syncshell: 'result', id: data.id, ok: true });
    port.close();
  });
  world.registration(SCOPE, worker);
  const notification = { id: 5, title: 'Posted', options: { tag: 'post', data: '{"tag":"outbox"}' } };
  const result = await world.context.__syncshellDispatch({
    id: 12, kind: 'notificationclick', tag: '', lastChance: false, timeoutMs: 1000, scope: SCOPE, notification, action: 'read',
  });
  assert.deepEqual(plain(worker.posted[0].data), {
    __syncshell: 'dispatch', id: 12, kind: 'notificationclick', timeoutMs: 1000, notification, action: 'read',
  });
  assert.deepEqual(plain(result), { id: 12, ok: true, error: null });
  await world.context.__syncshellDispatch({ id: 13, kind: 'notificationclose', timeoutMs: 1000, scope: SCOPE, notification });
  assert.deepEqual(plain(worker.posted[1].data), {
    __syncshell: 'dispatch', id: 13, kind: 'notificationclose', timeoutMs: 1000, notification, action: '',
  });
  const unknown = await world.context.__syncshellDispatch({ id: 14, kind: 'push', timeoutMs: 1000, scope: SCOPE });
  assert.deepEqual(plain(unknown), { id: 14, ok: false, error: 'unknown event kind push' });
  assert.equal(worker.posted.length, 2);
});

test("a page's registration.showNotification and getNotifications go to the host as the worker's do", async () => {
  const world = makeWorld();
  world.setHost((cmd) => {
    if (cmd === 'get_notifications') {
      return [{ id: 4, title: 'Posted', options: { tag: 'post', data: '{"n":1}', actions: [{ action: 'read', title: 'Read' }] } }];
    }
    return null;
  });
  const reg = world.registration(SCOPE);
  await reg.showNotification('Posted', { tag: 'post', actions: [{ action: 'read', title: 'Read' }] });
  const shown = plain(world.calls)[0];
  assert.equal(shown.cmd, 'show_notification');
  assert.equal(shown.args.scope, SCOPE, 'persistent: the registration scope, not null');
  assert.deepEqual(shown.args.options.actions, [{ action: 'read', title: 'Read', icon: '' }]);
  const [listed] = await reg.getNotifications({ tag: 'post' });
  assert.deepEqual(plain(world.calls)[1], { cmd: 'get_notifications', args: { scope: SCOPE, tag: 'post' } });
  assert.equal(listed.title, 'Posted');
  assert.equal(listed.data.n, 1);
  assert.equal(listed.actions[0].action, 'read');
  // Closing one from getNotifications() takes it off the desktop.
  listed.close();
  assert.deepEqual(plain(world.calls)[2], { cmd: 'close_notification', args: { id: 4 } });
  // No active worker: the spec's TypeError, before the host is asked.
  const installing = world.registration('https://app.example/installing/', null);
  await assert.rejects(installing.showNotification('x'), (error) => error.name === 'TypeError');
  assert.equal(world.calls.length, 3);
});

// ---- frames --------------------------------------------------------------------------------------

// A frame whose window.top is the top world's window; the bridge is injected into it as into every frame.
function makeFrame(top, options = {}) {
  return makeWorld({ tauri: false, ...options, globals: { top: top.context, ...(options.globals || {}) } });
}

test("a frame of the app's origin gets the API and talks to the host through the top window", async () => {
  const top = makeWorld({ hostState: bridgeState({ permissions: { notifications: 'granted' } }) });
  await settle();
  const frame = makeFrame(top);
  await settle();
  assert.equal(frame.run("typeof SyncManager + ' ' + Notification.permission"), 'function granted');
  assert.equal(frame.run("'__syncshellDispatch' in window || '__syncshellFrames' in window"), false);
  top.setHost((cmd) => (cmd === 'sync_register' ? null : { id: 7 }));
  const registration = frame.registration();
  await frame.run('(r) => r.sync.register("outbox")')(registration);
  assert.deepEqual(plain(top.calls.at(-1)), { cmd: 'sync_register', args: { scope: SCOPE, tag: 'outbox' } });
  assert.equal(top.stateCalls.length, 2, 'the frame asked for the state too, through the top window');
  // The top window's pushes reach the frame.
  top.push({ permissions: { notifications: 'denied' } });
  assert.equal(frame.run('Notification.permission'), 'denied');
});

test("a frame's notification hears its clicks and closes through the top window", async () => {
  const top = makeWorld({ initialState: bridgeState({ permissions: { notifications: 'granted' } }) });
  notificationHost(top);
  const frame = makeFrame(top, { initialState: bridgeState({ permissions: { notifications: 'granted' } }) });
  const notification = frame.run("new Notification('From a frame')");
  const seen = [];
  notification.onclick = (event) => {
    seen.push('click');
    event.preventDefault();
  };
  notification.onclose = () => seen.push('close');
  await settle();
  assert.deepEqual(plain(top.calls.map((c) => c.cmd)), ['show_notification']);
  top.context.__syncshellNotificationEvent(1, 'click');
  await settle();
  assert.deepEqual(seen, ['click']);
  assert.equal(top.calls.length, 1, 'the frame cancelled the click: no focus');
  top.context.__syncshellNotificationEvent(1, 'close');
  assert.deepEqual(seen, ['click', 'close']);
  top.context.__syncshellNotificationEvent(1, 'click');
  await settle();
  assert.deepEqual(plain(top.calls.at(-1).cmd), 'focus_window', 'nobody knows it any more: the window is raised');
});

test('a frame that is gone is dropped, and the others still hear the top window', async () => {
  const top = makeWorld({ initialState: bridgeState() });
  const gone = makeFrame(top, { initialState: bridgeState() });
  const kept = makeFrame(top, { initialState: bridgeState() });
  gone.context.top = null;
  assert.doesNotThrow(() => top.push({ permissions: { notifications: 'granted' } }));
  assert.equal(kept.run('Notification.permission'), 'granted');
  assert.equal(gone.run('Notification.permission'), 'default');
});

test('a frame of another origin gets nothing of the bridge', async () => {
  const foreignTop = {};
  Object.defineProperty(foreignTop, '__syncshellFrames', {
    get() {
      throw new DOMException('Blocked a frame from accessing a cross-origin frame.', 'SecurityError');
    },
  });
  const frame = makeWorld({ tauri: false, globals: { top: foreignTop } });
  await settle();
  assert.equal(frame.run("'SyncManager' in window || 'Notification' in window || '__syncshellNotificationEvent' in window"), false);
  assert.equal('sync' in frame.ServiceWorkerRegistration.prototype, false);
  // And a top window without the bridge (not an app page) lends it none.
  const bare = makeWorld({ tauri: false, globals: { top: {} } });
  assert.equal(bare.run("'SyncManager' in window"), false);
});

test("a page's notification sends its own origin's icon, fetched with the app's cookies", async () => {
  const fetched = [];
  const fetch = async (url, init) => {
    fetched.push({ url, credentials: init.credentials });
    return { ok: true, status: 200, arrayBuffer: async () => Uint8Array.from([1, 2, 3]).buffer };
  };
  const world = makeWorld({ globals: { fetch, btoa } });
  notificationHost(world);
  world.run("new Notification('Own', { icon: '/me.png' }); new Notification('Other', { icon: 'https://cdn.example/x.png' })");
  await settle();
  const shows = world.calls.filter((c) => c.cmd === 'show_notification').map((c) => plain(c.args));
  assert.deepEqual(shows.map((args) => args.title), ['Own', 'Other'], 'in the order they were made');
  assert.equal(shows[0].iconData, 'AQID');
  assert.equal('iconData' in shows[1], false);
  assert.deepEqual(fetched, [{ url: 'https://app.example/me.png', credentials: 'include' }]);
});
