// Unit tests of host.js against a fake of Tauri's internals: the call shapes of invoke, listen and
// unlisten (as @tauri-apps/api makes them), events reaching the handler, and errors' shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHost, hostError } from './host.js';

function fakeInternals({ answer = () => null } = {}) {
  const calls = [];
  const callbacks = new Map();
  const unregistered = [];
  let nextCallback = 100;
  let nextEvent = 7;
  const internals = {
    async invoke(cmd, args) {
      calls.push({ cmd, args });
      if (cmd === 'plugin:event|listen') return nextEvent++;
      if (cmd === 'plugin:event|unlisten') return null;
      return answer(cmd, args);
    },
    transformCallback(fn) {
      const id = nextCallback++;
      callbacks.set(id, fn);
      return id;
    },
    unregisterCallback(id) {
      callbacks.delete(id);
    },
  };
  const eventInternals = {
    unregisterListener(event, id) {
      unregistered.push({ event, id });
    },
  };
  return { internals, eventInternals, calls, callbacks, unregistered };
}

test('invoke passes the command and its camelCase args through', async () => {
  const fake = fakeInternals({ answer: (cmd, args) => ({ cmd, got: args }) });
  const host = createHost(fake.internals);
  const answer = await host.invoke('panel_uninstall', { app: 'demo', deleteData: true });
  assert.deepEqual(answer, { cmd: 'panel_uninstall', got: { app: 'demo', deleteData: true } });
  assert.deepEqual(fake.calls, [{ cmd: 'panel_uninstall', args: { app: 'demo', deleteData: true } }]);
  await host.invoke('panel_state');
  assert.deepEqual(fake.calls[1], { cmd: 'panel_state', args: {} });
});

test('rejections keep their kind and message; other failures get that shape', async () => {
  const fake = fakeInternals({
    answer: (cmd) => {
      if (cmd === 'typed') throw { kind: 'notFound', message: 'No app "x" is installed.' };
      if (cmd === 'string') throw 'command panel_nope not found';
      throw new TypeError('boom');
    },
  });
  const host = createHost(fake.internals);
  await assert.rejects(host.invoke('typed'), { kind: 'notFound', message: 'No app "x" is installed.' });
  await assert.rejects(host.invoke('string'), { kind: 'error', message: 'command panel_nope not found' });
  await assert.rejects(host.invoke('other'), { kind: 'TypeError', message: 'boom' });
  assert.deepEqual(hostError(undefined), { kind: 'error', message: 'The host failed without saying why (undefined).' });
  assert.deepEqual(hostError({ code: 3 }), { kind: 'error', message: 'The host failed without saying why ({"code":3}).' });
});

test('without Tauri internals every call rejects with a message', async () => {
  const host = createHost(undefined);
  await assert.rejects(host.invoke('panel_state'), { kind: 'unavailable' });
  await assert.rejects(host.listen('settings:changed', () => {}), { kind: 'unavailable' });
});

test('listen registers a callback with the event plugin and hands it the payload', async () => {
  const fake = fakeInternals();
  const host = createHost(fake.internals, () => fake.eventInternals);
  const seen = [];
  const unlisten = await host.listen('settings:changed', (payload) => seen.push(payload));
  assert.equal(fake.calls.length, 1);
  const { cmd, args } = fake.calls[0];
  assert.equal(cmd, 'plugin:event|listen');
  assert.deepEqual(args, { event: 'settings:changed', target: { kind: 'Any' }, handler: 100 });
  // Tauri calls the callback with the whole event; the handler gets its payload.
  fake.callbacks.get(100)({ event: 'settings:changed', id: 7, payload: { tables: ['apps'] } });
  assert.deepEqual(seen, [{ tables: ['apps'] }]);

  await unlisten();
  assert.deepEqual(fake.unregistered, [{ event: 'settings:changed', id: 7 }]);
  assert.deepEqual(fake.calls[1], { cmd: 'plugin:event|unlisten', args: { event: 'settings:changed', eventId: 7 } });
  await unlisten();
  assert.equal(fake.calls.length, 2, 'a second unlisten does nothing');
  assert.equal(fake.unregistered.length, 1);
});

test('a refused listen drops its callback and rejects', async () => {
  const fake = fakeInternals();
  fake.internals.invoke = async () => {
    throw { kind: 'forbidden', message: 'event.listen not allowed' };
  };
  const host = createHost(fake.internals, () => fake.eventInternals);
  await assert.rejects(host.listen('settings:install', () => {}), { kind: 'forbidden', message: 'event.listen not allowed' });
  assert.equal(fake.callbacks.size, 0);
});
