// Unit tests of the demo service worker's logic, run in a VM context with stand-ins for the
// worker globals (the end-to-end tests run it in real WebKit).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';

const source = readFileSync(new URL('./sw.js', import.meta.url), 'utf8');

function loadWorker({ network }) {
  const listeners = {};
  const cache = new Map();
  const calls = { skipWaiting: 0, claim: 0 };
  const caches = {
    open: async () => ({ addAll: async (urls) => urls.forEach((u) => cache.set(u, `cached ${u}`)) }),
    match: async (request) => cache.get(request.url) ?? cache.get(request),
  };
  const self = {
    addEventListener: (type, fn) => { listeners[type] = fn; },
    skipWaiting: () => { calls.skipWaiting += 1; },
    clients: { claim: async () => { calls.claim += 1; } },
  };
  const Response = { error: () => 'network error response' };
  const context = vm.createContext({ self, caches, fetch: network, Response });
  context.importScripts = (name) => vm.runInContext(readFileSync(new URL(`./${name}`, import.meta.url), 'utf8'), context);
  vm.runInContext(source, context);
  return { listeners, cache, calls, outbox: self.DemoOutbox };
}

function extendable() {
  const promises = [];
  return { event: { waitUntil: (p) => promises.push(p) }, done: () => Promise.all(promises) };
}

test('install caches the app shell and activates at once', async () => {
  const { listeners, cache, calls } = loadWorker({ network: async () => 'net' });
  const { event, done } = extendable();
  listeners.install(event);
  await done();
  assert.ok(cache.has('index.html') && cache.has('app.js') && cache.has('./'));
  assert.equal(calls.skipWaiting, 1);
});

test('fetch is network first', async () => {
  const { listeners } = loadWorker({ network: async (req) => `net ${req.url}` });
  let responded;
  listeners.fetch({ request: { method: 'GET', url: 'app.js' }, respondWith: (p) => { responded = p; } });
  assert.equal(await responded, 'net app.js');
});

test('fetch falls back to the cache when the network fails, then to an error', async () => {
  const { listeners } = loadWorker({ network: async () => { throw new TypeError('offline'); } });
  const install = extendable();
  listeners.install(install.event);
  await install.done();
  let responded;
  listeners.fetch({ request: { method: 'GET', url: 'app.js' }, respondWith: (p) => { responded = p; } });
  assert.equal(await responded, 'cached app.js');
  listeners.fetch({ request: { method: 'GET', url: 'unknown.js' }, respondWith: (p) => { responded = p; } });
  assert.equal(await responded, 'network error response');
});

test('API requests are never answered from the cache', () => {
  const { listeners } = loadWorker({ network: async () => 'net' });
  let called = false;
  listeners.fetch({ request: { method: 'GET', url: 'http://127.0.0.1:1/api/messages' }, respondWith: () => { called = true; } });
  assert.equal(called, false);
});

test('a sync event sends the outbox in order and fails at the first refusal', async () => {
  const { listeners, outbox } = loadWorker({ network: async () => 'net' });
  const queue = [{ key: 1, value: { text: 'a' } }, { key: 2, value: { text: 'b' } }, { key: 3, value: { text: 'c' } }];
  outbox.all = async () => queue.slice();
  const removed = [];
  outbox.remove = async (key) => { removed.push(key); };
  const sent = [];
  const answers = [{ ok: true }, { ok: false, status: 503 }];
  const flush = outbox.flush;
  outbox.flush = () => flush((body) => { sent.push(JSON.parse(body).text); return Promise.resolve(answers.shift()); });
  const { event, done } = extendable();
  listeners.sync(Object.assign(event, { tag: 'outbox' }));
  await assert.rejects(done(), /answered 503/);
  assert.deepEqual(sent, ['a', 'b']);
  assert.deepEqual(removed, [1]);
});

test('non-GET requests are left to the network', () => {
  const { listeners } = loadWorker({ network: async () => 'net' });
  let called = false;
  listeners.fetch({ request: { method: 'POST', url: 'api' }, respondWith: () => { called = true; } });
  assert.equal(called, false);
});
