// Unit tests of the service worker shim (worker-shim.js), run in a VM context where `self` is a stand-in
// for ServiceWorkerGlobalScope (an EventTarget with registration, navigator, fetch, reportError, location and
// clients, whose Clients and WindowClient classes are globals of the context).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import { bridgeSource } from './source.mjs';
import { bridgeState, plain, settle } from './harness.mjs';

const source = bridgeSource('worker-shim.js');
const SCOPE = 'https://app.example/';
const WORKER_URL = 'https://app.example/sw.js';
const CONFIG_LINE = 'self.__syncshellConfig = {token: "t0k3n", base: "/__syncshell__/"};\n';

// Like WebKit's: waitUntil() on a script-created event throws.
class ExtendableEvent extends Event {
  waitUntil() {
    throw new DOMException('The event is not trusted.', 'InvalidStateError');
  }
}

class ExtendableMessageEvent extends ExtendableEvent {
  constructor(type, init = {}) {
    super(type, init);
    this.data = init.data;
    this.ports = init.ports ?? [];
    this.lifetime = [];
  }

  waitUntil(promise) {
    this.lifetime.push(promise);
  }
}

// `hostState` answers the 'bridge_state' call the shim makes at startup (kept out of `fetchCalls`, in
// `stateCalls`); `permissions: false` leaves the WorkerNavigator without a Permissions API; `clients: false`
// leaves the realm without Clients and WindowClient. `windows` is what self.clients.matchAll() lists (a
// function of the call's number, from 1, or an array), each call recorded in `matchAllCalls`.
function makeWorker({
  config = true, active = true, globals = {}, hostState = null, permissions = true, nativeConnection = false, clients = true,
  icons = {},
} = {}) {
  const fetchCalls = [];
  const iconFetches = [];
  const stateCalls = [];
  const nativeQueries = [];
  const reported = [];
  let respond = () => ({ status: 200, json: async () => ({ ok: true, value: null }) });
  let stateAnswer = () => ({ status: 200, json: async () => ({ ok: true, value: hostState }) });

  class ServiceWorkerRegistration {
    constructor(scope, activeWorker) {
      this.scope = scope;
      this.active = activeWorker;
    }
  }
  // The shim replaces addEventListener where it is defined; defining it here keeps each test's
  // replacement on its own class instead of Node's shared EventTarget.prototype.
  class ServiceWorkerGlobalScope extends EventTarget {
    addEventListener(...args) {
      return super.addEventListener(...args);
    }

    removeEventListener(...args) {
      return super.removeEventListener(...args);
    }
  }
  class WorkerNavigator {}
  // WebKit's: openWindow() resolves null and focus() does nothing; only matchAll() is kept by the shim.
  const matchAllCalls = [];
  let windows = [];
  class Clients {
    matchAll(options) {
      matchAllCalls.push(options);
      return Promise.resolve(typeof windows === 'function' ? windows(matchAllCalls.length) : windows);
    }

    openWindow() {
      return Promise.resolve(null);
    }
  }
  class WindowClient {
    constructor(url) {
      this.url = url;
    }

    focus() {
      return Promise.resolve(this);
    }
  }
  if (nativeConnection) {
    Object.defineProperty(WorkerNavigator.prototype, 'connection', { get: () => 'native', enumerable: true, configurable: true });
  }
  const self = new ServiceWorkerGlobalScope();
  self.registration = new ServiceWorkerRegistration(SCOPE, active ? { state: 'activated' } : null);
  self.navigator = new WorkerNavigator();
  if (permissions) {
    class Permissions {
      query(descriptor) {
        nativeQueries.push({ receiver: this, descriptor });
        return Promise.resolve({ name: descriptor.name, state: 'from-native' });
      }
    }
    self.navigator.permissions = new Permissions();
  }
  // A plain GET is a notification icon's: `icons` maps its URL to its bytes, or 'hang'; others are 404.
  self.fetch = async (url, init) => {
    if (init.body === undefined) {
      iconFetches.push({ url, init });
      const icon = icons[url];
      if (icon === 'hang') return new Promise(() => {});
      if (!icon) return { ok: false, status: 404, arrayBuffer: async () => new ArrayBuffer(0) };
      return { ok: true, status: 200, arrayBuffer: async () => Uint8Array.from(icon).buffer };
    }
    if (JSON.parse(init.body).cmd === 'bridge_state') {
      stateCalls.push({ url, init });
      return stateAnswer(url, init);
    }
    fetchCalls.push({ url, init });
    return respond(url, init);
  };
  self.reportError = (error) => reported.push(error);
  self.btoa = btoa;
  self.location = { href: WORKER_URL };
  if (clients) self.clients = new Clients();

  const context = vm.createContext({
    self, DOMException, EventTarget, Event, ExtendableEvent, ServiceWorkerRegistration, WorkerNavigator, URL, setTimeout, clearTimeout, console,
    ...(clients ? { Clients, WindowClient } : {}),
    ...globals,
  });
  const load = () => vm.runInContext((config ? CONFIG_LINE : '') + source, context, { filename: 'worker-shim.js' });
  load();
  return {
    self,
    context,
    fetchCalls,
    iconFetches,
    stateCalls,
    nativeQueries,
    reported,
    load,
    ServiceWorkerGlobalScope,
    WorkerNavigator,
    Clients,
    WindowClient,
    matchAllCalls,
    run: (code) => vm.runInContext(code, context),
    setHost(fn) {
      respond = fn;
    },
    answer(body, status = 200) {
      respond = () => ({ status, json: async () => body });
    },
    setStateAnswer(fn) {
      stateAnswer = fn;
    },
    // Answers each command from `answers`: cmd -> a value, or a function of the call's args answering one;
    // {error: {name, message}} is the host's refusal.
    answerCommands(answers) {
      respond = (url, init) => {
        const { cmd, args } = JSON.parse(init.body);
        const entry = answers[cmd];
        const value = typeof entry === 'function' ? entry(args) : entry;
        const body = value && value.error ? { ok: false, error: value.error } : { ok: true, value: value === undefined ? null : value };
        return { status: 200, json: async () => body };
      };
    },
    // The commands sent to the host so far, as {cmd, args}.
    hostCalls: () => fetchCalls.map((call) => JSON.parse(call.init.body)),
    setWindows(value) {
      windows = value;
    },
  };
}

// Posts a control (or any) message to the worker as a page would, with a port for the answer.
function postToWorker(world, data) {
  let resolveReply;
  const reply = new Promise((resolve) => {
    resolveReply = resolve;
  });
  const port = { postMessage: (message) => resolveReply(message) };
  const event = new ExtendableMessageEvent('message', { data, ports: [port] });
  world.self.dispatchEvent(event);
  return { event, reply };
}

function fire(world, { id = 1, kind = 'sync', tag = 'outbox', lastChance = false, timeoutMs = 1000, state } = {}) {
  const data = { __syncshell: 'dispatch', id, kind, tag, lastChance, timeoutMs };
  if (state !== undefined) data.state = state;
  return postToWorker(world, data).reply;
}

// A page's relay of a pushed state (page.js, __syncshellStateChanged).
function pushState(world, state) {
  return postToWorker(world, { __syncshell: 'state', state }).event;
}

async function rejectsWithDOMException(promise, name, message) {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof DOMException, `expected a DOMException, got ${error}`);
    assert.equal(error.name, name);
    if (message !== undefined) assert.equal(error.message, message);
    return true;
  });
}

test('defines the globals, the registration getters and the event handler attributes', () => {
  const world = makeWorker();
  const { self } = world;
  for (const name of ['SyncManager', 'PeriodicSyncManager', 'SyncEvent', 'PeriodicSyncEvent']) {
    assert.equal(typeof self[name], 'function', name);
    assert.equal(Object.getOwnPropertyDescriptor(self, name).enumerable, false, name);
  }
  assert.equal('sync' in self.registration && 'periodicSync' in self.registration, true);
  assert.equal(Object.prototype.toString.call(self.registration.sync), '[object SyncManager]');
  assert.equal(Object.prototype.toString.call(self.registration.periodicSync), '[object PeriodicSyncManager]');
  assert.equal(self.registration.sync, self.registration.sync);
  assert.equal('onsync' in self && 'onperiodicsync' in self, true);
  assert.equal(self.onsync, null);
  assert.equal(self.onperiodicsync, null);
  assert.throws(() => new self.SyncManager(), (error) => error.name === 'TypeError' && error.message === 'Illegal constructor');
  assert.throws(() => new self.PeriodicSyncManager(), (error) => error.name === 'TypeError' && error.message === 'Illegal constructor');
});

test('SyncEvent and PeriodicSyncEvent can be constructed like the native ones', () => {
  const { self } = makeWorker();
  const event = new self.SyncEvent('sync', { tag: 'x', lastChance: true });
  assert.ok(event instanceof ExtendableEvent);
  assert.equal(event.type, 'sync');
  assert.equal(event.tag, 'x');
  assert.equal(event.lastChance, true);
  assert.equal(new self.SyncEvent('sync', { tag: 5 }).lastChance, false);
  assert.equal(new self.SyncEvent('sync', { tag: 5 }).tag, '5');
  assert.equal(Object.prototype.toString.call(event), '[object SyncEvent]');
  // Readonly: a getter on the prototype with no setter.
  assert.throws(() => {
    event.tag = 'y'; // modules are strict: assigning to a getter-only property throws
  }, TypeError);
  assert.equal(event.tag, 'x');
  assert.equal(Object.getOwnPropertyDescriptor(self.SyncEvent.prototype, 'tag').set, undefined);
  const isTypeError = (error) => error.name === 'TypeError';
  assert.throws(() => new self.SyncEvent('sync', {}), isTypeError);
  assert.throws(() => new self.SyncEvent('sync'), isTypeError);
  assert.throws(() => new self.PeriodicSyncEvent('periodicsync', { lastChance: true }), isTypeError);
  const periodic = new self.PeriodicSyncEvent('periodicsync', { tag: 'news' });
  assert.ok(periodic instanceof ExtendableEvent);
  assert.equal(periodic.tag, 'news');
  assert.equal('lastChance' in periodic, false);
});

test('the shared API (sync-api.js) leaves no global behind, nor the config line', () => {
  const world = makeWorker();
  assert.equal(world.run('typeof syncshellSyncApi'), 'undefined');
  assert.deepEqual(Object.keys(world.self).filter((k) => /syncshell/i.test(k)), []);
});

test('installs once, and not over a native SyncManager', () => {
  const world = makeWorker();
  const before = { SyncEvent: world.self.SyncEvent, add: world.ServiceWorkerGlobalScope.prototype.addEventListener };
  assert.equal(Object.getOwnPropertyDescriptor(world.self, Symbol.for('syncshell.bridge')).enumerable, false);
  world.load();
  assert.equal(world.self.SyncEvent, before.SyncEvent);
  assert.equal(world.ServiceWorkerGlobalScope.prototype.addEventListener, before.add);

  // A worker whose self already has the marker (but no SyncManager) is left alone.
  class Scope extends EventTarget {}
  const self = new Scope();
  self[Symbol.for('syncshell.bridge')] = true;
  vm.runInContext(CONFIG_LINE + source, vm.createContext({ self, DOMException, Event, ExtendableEvent }));
  assert.equal('SyncManager' in self || 'onsync' in self, false);

  const native = new Scope();
  native.SyncManager = function SyncManager() {};
  vm.runInContext(CONFIG_LINE + source, vm.createContext({ self: native, DOMException, Event, ExtendableEvent }));
  assert.equal('SyncEvent' in native || 'onsync' in native, false);
  assert.equal(Symbol.for('syncshell.bridge') in native, false);
});

test('register posts the command to base + "api" with the token, through the original fetch', async () => {
  const world = makeWorker();
  assert.equal('__syncshellConfig' in world.self, false, 'the token is taken off the global object');
  // The app wraps fetch after the shim loaded: the shim keeps using the original.
  world.self.fetch = () => assert.fail('the wrapped fetch was used');
  assert.equal(await world.self.registration.sync.register('outbox'), undefined);
  assert.equal(world.fetchCalls.length, 1);
  const { url, init } = world.fetchCalls[0];
  assert.equal(url, '/__syncshell__/api');
  assert.deepEqual(plain(init), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Syncshell-Token': 't0k3n' },
    body: JSON.stringify({ cmd: 'sync_register', args: { scope: SCOPE, tag: 'outbox' } }),
  });

  await world.self.registration.periodicSync.register('news', { minInterval: 3600000 });
  await world.self.registration.periodicSync.unregister('news');
  assert.deepEqual(world.fetchCalls.slice(1).map((call) => JSON.parse(call.init.body)), [
    { cmd: 'periodic_register', args: { scope: SCOPE, tag: 'news', minInterval: 3600000 } },
    { cmd: 'periodic_unregister', args: { scope: SCOPE, tag: 'news' } },
  ]);
});

test('getTags answers the host value', async () => {
  const world = makeWorker();
  world.answer({ ok: true, value: ['outbox', 'likes'] });
  assert.deepEqual([...(await world.self.registration.sync.getTags())], ['outbox', 'likes']);
  world.answer({ ok: true, value: ['news'] });
  assert.deepEqual([...(await world.self.registration.periodicSync.getTags())], ['news']);
  assert.deepEqual(world.fetchCalls.map((call) => JSON.parse(call.init.body)), [
    { cmd: 'sync_get_tags', args: { scope: SCOPE } },
    { cmd: 'periodic_get_tags', args: { scope: SCOPE } },
  ]);
});

test('host and network errors become DOMExceptions', async () => {
  const world = makeWorker();
  const sync = world.self.registration.sync;
  world.answer({ ok: false, error: { name: 'QuotaExceededError', message: 'Too many sync registrations.' } }, 200);
  await rejectsWithDOMException(sync.register('t'), 'QuotaExceededError', 'Too many sync registrations.');
  world.answer({ ok: false, error: { name: 'NotAllowedError', message: 'Permission denied.' } }, 403);
  await rejectsWithDOMException(sync.register('t'), 'NotAllowedError', 'Permission denied.');
  world.answer({ ok: false, error: { name: 'UnknownError', message: 'Background Sync is disabled.' } });
  await rejectsWithDOMException(sync.getTags(), 'UnknownError', 'Background Sync is disabled.');
  world.answer({ ok: false, error: 'something broke' });
  await rejectsWithDOMException(sync.getTags(), 'UnknownError', 'something broke');
  world.setHost(() => {
    throw new TypeError('Failed to fetch');
  });
  await rejectsWithDOMException(sync.register('t'), 'UnknownError');
  world.setHost(() => ({ status: 500, json: async () => { throw new SyntaxError('not JSON'); } }));
  await rejectsWithDOMException(sync.register('t'), 'UnknownError');
});

test('without the config line the API exists but reports itself disabled', async () => {
  const world = makeWorker({ config: false });
  assert.equal(typeof world.self.SyncManager, 'function');
  await rejectsWithDOMException(world.self.registration.sync.register('t'), 'UnknownError', 'Background Sync is disabled.');
  await rejectsWithDOMException(world.self.registration.sync.getTags(), 'UnknownError', 'Background Sync is disabled.');
  assert.deepEqual(world.fetchCalls, []);
});

test('argument checks and the no-active-worker rule apply before any fetch', async () => {
  const world = makeWorker({ active: false });
  const { sync, periodicSync } = world.self.registration;
  await rejectsWithDOMException(sync.register('t'), 'InvalidStateError', 'Registration failed - no active Service Worker');
  await rejectsWithDOMException(periodicSync.register('t'), 'InvalidStateError', 'Registration failed - no active Service Worker');
  assert.deepEqual([...(await periodicSync.getTags())], []);
  assert.equal(await periodicSync.unregister('t'), undefined);
  await assert.rejects(sync.register(), (error) => error.name === 'TypeError');
  await assert.rejects(periodicSync.register('t', { minInterval: -5 }), (error) => error.name === 'TypeError');

  const active = makeWorker();
  await rejectsWithDOMException(active.self.registration.sync.register('x'.repeat(10241)), 'InvalidAccessError');
  assert.deepEqual(world.fetchCalls, []);
  assert.deepEqual(active.fetchCalls, []);
});

test('dispatches a sync event to addEventListener and onsync listeners', async () => {
  const world = makeWorker();
  const seen = [];
  world.self.addEventListener('sync', (event) => seen.push(['listener', event.tag, event.lastChance, event.type]));
  world.self.onsync = (event) => seen.push(['onsync', event.tag, event.lastChance, event instanceof world.self.SyncEvent]);
  const reply = await fire(world, { id: 11, tag: 'outbox', lastChance: true });
  assert.deepEqual(seen, [
    ['listener', 'outbox', true, 'sync'],
    ['onsync', 'outbox', true, true],
  ]);
  assert.deepEqual(plain(reply), { __syncshell: 'result', id: 11, ok: true });
});

test('dispatches periodicsync events with their tag only', async () => {
  const world = makeWorker();
  const seen = [];
  world.self.onperiodicsync = (event) => seen.push([event.type, event.tag, 'lastChance' in event]);
  world.self.addEventListener('sync', () => seen.push('wrong event'));
  const reply = await fire(world, { id: 12, kind: 'periodicsync', tag: 'news' });
  assert.deepEqual(seen, [['periodicsync', 'news', false]]);
  assert.equal(reply.ok, true);
});

test('waitUntil promises decide the outcome', async () => {
  const world = makeWorker();
  let mode = 'resolve';
  world.self.addEventListener('sync', (event) => {
    if (mode === 'resolve') event.waitUntil(new Promise((resolve) => setTimeout(resolve, 5)));
    else event.waitUntil(Promise.reject(new Error('offline')));
  });
  assert.deepEqual(plain(await fire(world, { id: 1 })), { __syncshell: 'result', id: 1, ok: true });
  mode = 'reject';
  assert.deepEqual(plain(await fire(world, { id: 2 })), { __syncshell: 'result', id: 2, ok: false, error: 'Error: offline' });
});

test('promises added while earlier ones are pending count, and waitUntil afterwards throws', async () => {
  const world = makeWorker();
  let saved;
  // The worker's own Promise, so that Promise.resolve() inside waitUntil keeps the same promise, as in a
  // real worker (the shim's reaction is then registered before the app's).
  const WorkerPromise = world.run('Promise');
  world.self.addEventListener('sync', (event) => {
    saved = event;
    const first = WorkerPromise.resolve();
    event.waitUntil(first);
    first.then(() => event.waitUntil(Promise.reject('late failure')));
  });
  assert.deepEqual(plain(await fire(world, { id: 3 })), { __syncshell: 'result', id: 3, ok: false, error: 'late failure' });
  assert.throws(() => saved.waitUntil(Promise.resolve()), (error) => error instanceof DOMException && error.name === 'InvalidStateError');
});

test('a listener that throws fails the event, is reported, and the others still run', async () => {
  const world = makeWorker();
  const seen = [];
  world.self.addEventListener('sync', () => {
    throw new Error('boom');
  });
  world.self.addEventListener('sync', { handleEvent: (event) => seen.push(event.tag) });
  const reply = await fire(world, { id: 4, tag: 'outbox' });
  assert.deepEqual(plain(reply), { __syncshell: 'result', id: 4, ok: false, error: 'Error: boom' });
  assert.deepEqual(seen, ['outbox']);
  assert.equal(world.reported.length, 1);
  assert.equal(world.reported[0].message, 'boom');
});

test('an onsync handler that throws fails the event too', async () => {
  const world = makeWorker();
  world.self.onsync = () => {
    throw new TypeError('bad handler');
  };
  const reply = await fire(world, { id: 5 });
  assert.deepEqual(plain(reply), { __syncshell: 'result', id: 5, ok: false, error: 'TypeError: bad handler' });
});

test('a lifetime promise that never settles times out', async () => {
  const world = makeWorker();
  world.self.addEventListener('sync', (event) => event.waitUntil(new Promise(() => {})));
  const started = Date.now();
  const reply = await fire(world, { id: 6, timeoutMs: 30 });
  assert.deepEqual(plain(reply), { __syncshell: 'result', id: 6, ok: false, error: 'timed out' });
  assert.ok(Date.now() - started >= 25);
});

test('onsync holds one handler at a time and null removes it', async () => {
  const world = makeWorker();
  const seen = [];
  const first = () => seen.push('first');
  const second = () => seen.push('second');
  world.self.onsync = first;
  world.self.onsync = second;
  assert.equal(world.self.onsync, second);
  await fire(world, { id: 7 });
  assert.deepEqual(seen, ['second']);
  world.self.onsync = null;
  assert.equal(world.self.onsync, null);
  await fire(world, { id: 8 });
  assert.deepEqual(seen, ['second']);
  // Set again after null, the handler is a new listener: it now runs after the listeners added meanwhile.
  world.self.addEventListener('sync', () => seen.push('listener'));
  world.self.onsync = first;
  await fire(world, { id: 9 });
  assert.deepEqual(seen, ['second', 'listener', 'first']);
});

test('removeEventListener removes a wrapped sync listener', async () => {
  const world = makeWorker();
  const seen = [];
  const listener = (event) => seen.push(event.tag);
  world.self.addEventListener('sync', listener);
  world.self.addEventListener('sync', listener); // a duplicate, ignored as usual
  await fire(world, { id: 9, tag: 'a' });
  world.self.removeEventListener('sync', listener);
  await fire(world, { id: 10, tag: 'b' });
  assert.deepEqual(seen, ['a']);
});

test('control messages never reach the app while other messages do, and keep the worker alive', async () => {
  const world = makeWorker();
  const appSaw = [];
  world.self.addEventListener('message', (event) => appSaw.push(['bubble', event.data]));
  world.self.addEventListener('message', (event) => appSaw.push(['capture', event.data]), { capture: true });
  const control = postToWorker(world, { __syncshell: 'dispatch', id: 20, kind: 'sync', tag: 't', lastChance: false, timeoutMs: 1000 });
  assert.equal(control.event.lifetime.length, 1, 'the message event was extended');
  assert.equal((await control.reply).ok, true);
  const other = postToWorker(world, { hello: 'app' });
  postToWorker(world, 'plain text');
  // (Node's EventTarget runs listeners in registration order; a browser runs capturing ones first.)
  const sorted = appSaw.map(([phase, data]) => `${phase} ${JSON.stringify(data)}`).sort();
  assert.deepEqual(sorted, [
    'bubble "plain text"',
    'bubble {"hello":"app"}',
    'capture "plain text"',
    'capture {"hello":"app"}',
  ]);
  assert.equal(other.event.lifetime.length, 0);
});

test('permissions.query answers the three host names through the reserved path, as live EventTargets', async () => {
  const world = makeWorker();
  const answers = { 'background-sync': 'denied', 'periodic-background-sync': 'granted', notifications: 'granted' };
  world.setHost((url, init) => {
    const { args } = JSON.parse(init.body);
    return { status: 200, json: async () => ({ ok: true, value: answers[args.name] }) };
  });
  const statuses = {};
  for (const name of Object.keys(answers)) {
    const status = await world.self.navigator.permissions.query({ name });
    assert.equal(status.name, name);
    assert.equal(status.state, answers[name]);
    assert.equal(status.onchange, null);
    assert.ok(status instanceof EventTarget);
    assert.equal(Object.prototype.toString.call(status), '[object PermissionStatus]');
    statuses[name] = status;
  }
  assert.deepEqual(world.fetchCalls.map((call) => JSON.parse(call.init.body)), Object.keys(answers).map((name) => ({ cmd: 'permission_state', args: { name } })));
  assert.deepEqual(world.nativeQueries, []);

  const other = await world.self.navigator.permissions.query({ name: 'geolocation' });
  assert.deepEqual(other, { name: 'geolocation', state: 'from-native' });
  assert.equal(world.nativeQueries[0].receiver, world.self.navigator.permissions);

  const seen = [];
  statuses.notifications.onchange = (event) => seen.push(['onchange', event.type, statuses.notifications.state]);
  statuses.notifications.addEventListener('change', () => seen.push(['listener']));
  statuses['background-sync'].addEventListener('change', () => seen.push(['sync', statuses['background-sync'].state]));
  pushState(world, bridgeState({ permissions: { notifications: 'granted', 'background-sync': 'denied' } }));
  assert.deepEqual(seen, [], 'the same states: no change');
  pushState(world, bridgeState({ permissions: { notifications: 'denied', 'background-sync': 'denied' } }));
  assert.deepEqual(seen, [['onchange', 'change', 'denied'], ['listener']]);
  pushState(world, { permissions: { 'background-sync': 'granted' } });
  assert.deepEqual(seen.slice(2), [['sync', 'granted']]);
  assert.equal(statuses.notifications.state, 'denied');
});

test('without a Permissions API the worker gets a minimal one for the host names', async () => {
  const world = makeWorker({ permissions: false });
  world.answer({ ok: true, value: 'prompt' });
  const status = await world.self.navigator.permissions.query({ name: 'notifications' });
  assert.equal(status.state, 'prompt');
  await assert.rejects(world.self.navigator.permissions.query({ name: 'camera' }), (error) => error.name === 'TypeError' && /camera/.test(error.message));
});

test('navigator.connection is a NetworkInformation on WorkerNavigator.prototype, unknown until the host says', () => {
  const world = makeWorker({ config: false });
  const getter = Object.getOwnPropertyDescriptor(world.WorkerNavigator.prototype, 'connection');
  assert.equal(typeof getter.get, 'function');
  assert.equal(getter.enumerable, true);
  assert.equal(getter.configurable, true);
  const connection = world.self.navigator.connection;
  assert.equal(connection, world.self.navigator.connection);
  assert.equal(connection.type, 'unknown');
  assert.equal(connection.saveData, false);
  assert.ok(connection instanceof world.self.NetworkInformation);
  assert.ok(connection instanceof EventTarget);
  assert.equal(Object.getOwnPropertyDescriptor(world.self, 'NetworkInformation').enumerable, false);
  assert.throws(() => new world.self.NetworkInformation(), (e) => e.name === 'TypeError' && e.message === 'Illegal constructor');
  assert.throws(() => getter.get.call(world.self), (e) => e.message === 'Illegal invocation');
});

test('navigator.connection is not installed over a native one', () => {
  const world = makeWorker({ nativeConnection: true });
  assert.equal(world.self.navigator.connection, 'native');
  assert.equal('NetworkInformation' in world.self, false);
  assert.equal(typeof world.self.SyncEvent, 'function');
  assert.doesNotThrow(() => pushState(world, bridgeState()));
});

test("the worker asks for 'bridge_state' once at startup and applies the answer", async () => {
  const world = makeWorker({ hostState: bridgeState({ connection: { type: 'cellular', saveData: true } }) });
  const connection = world.self.navigator.connection;
  let changes = 0;
  connection.onchange = () => {
    changes += 1;
  };
  await settle();
  assert.equal(world.stateCalls.length, 1);
  assert.equal(world.stateCalls[0].url, '/__syncshell__/api');
  assert.equal(world.stateCalls[0].init.headers['X-Syncshell-Token'], 't0k3n');
  assert.deepEqual(JSON.parse(world.stateCalls[0].init.body), { cmd: 'bridge_state', args: {} });
  assert.equal(connection.type, 'cellular');
  assert.equal(connection.saveData, true);
  assert.equal(changes, 1);

  // A failing answer is ignored; without the config line there is no call at all.
  const failing = makeWorker();
  failing.setStateAnswer(() => ({ status: 500, json: async () => ({ ok: false, error: { name: 'UnknownError', message: 'x' } }) }));
  await settle();
  assert.equal(failing.stateCalls.length, 1);
  assert.equal(failing.self.navigator.connection.type, 'unknown');
  const unconfigured = makeWorker({ config: false });
  await settle();
  assert.deepEqual(unconfigured.stateCalls, []);
});

test('state messages change navigator.connection, once per actual change, and never reach the app', async () => {
  const world = makeWorker();
  const appSaw = [];
  world.self.addEventListener('message', (event) => appSaw.push(event.data));
  const connection = world.self.navigator.connection;
  const seen = [];
  connection.onchange = (event) => seen.push([event.type, connection.type, connection.saveData]);
  const event = pushState(world, { connection: { type: 'ethernet', saveData: false } });
  pushState(world, { connection: { type: 'ethernet' } });
  pushState(world, { connection: { saveData: true } });
  pushState(world, { connection: { type: 'none', saveData: 'no' } }); // saveData ignored, type taken
  pushState(world, { connection: { type: 'dialup', saveData: null }, permissions: { notifications: 'sure' } });
  pushState(world, null);
  pushState(world, 'wifi');
  assert.deepEqual(seen, [
    ['change', 'ethernet', false],
    ['change', 'ethernet', true],
    ['change', 'none', true],
  ]);
  assert.deepEqual(appSaw, []);
  assert.equal(event.lifetime.length, 0);
});

test("a dispatch's state is applied before the event's handlers run", async () => {
  const world = makeWorker();
  const seen = [];
  world.self.addEventListener('sync', () => {
    seen.push(['listener', world.self.navigator.connection.type, world.self.navigator.connection.saveData]);
  });
  world.self.onperiodicsync = () => {
    seen.push(['onperiodicsync', world.self.navigator.connection.type, world.self.navigator.connection.saveData]);
  };
  let changes = 0;
  world.self.navigator.connection.addEventListener('change', () => {
    changes += 1;
    seen.push(['change']);
  });
  const first = await fire(world, { id: 30, state: bridgeState({ connection: { type: 'cellular', saveData: true } }) });
  const second = await fire(world, { id: 31, kind: 'periodicsync', tag: 'news', state: { connection: { type: 'wifi', saveData: false } } });
  const third = await fire(world, { id: 32, state: { connection: { type: 'bogus' } } });
  assert.deepEqual(seen, [
    ['change'],
    ['listener', 'cellular', true],
    ['change'],
    ['onperiodicsync', 'wifi', false],
    ['listener', 'wifi', false],
  ]);
  assert.equal(changes, 2);
  for (const reply of [first, second, third]) assert.equal(reply.ok, true);
});

test('adds no globals but the specified ones, and takes the config off', () => {
  const world = makeWorker();
  const baseline = new Set([
    ...Reflect.ownKeys(new world.ServiceWorkerGlobalScope()).map(String), 'registration', 'navigator', 'fetch', 'btoa', 'reportError', 'location', 'clients',
  ]);
  const added = Reflect.ownKeys(world.self).map(String).filter((key) => !baseline.has(key));
  assert.deepEqual(added.sort(), [
    'NetworkInformation', 'Notification', 'NotificationEvent', 'PeriodicSyncEvent', 'PeriodicSyncManager', 'Symbol(syncshell.bridge)', 'SyncEvent', 'SyncManager',
    'onnotificationclick', 'onnotificationclose', 'onperiodicsync', 'onsync',
  ]);
  for (const name of ['Notification', 'NotificationEvent']) assert.equal(Object.getOwnPropertyDescriptor(world.self, name).enumerable, false, name);
  // Nothing lands on the VM's own global object either (in a real worker it is self).
  const contextKeys = world.run('Reflect.ownKeys(globalThis)').map(String);
  for (const name of ['SyncManager', 'SyncEvent', 'NetworkInformation', 'Notification', 'NotificationEvent', 'onsync', 'onnotificationclick', '__syncshellConfig']) {
    assert.equal(contextKeys.includes(name), false, name);
  }
});

// ---- notifications ---------------------------------------------------------------------------------

// The options the host gets when the app gives none (timestamp aside: the time of the call).
const DEFAULT_OPTIONS = {
  body: '', icon: '', badge: '', image: '', tag: '', lang: '', dir: 'auto', silent: false, requireInteraction: false, renotify: false, data: null, actions: [],
};

// A notification as the host answers it (get_notifications, a notification event's `notification`).
function hostNotification(id, title, options = {}) {
  return { id, title, options: { ...DEFAULT_OPTIONS, timestamp: 1700000000000, ...options } };
}

async function rejectsWithTypeError(promise, message) {
  await assert.rejects(promise, (error) => {
    assert.equal(error.name, 'TypeError');
    assert.equal(error instanceof DOMException, false);
    if (message instanceof RegExp) assert.match(error.message, message);
    else if (message !== undefined) assert.equal(error.message, message);
    return true;
  });
}

test('showNotification sends the title and every option, defaulted, to show_notification', async () => {
  const world = makeWorker();
  world.answerCommands({ show_notification: { id: 41 } });
  const before = Date.now();
  assert.equal(await world.self.registration.showNotification(42), undefined);
  const after = Date.now();
  const [call] = world.hostCalls();
  assert.equal(call.cmd, 'show_notification');
  assert.deepEqual(Object.keys(call.args), ['scope', 'title', 'options']);
  assert.equal(call.args.scope, SCOPE);
  assert.equal(call.args.title, '42');
  const { timestamp, ...rest } = call.args.options;
  assert.deepEqual(rest, DEFAULT_OPTIONS);
  assert.ok(timestamp >= before && timestamp <= after, 'timestamp defaults to now');
  assert.deepEqual(Object.keys(call.args.options).sort(), [...Object.keys(DEFAULT_OPTIONS), 'timestamp'].sort());
});

test('showNotification converts the options as WebIDL does and resolves URLs against the worker', async () => {
  const world = makeWorker();
  const read = [];
  const options = {
    body: 7, icon: 'icons/a.png', badge: '/badge.png', image: 'https://cdn.example/i.png', tag: 'news', lang: 'fr', dir: 'rtl',
    silent: 1, requireInteraction: 'yes', renotify: true, timestamp: 1234.9, data: { posts: [1, 2], when: 'now' },
    actions: [
      { action: 'read', title: 'Read', icon: 'read.png' },
      { action: 2, title: 'Later' },
      { action: 'mute', title: 'Mute' }, // beyond maxActions: dropped, as Chromium does
    ],
    vibrate: [], // an empty pattern is no vibration, allowed with silent
  };
  // Every member is read once, in the IDL's (lexicographic) order.
  const logged = new Proxy(options, {
    get(target, key) {
      read.push(key);
      return target[key];
    },
  });
  await world.self.registration.showNotification('Hello', logged);
  assert.deepEqual(read, [
    'actions', 'badge', 'body', 'data', 'dir', 'icon', 'image', 'lang', 'renotify', 'requireInteraction', 'silent', 'tag', 'timestamp', 'vibrate',
  ]);
  assert.deepEqual(world.hostCalls()[0].args, {
    scope: SCOPE,
    title: 'Hello',
    iconData: '', // the worker's own origin's icon, not found
    options: {
      body: '7',
      icon: 'https://app.example/icons/a.png',
      badge: 'https://app.example/badge.png',
      image: 'https://cdn.example/i.png',
      tag: 'news',
      lang: 'fr',
      dir: 'rtl',
      silent: true,
      requireInteraction: true,
      renotify: true,
      timestamp: 1234,
      data: '{"posts":[1,2],"when":"now"}',
      actions: [
        { action: 'read', title: 'Read', icon: 'https://app.example/read.png' },
        { action: '2', title: 'Later', icon: '' },
      ],
    },
  });
  assert.equal(world.self.Notification.maxActions, 2);
});

test("showNotification's argument errors and the spec's TypeErrors come before any host call", async () => {
  const world = makeWorker();
  const show = (...args) => world.self.registration.showNotification(...args);
  await rejectsWithTypeError(show(), "Failed to execute 'showNotification' on 'ServiceWorkerRegistration': 1 argument required, but only 0 present.");
  await rejectsWithTypeError(show('t', 'loud'), "The provided value is not of type 'NotificationOptions'.");
  await rejectsWithTypeError(show('t', { dir: 'sideways' }), "The provided value 'sideways' is not a valid enum value of type NotificationDirection.");
  await rejectsWithTypeError(show('t', { actions: 'read' }), 'The provided value cannot be converted to a sequence.');
  await rejectsWithTypeError(show('t', { actions: [{ action: 'read' }] }), "Failed to read the 'title' property from 'NotificationAction': Required member is undefined.");
  await rejectsWithTypeError(show('t', { renotify: true }), 'Notifications which set the renotify flag must specify a non-empty tag.');
  await rejectsWithTypeError(show('t', { renotify: true, tag: '' }), 'Notifications which set the renotify flag must specify a non-empty tag.');
  await rejectsWithTypeError(show('t', { silent: true, vibrate: [200, 100] }), 'Silent notifications must not specify vibration patterns.');
  await rejectsWithTypeError(show('t', { silent: true, vibrate: 200 }), 'Silent notifications must not specify vibration patterns.');
  await rejectsWithTypeError(show(Symbol('t')));
  assert.deepEqual(world.hostCalls(), []);
  // The same options without the conflicting member are fine.
  await show('t', { renotify: true, tag: 'x' });
  await show('t', { silent: false, vibrate: [200] });
  await show('t', { silent: null, vibrate: [200] });
  assert.equal(world.hostCalls().length, 3);
});

test('data that JSON cannot write is a DataCloneError', async () => {
  const world = makeWorker();
  const cyclic = {};
  cyclic.self = cyclic;
  for (const data of [() => {}, Symbol('s'), cyclic, 10n, { toJSON() { throw new Error('no'); } }]) {
    await rejectsWithDOMException(world.self.registration.showNotification('t', { data }), 'DataCloneError');
  }
  await rejectsWithDOMException(world.self.registration.showNotification('t', { data: () => {} }), 'DataCloneError', '() => {} could not be cloned.');
  assert.deepEqual(world.hostCalls(), []);
  // null and undefined are no data; anything else JSON writes goes as its text.
  await world.self.registration.showNotification('t', { data: null });
  await world.self.registration.showNotification('t', { data: undefined });
  await world.self.registration.showNotification('t', { data: 'text' });
  await world.self.registration.showNotification('t', { data: 0 });
  assert.deepEqual(world.hostCalls().map((call) => call.args.options.data), [null, null, '"text"', '0']);
});

test('showNotification without an active worker is a TypeError, checked before the options', async () => {
  const world = makeWorker({ active: false });
  const message = 'No active registration available on the ServiceWorkerRegistration.';
  await rejectsWithTypeError(world.self.registration.showNotification('t'), message);
  await rejectsWithTypeError(world.self.registration.showNotification('t', { renotify: true }), message);
  // The arguments' conversion comes first.
  await rejectsWithTypeError(world.self.registration.showNotification('t', { dir: 'up' }), /NotificationDirection/);
  assert.deepEqual(world.hostCalls(), []);
});

test("the host's refusal is passed on: a TypeError without the permission, a DOMException otherwise", async () => {
  const world = makeWorker();
  world.answerCommands({ show_notification: { error: { name: 'TypeError', message: 'No notification permission has been granted for this origin.' } } });
  await rejectsWithTypeError(world.self.registration.showNotification('t'), 'No notification permission has been granted for this origin.');
  world.answerCommands({ show_notification: { error: { name: 'UnknownError', message: 'No notification server.' } } });
  await rejectsWithDOMException(world.self.registration.showNotification('t'), 'UnknownError', 'No notification server.');
  assert.equal(world.hostCalls().length, 2);
});

test('getNotifications builds Notification objects from the host records', async () => {
  const world = makeWorker();
  const records = [
    hostNotification(7, 'Posted', {
      body: 'Your post is out', tag: 'post', data: '{"tag":"outbox","n":[1]}', requireInteraction: true,
      actions: [{ action: 'read', title: 'Read', icon: '' }, { action: 'mute', title: 'Mute', icon: 'https://app.example/m.png' }],
    }),
    // What the host should never send is read as the interface's types.
    { id: 8, title: 5, options: { silent: 'yes', dir: 'bogus', data: { not: 'text' }, actions: 'none', timestamp: 'soon' } },
  ];
  world.answerCommands({ get_notifications: () => records, close_notification: { error: { name: 'UnknownError', message: 'gone' } } });
  const list = await world.self.registration.getNotifications();
  await world.self.registration.getNotifications({ tag: 'post' });
  await world.self.registration.getNotifications(null);
  assert.deepEqual(world.hostCalls(), [
    { cmd: 'get_notifications', args: { scope: SCOPE, tag: '' } },
    { cmd: 'get_notifications', args: { scope: SCOPE, tag: 'post' } },
    { cmd: 'get_notifications', args: { scope: SCOPE, tag: '' } },
  ]);
  assert.equal(list.length, 2);
  const [posted, odd] = list;
  assert.ok(posted instanceof world.self.Notification);
  assert.ok(posted instanceof EventTarget);
  assert.equal(Object.prototype.toString.call(posted), '[object Notification]');
  assert.deepEqual(Object.keys(posted), [], 'attributes are on the prototype');
  assert.equal(posted.title, 'Posted');
  assert.equal(posted.body, 'Your post is out');
  assert.equal(posted.tag, 'post');
  assert.equal(posted.dir, 'auto');
  assert.equal(posted.requireInteraction, true);
  assert.equal(posted.silent, false);
  assert.equal(posted.timestamp, 1700000000000);
  assert.deepEqual(plain(posted.data), { tag: 'outbox', n: [1] });
  assert.equal(posted.data, posted.data, 'data is parsed once');
  assert.deepEqual(plain(posted.actions), [
    { action: 'read', title: 'Read', icon: '' },
    { action: 'mute', title: 'Mute', icon: 'https://app.example/m.png' },
  ]);
  assert.equal(posted.actions, posted.actions);
  assert.ok(Object.isFrozen(posted.actions) && Object.isFrozen(posted.actions[0]));
  assert.throws(() => {
    posted.title = 'changed';
  }, TypeError);
  assert.equal(posted.title, 'Posted');
  assert.equal(posted.onclick, null);
  assert.deepEqual(
    [odd.title, odd.silent, odd.dir, odd.data, odd.actions.length, odd.timestamp, odd.body],
    ['', false, 'auto', null, 0, 0, ''],
  );

  // close() asks the host to close it by id; its failure is nobody's concern.
  assert.equal(posted.close(), undefined);
  await settle();
  assert.deepEqual(world.hostCalls().slice(3), [{ cmd: 'close_notification', args: { id: 7 } }]);
  assert.throws(() => world.self.Notification.prototype.close.call({}), (error) => error.message === 'Illegal invocation');
  await rejectsWithTypeError(world.self.registration.getNotifications('post'), "The provided value is not of type 'GetNotificationOptions'.");
});

test('in a worker the Notification constructor is illegal, and its permission follows the bridge state', () => {
  const world = makeWorker();
  const { Notification } = world.self;
  assert.throws(() => new Notification('hi'), (error) => error.name === 'TypeError'
    && error.message === 'Illegal constructor. Use ServiceWorkerRegistration.showNotification() instead.');
  assert.throws(() => new Notification(), (error) => error.message === 'Illegal constructor. Use ServiceWorkerRegistration.showNotification() instead.');
  assert.equal('requestPermission' in Notification, false, 'requestPermission is for windows only');
  assert.equal(Notification.maxActions, 2);
  assert.equal(Notification.permission, 'default', 'unknown until the host says');
  pushState(world, { permissions: { notifications: 'granted' } });
  assert.equal(Notification.permission, 'granted');
  pushState(world, { permissions: { notifications: 'denied' } });
  assert.equal(Notification.permission, 'denied');
  // The Permissions API's 'prompt' is NotificationPermission's 'default'.
  pushState(world, { permissions: { notifications: 'prompt' } });
  assert.equal(Notification.permission, 'default');
  for (const name of ['permission', 'maxActions']) assert.equal(Object.getOwnPropertyDescriptor(Notification, name).enumerable, true, name);
});

test('NotificationEvent can be constructed like the native one', async () => {
  const world = makeWorker();
  world.answerCommands({ get_notifications: [hostNotification(1, 'One')] });
  const [notification] = await world.self.registration.getNotifications();
  const event = new world.self.NotificationEvent('notificationclick', { notification, action: 'read' });
  assert.ok(event instanceof ExtendableEvent);
  assert.equal(event.type, 'notificationclick');
  assert.equal(event.notification, notification);
  assert.equal(event.action, 'read');
  assert.equal(new world.self.NotificationEvent('notificationclose', { notification }).action, '');
  assert.equal(Object.prototype.toString.call(event), '[object NotificationEvent]');
  const isTypeError = (error) => error.name === 'TypeError';
  assert.throws(() => new world.self.NotificationEvent('notificationclick', {}), isTypeError);
  assert.throws(() => new world.self.NotificationEvent('notificationclick'), isTypeError);
  assert.throws(() => new world.self.NotificationEvent('notificationclick', { notification: { title: 'fake' } }), isTypeError);
});

function fireNotification(world, { id = 1, kind = 'notificationclick', notification = hostNotification(5, 'Posted'), action, timeoutMs = 1000 } = {}) {
  const data = { __syncshell: 'dispatch', id, kind, notification, timeoutMs };
  if (action !== undefined) data.action = action;
  return postToWorker(world, data).reply;
}

test('notificationclick and notificationclose reach the listeners and the handler attributes', async () => {
  const world = makeWorker();
  const seen = [];
  world.self.addEventListener('notificationclick', (event) => {
    seen.push(['listener', event.type, event.action, event.notification.title, event.notification.tag, plain(event.notification.data)]);
  });
  world.self.onnotificationclick = (event) => seen.push(['onnotificationclick', event instanceof world.self.NotificationEvent, event.notification instanceof world.self.Notification]);
  world.self.onnotificationclose = (event) => seen.push(['onnotificationclose', event.action, event.notification.title]);
  assert.equal(typeof world.self.onnotificationclick, 'function');
  const notification = hostNotification(5, 'Posted', { tag: 'post', data: '{"tag":"outbox"}' });
  const click = await fireNotification(world, { id: 40, notification, action: 'read' });
  const close = await fireNotification(world, { id: 41, kind: 'notificationclose', notification });
  assert.deepEqual(seen, [
    ['listener', 'notificationclick', 'read', 'Posted', 'post', { tag: 'outbox' }],
    ['onnotificationclick', true, true],
    ['onnotificationclose', '', 'Posted'],
  ]);
  assert.deepEqual(plain(click), { __syncshell: 'result', id: 40, ok: true });
  assert.deepEqual(plain(close), { __syncshell: 'result', id: 41, ok: true });
  world.self.onnotificationclick = null;
  assert.equal(world.self.onnotificationclick, null);
  await fireNotification(world, { id: 42 });
  assert.equal(seen.length, 4, 'only the listener ran');

  // The event's notification closes like any other.
  let clicked;
  world.self.addEventListener('notificationclick', (event) => {
    clicked = event.notification;
  });
  await fireNotification(world, { id: 43 });
  clicked.close();
  await settle();
  assert.deepEqual(world.hostCalls(), [{ cmd: 'close_notification', args: { id: 5 } }]);
});

test("a notification event's outcome follows its waitUntil promises, its listeners and its timeout", async () => {
  const world = makeWorker();
  let mode = 'resolve';
  world.self.addEventListener('notificationclick', (event) => {
    if (mode === 'resolve') event.waitUntil(new Promise((resolve) => setTimeout(resolve, 5)));
    else if (mode === 'reject') event.waitUntil(Promise.reject(new Error('no window')));
    else if (mode === 'throw') throw new Error('boom');
    else event.waitUntil(new Promise(() => {}));
  });
  assert.deepEqual(plain(await fireNotification(world, { id: 1 })), { __syncshell: 'result', id: 1, ok: true });
  mode = 'reject';
  assert.deepEqual(plain(await fireNotification(world, { id: 2 })), { __syncshell: 'result', id: 2, ok: false, error: 'Error: no window' });
  mode = 'throw';
  assert.deepEqual(plain(await fireNotification(world, { id: 3 })), { __syncshell: 'result', id: 3, ok: false, error: 'Error: boom' });
  assert.equal(world.reported.length, 1);
  mode = 'hang';
  assert.deepEqual(plain(await fireNotification(world, { id: 4, timeoutMs: 20 })), { __syncshell: 'result', id: 4, ok: false, error: 'timed out' });
  // A dispatch without a notification fails without reaching the app.
  mode = 'resolve';
  const broken = await fireNotification(world, { id: 5, notification: null });
  assert.equal(broken.ok, false);
  assert.match(broken.error, /UnknownError|Unexpected notification/);
});

test('openWindow resolves the URL, asks the host, and resolves the window client that appears', async () => {
  const world = makeWorker();
  world.answerCommands({ open_window: (args) => ({ url: args.url }) });
  const opened = new world.WindowClient('https://app.example/app/?from=notification#top');
  // The page is listed from the third look on.
  world.setWindows((call) => (call < 3 ? [new world.WindowClient('https://app.example/other')] : [new world.WindowClient('https://app.example/other'), opened]));
  const client = await world.self.clients.openWindow('/app/?from=notification');
  assert.equal(client, opened, 'found with the fragment ignored');
  assert.deepEqual(world.hostCalls(), [{ cmd: 'open_window', args: { url: 'https://app.example/app/?from=notification' } }]);
  assert.equal(world.matchAllCalls.length, 3);
  assert.deepEqual(plain(world.matchAllCalls[0]), { type: 'window', includeUncontrolled: true });
  await rejectsWithTypeError(world.self.clients.openWindow(), /1 argument required/);
  await rejectsWithTypeError(world.self.clients.openWindow('http://['), "Failed to execute 'openWindow' on 'Clients': The URL 'http://[' is invalid.");
  assert.equal(world.hostCalls().length, 1);
});

test('openWindow resolves null when the URL went to the browser, and rejects when the host refuses', async () => {
  const world = makeWorker();
  world.answerCommands({ open_window: null });
  assert.equal(await world.self.clients.openWindow('https://elsewhere.example/'), null);
  assert.deepEqual(world.matchAllCalls, [], 'no window to look for');
  world.answerCommands({ open_window: { error: { name: 'InvalidAccessError', message: 'Not allowed to open a window.' } } });
  await rejectsWithDOMException(world.self.clients.openWindow('/app/'), 'InvalidAccessError', 'Not allowed to open a window.');
});

test('openWindow looks for the window client every 100 ms for 5 s, then resolves null', async () => {
  const delays = [];
  const world = makeWorker({
    globals: {
      setTimeout: (fn, ms) => {
        delays.push(ms);
        return setTimeout(fn, 0);
      },
    },
  });
  world.answerCommands({ open_window: { url: 'https://app.example/app/' } });
  world.setWindows([new world.WindowClient('https://app.example/app/other')]);
  assert.equal(await world.self.clients.openWindow('/app/'), null);
  assert.equal(world.matchAllCalls.length, 51);
  assert.deepEqual(delays, Array(50).fill(100));
});

test('WindowClient focus() and navigate() go through the host', async () => {
  const world = makeWorker();
  const client = new world.WindowClient('https://app.example/app/');
  // Relative URLs are parsed against the worker's URL, as the spec says.
  const moved = new world.WindowClient('https://app.example/post/3');
  world.setWindows([moved]);
  world.answerCommands({ focus_window: null, navigate_window: (args) => ({ url: args.url }) });
  assert.equal(await client.focus(), client);
  assert.equal(await client.navigate('post/3'), moved);
  assert.deepEqual(world.hostCalls(), [
    { cmd: 'focus_window', args: { url: 'https://app.example/app/' } },
    { cmd: 'navigate_window', args: { from: 'https://app.example/app/', url: 'https://app.example/post/3' } },
  ]);
  world.answerCommands({ navigate_window: null, focus_window: { error: { name: 'InvalidAccessError', message: 'Not allowed to focus a window.' } } });
  assert.equal(await client.navigate('https://app.example/gone'), null);
  await rejectsWithDOMException(client.focus(), 'InvalidAccessError', 'Not allowed to focus a window.');
  await rejectsWithTypeError(world.WindowClient.prototype.focus.call({ url: 'x' }), 'Illegal invocation');
  await rejectsWithTypeError(client.navigate(), /1 argument required/);
});

test('without Clients and WindowClient the shim leaves windows alone and still shows notifications', async () => {
  const world = makeWorker({ clients: false });
  assert.equal('clients' in world.self, false);
  world.answerCommands({ show_notification: { id: 1 } });
  await world.self.registration.showNotification('t');
  assert.equal(world.hostCalls()[0].cmd, 'show_notification');
});

test("showNotification fetches an icon of the worker's origin with its cookies, and no other", async () => {
  const png = [0x89, 0x50, 0x4e, 0x47, 1, 2, 3];
  const world = makeWorker({
    icons: { 'https://app.example/own.png': png, 'https://app.example/huge.png': new Array(512 * 1024 + 1).fill(0) },
  });
  const show = async (icon) => {
    await world.self.registration.showNotification('Hi', icon === undefined ? {} : { icon });
    return world.hostCalls().at(-1).args;
  };
  assert.equal((await show('/own.png')).iconData, Buffer.from(png).toString('base64'));
  assert.equal(world.iconFetches.at(-1).init.credentials, 'include');
  assert.equal((await show('/huge.png')).iconData, '', 'too big: the installed icon');
  assert.equal((await show('/missing.png')).iconData, '');
  const fetched = world.iconFetches.length;
  assert.equal('iconData' in (await show('https://cdn.example/other.png')), false, "another origin's: the host fetches it");
  assert.equal('iconData' in (await show()), false);
  assert.equal(world.iconFetches.length, fetched, 'nothing fetched for those');
});

test('an icon that never comes holds showNotification up for a bounded time only', async () => {
  // Timers that fire at once: the bound is reached without waiting for it.
  const world = makeWorker({
    icons: { 'https://app.example/slow.png': 'hang' },
    globals: { setTimeout: (fn) => { fn(); return 0; }, clearTimeout: () => {} },
  });
  await world.self.registration.showNotification('Hi', { icon: '/slow.png' });
  assert.equal(world.hostCalls().at(-1).args.iconData, '');
});
