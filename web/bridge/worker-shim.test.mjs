// Unit tests of the service worker shim (worker-shim.js), run in a VM context where `self` is a stand-in
// for ServiceWorkerGlobalScope (an EventTarget with registration, navigator, fetch and reportError).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import { bridgeSource } from './source.mjs';

const source = bridgeSource('worker-shim.js');
const SCOPE = 'https://app.example/';
const CONFIG_LINE = 'self.__syncshellConfig = {token: "t0k3n", base: "/__syncshell__/"};\n';

// Values made inside the VM context have that context's prototypes; compare them as plain JSON.
const plain = (value) => JSON.parse(JSON.stringify(value));

// Lets the shim's promise chains (the startup 'bridge_state' call) run.
const settle = async () => {
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
};

// A bridge state with every field, `changes` merged in.
function bridgeState({ permissions = {}, connection = {} } = {}) {
  return {
    permissions: { 'background-sync': 'granted', 'periodic-background-sync': 'denied', notifications: 'prompt', ...permissions },
    connection: { type: 'wifi', saveData: false, ...connection },
  };
}

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
// `stateCalls`); `permissions: false` leaves the WorkerNavigator without a Permissions API.
function makeWorker({ config = true, active = true, globals = {}, hostState = null, permissions = true, nativeConnection = false } = {}) {
  const fetchCalls = [];
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
  self.fetch = async (url, init) => {
    if (JSON.parse(init.body).cmd === 'bridge_state') {
      stateCalls.push({ url, init });
      return stateAnswer(url, init);
    }
    fetchCalls.push({ url, init });
    return respond(url, init);
  };
  self.reportError = (error) => reported.push(error);

  const context = vm.createContext({
    self, DOMException, EventTarget, Event, ExtendableEvent, ServiceWorkerRegistration, WorkerNavigator, setTimeout, clearTimeout, console, ...globals,
  });
  const load = () => vm.runInContext((config ? CONFIG_LINE : '') + source, context, { filename: 'worker-shim.js' });
  load();
  return {
    self,
    context,
    fetchCalls,
    stateCalls,
    nativeQueries,
    reported,
    load,
    ServiceWorkerGlobalScope,
    WorkerNavigator,
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
  const baseline = new Set([...Reflect.ownKeys(new world.ServiceWorkerGlobalScope()).map(String), 'registration', 'navigator', 'fetch', 'reportError']);
  const added = Reflect.ownKeys(world.self).map(String).filter((key) => !baseline.has(key));
  assert.deepEqual(added.sort(), [
    'NetworkInformation', 'PeriodicSyncEvent', 'PeriodicSyncManager', 'Symbol(syncshell.bridge)', 'SyncEvent', 'SyncManager', 'onperiodicsync', 'onsync',
  ]);
  // Nothing lands on the VM's own global object either (in a real worker it is self).
  const contextKeys = world.run('Reflect.ownKeys(globalThis)').map(String);
  for (const name of ['SyncManager', 'SyncEvent', 'NetworkInformation', 'onsync', '__syncshellConfig']) assert.equal(contextKeys.includes(name), false, name);
});
