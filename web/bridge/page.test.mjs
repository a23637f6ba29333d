// Unit tests of the page bridge (page.js), run in a VM context with stand-ins for the window globals it
// uses: ServiceWorkerRegistration, navigator (serviceWorker, permissions) and the Tauri IPC internals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import { bridgeSource } from './source.mjs';

const source = bridgeSource('page.js');
const SCOPE = 'https://app.example/';

// Values made inside the VM context have that context's prototypes; compare them as plain JSON.
const plain = (value) => JSON.parse(JSON.stringify(value));

function makeWorld({ globals = {}, permissions = true, timers = { setTimeout, clearTimeout }, tauri = true } = {}) {
  const calls = [];
  const nativeQueries = [];
  const registrations = [];
  let host = () => null;

  class ServiceWorkerRegistration {
    constructor(scope, active) {
      this.scope = scope;
      this.active = active;
    }
  }
  const navigator = {
    serviceWorker: {
      // Like the real one: the registration whose scope is the longest prefix of the URL.
      async getRegistration(url) {
        const matches = registrations.filter((r) => url.startsWith(r.scope));
        matches.sort((a, b) => b.scope.length - a.scope.length);
        return matches[0];
      },
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
    DOMException, MessageChannel, console, navigator, ServiceWorkerRegistration, ...timers, ...globals,
  });
  vm.runInContext('globalThis.window = globalThis; globalThis.self = globalThis;', context);
  const load = () => vm.runInContext(source, context, { filename: 'page.js' });
  load();
  // Defined after the bridge ran, as Tauri may do: the bridge must look invoke up at call time.
  if (tauri) {
    context.__TAURI_INTERNALS__ = {
      invoke(cmd, args) {
        calls.push({ cmd, args });
        return host(cmd, args);
      },
    };
  }
  return {
    context,
    calls,
    load,
    navigator,
    nativeQueries,
    originalQuery,
    ServiceWorkerRegistration,
    run: (code) => vm.runInContext(code, context),
    setHost(fn) {
      host = fn;
    },
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
  assert.equal(world.run("'SyncManager' in window || '__syncshellDispatch' in window"), false);
  assert.equal('sync' in world.ServiceWorkerRegistration.prototype, false);
});

test('does nothing at all over a native SyncManager', () => {
  function SyncManager() {}
  const world = makeWorld({ globals: { SyncManager } });
  assert.equal(world.run('SyncManager'), SyncManager);
  assert.equal('sync' in world.ServiceWorkerRegistration.prototype, false);
  assert.equal(world.run("'PeriodicSyncManager' in window || '__syncshellDispatch' in window"), false);
  assert.equal(world.run("Symbol.for('syncshell.bridge') in window"), false);
  assert.equal(world.navigator.permissions.query, world.originalQuery);
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

test('permissions.query answers both sync names from the host', async () => {
  const world = makeWorld();
  world.setHost((cmd, args) => (args.name === 'background-sync' ? 'granted' : 'denied'));
  const status = await world.navigator.permissions.query({ name: 'background-sync' });
  assert.equal(status.name, 'background-sync');
  assert.equal(status.state, 'granted');
  assert.equal(status.onchange, null);
  assert.equal(typeof status.addEventListener, 'function');
  assert.equal(typeof status.removeEventListener, 'function');
  const periodic = await world.navigator.permissions.query({ name: 'periodic-background-sync' });
  assert.equal(periodic.state, 'denied');
  assert.deepEqual(plain(world.calls), [
    { cmd: 'permission_state', args: { name: 'background-sync' } },
    { cmd: 'permission_state', args: { name: 'periodic-background-sync' } },
  ]);
  assert.deepEqual(world.nativeQueries, []);
  world.setHost(() => 'maybe');
  await rejectsWithDOMException(world.navigator.permissions.query({ name: 'background-sync' }), 'UnknownError');
});

test('permissions.query passes other names to the original query unchanged', async () => {
  const world = makeWorld();
  const descriptor = { name: 'notifications' };
  const status = await world.navigator.permissions.query(descriptor);
  assert.deepEqual(status, { name: 'notifications', state: 'from-native' });
  assert.equal(world.nativeQueries.length, 1);
  assert.equal(world.nativeQueries[0].descriptor, descriptor);
  assert.equal(world.nativeQueries[0].receiver, world.navigator.permissions);
  assert.deepEqual(world.calls, []);
  // Wrapped where it was defined: on the prototype, not as a new own property.
  assert.equal(Object.hasOwn(world.navigator.permissions, 'query'), false);
});

test('a missing navigator.permissions is created for the two sync names only', async () => {
  const world = makeWorld({ permissions: false });
  world.setHost(() => 'prompt');
  const status = await world.navigator.permissions.query({ name: 'periodic-background-sync' });
  assert.equal(status.state, 'prompt');
  assert.equal(status.name, 'periodic-background-sync');
  await rejectsWithTypeError(world.navigator.permissions.query({ name: 'geolocation' }), /geolocation/);
  assert.deepEqual(plain(world.calls), [{ cmd: 'permission_state', args: { name: 'periodic-background-sync' } }]);
});

// A stand-in for the app's active service worker: records what the page posts and answers on the port.
function fakeWorker(reply) {
  const posted = [];
  return {
    posted,
    postMessage(data, transfer) {
      posted.push({ data, transfer });
      const port = transfer[0];
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
  const context = vm.createContext({ DOMException, MessageChannel, setTimeout, clearTimeout, navigator: {}, ServiceWorkerRegistration });
  const keys = () => vm.runInContext('Reflect.ownKeys(globalThis)', context).map(String);
  const before = new Set(keys());
  vm.runInContext(source, context);
  const added = [...keys()].filter((key) => !before.has(key)).sort();
  assert.deepEqual(added, ['PeriodicSyncManager', 'Symbol(syncshell.bridge)', 'SyncManager', '__syncshellDispatch']);
});
