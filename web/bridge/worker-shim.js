// syncshell service worker shim. The host's proxy prepends this file (after sync-api.js) to the app's
// service worker script, after one config line: self.__syncshellConfig = {token: "...", base: "/__syncshell__/"};
// WebKit has no Background Sync, so this adds, inside the worker:
//   - ServiceWorkerRegistration.prototype.sync / .periodicSync (sync-api.js, as in pages), reaching the host with
//     fetch(base + 'api') authenticated by the token;
//   - the globals SyncManager, PeriodicSyncManager, SyncEvent, PeriodicSyncEvent and self.onsync /
//     self.onperiodicsync;
//   - navigator.permissions.query() answers for 'background-sync', 'periodic-background-sync' and
//     'notifications', and navigator.connection (WorkerNavigator.prototype) with the global
//     NetworkInformation, as in pages (sync-api.js);
//   - the bridge state behind those two: the host's answer to 'bridge_state' at startup, then each
//     {__syncshell: 'state', state} a page of the app posts on (page.js, __syncshellStateChanged);
//   - the worker side of dispatch: a page of the app (page.js, __syncshellDispatch) posts
//     {__syncshell: 'dispatch', ..., state?} with a MessagePort; this applies the state, fires the sync or
//     periodicsync event, waits for the promises given to event.waitUntil(), and answers
//     {__syncshell: 'result', id, ok, error}.
(function () {
  'use strict';

  const G = self;
  const api = syncshellSyncApi(G, callHost);
  if (!api.claimRealm()) return;
  const { DISABLED, MAX_TIMER_MS, safeString, toDOMString, requireArguments, hostError } = api;

  const SYNC_EVENT_TYPES = ['sync', 'periodicsync'];

  // Captured now, before the app's code can wrap or replace them.
  const config = readConfig();
  const nativeFetch = G.fetch;
  const nativeDispatchEvent = G.dispatchEvent;
  const listenerOwner = api.ownerOf(G, 'addEventListener') || G;
  const removerOwner = api.ownerOf(G, 'removeEventListener') || G;
  const nativeAddEventListener = listenerOwner.addEventListener;
  const nativeRemoveEventListener = removerOwner.removeEventListener;
  const reportException = typeof G.reportError === 'function'
    ? (error) => G.reportError(error)
    : (error) => console.error(error);

  // The config line holds the token: read it once and take it off the global object.
  function readConfig() {
    const raw = G.__syncshellConfig;
    try {
      delete G.__syncshellConfig;
    } catch (_) {
      // not configurable: leave it
    }
    if (!raw || typeof raw.token !== 'string' || raw.token === '' || typeof raw.base !== 'string') return null;
    const base = raw.base.endsWith('/') ? raw.base : `${raw.base}/`;
    return { token: raw.token, api: `${base}api` };
  }

  // ---- the way to the host -------------------------------------------------------------------------

  async function callHost(cmd, args) {
    if (!config || typeof nativeFetch !== 'function') throw new DOMException(DISABLED, 'UnknownError');
    let response;
    try {
      response = await nativeFetch.call(G, config.api, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Syncshell-Token': config.token },
        body: JSON.stringify({ cmd, args }),
      });
    } catch (error) {
      throw new DOMException(`Could not reach the syncshell host: ${safeString(error)}`, 'UnknownError');
    }
    let answer = null;
    try {
      answer = await response.json();
    } catch (_) {
      answer = null;
    }
    if (answer && answer.ok === false) throw hostError(answer.error);
    if (answer && answer.ok === true && response.status === 200) return answer.value;
    throw new DOMException(`Unexpected answer from the syncshell host (HTTP ${response.status}).`, 'UnknownError');
  }

  function replaceMethod(owner, key, value) {
    const descriptor = Object.getOwnPropertyDescriptor(owner, key) || { writable: true, enumerable: true, configurable: true };
    try {
      Object.defineProperty(owner, key, { ...descriptor, value });
    } catch (_) {
      Object.defineProperty(G, key, { value, writable: true, enumerable: true, configurable: true });
    }
  }

  const Registration = typeof ServiceWorkerRegistration === 'function' ? ServiceWorkerRegistration : null;
  if (Registration) api.installManagers(Registration);

  // ---- SyncEvent and PeriodicSyncEvent -----------------------------------------------------------

  const BaseEvent = typeof ExtendableEvent === 'function' ? ExtendableEvent : Event;
  const eventData = new WeakMap(); // event -> {tag, lastChance}

  function toInitDictionary(init, name) {
    if (init === undefined || init === null) return {};
    if (typeof init !== 'object' && typeof init !== 'function') {
      throw new TypeError(`The provided value is not of type '${name}'.`);
    }
    return init;
  }

  function dataOf(event) {
    const data = eventData.get(event);
    if (!data) throw new TypeError('Illegal invocation');
    return data;
  }

  class SyncEvent extends BaseEvent {
    constructor(type, init) {
      requireArguments(arguments.length, 2, 'constructor', 'SyncEvent');
      const typeString = toDOMString(type);
      const dict = toInitDictionary(init, 'SyncEventInit');
      if (dict.tag === undefined) throw new TypeError("Failed to construct 'SyncEvent': required member tag is undefined.");
      const lastChance = Boolean(dict.lastChance);
      const tag = toDOMString(dict.tag);
      super(typeString, dict);
      eventData.set(this, { tag, lastChance });
    }

    get tag() {
      return dataOf(this).tag;
    }

    get lastChance() {
      return dataOf(this).lastChance;
    }
  }

  class PeriodicSyncEvent extends BaseEvent {
    constructor(type, init) {
      requireArguments(arguments.length, 2, 'constructor', 'PeriodicSyncEvent');
      const typeString = toDOMString(type);
      const dict = toInitDictionary(init, 'PeriodicSyncEventInit');
      if (dict.tag === undefined) throw new TypeError("Failed to construct 'PeriodicSyncEvent': required member tag is undefined.");
      const tag = toDOMString(dict.tag);
      super(typeString, dict);
      eventData.set(this, { tag });
    }

    get tag() {
      return dataOf(this).tag;
    }
  }

  api.makeAccessorsEnumerable(SyncEvent.prototype, ['tag', 'lastChance']);
  api.makeAccessorsEnumerable(PeriodicSyncEvent.prototype, ['tag']);
  Object.defineProperty(SyncEvent.prototype, Symbol.toStringTag, { value: 'SyncEvent', configurable: true });
  Object.defineProperty(PeriodicSyncEvent.prototype, Symbol.toStringTag, { value: 'PeriodicSyncEvent', configurable: true });

  // ---- catching listeners that throw -------------------------------------------------------------
  //
  // A listener that throws must make the sync event fail (Chromium reports such a dispatch as failed and
  // retries). When script calls dispatchEvent(), the engine reports the exception itself and carries on:
  // dispatchEvent() does not throw, and whether an 'error' event reaches the global, and when, differs per
  // engine, and an 'error' listener would also catch unrelated errors thrown meanwhile. So instead every
  // 'sync' / 'periodicsync' listener added to self is wrapped in a guard that calls it inside try/catch,
  // records the exception against the event being dispatched, and reports it with reportError() (the
  // console and self.onerror, as the engine would). addEventListener / removeEventListener are replaced
  // where they are defined (EventTarget.prototype in a worker), so `addEventListener(...)`,
  // `self.addEventListener(...)` and `EventTarget.prototype.addEventListener.call(self, ...)` all go
  // through the guard; calls on other targets are passed straight on. onsync / onperiodicsync use the
  // same path.

  const dispatchStates = new WeakMap(); // event -> {dispatching, pending, promises, finished, failure}
  const guards = new WeakMap(); // listener -> Map("type capture" -> guard)

  function isSyncType(type) {
    return typeof type !== 'symbol' && SYNC_EVENT_TYPES.includes(String(type));
  }

  function captureOf(options) {
    return typeof options === 'boolean' ? options : Boolean(options && options.capture);
  }

  function recordFailure(event, reason) {
    const state = dispatchStates.get(event);
    if (state && !state.failure) state.failure = { reason };
  }

  function guardFor(listener, type, capture, create) {
    let byKey = guards.get(listener);
    const key = `${type} ${capture}`;
    if (byKey && byKey.has(key)) return byKey.get(key);
    if (!create) return null;
    const guard = function (event) {
      try {
        if (typeof listener === 'function') {
          listener.call(this, event);
        } else {
          const handleEvent = listener.handleEvent;
          if (typeof handleEvent !== 'function') throw new TypeError('The listener has no handleEvent method.');
          handleEvent.call(listener, event);
        }
      } catch (error) {
        recordFailure(event, error);
        reportException(error);
      }
    };
    if (!byKey) {
      byKey = new Map();
      guards.set(listener, byKey);
    }
    byKey.set(key, guard);
    return guard;
  }

  function isListener(listener) {
    return typeof listener === 'function' || (typeof listener === 'object' && listener !== null);
  }

  const eventTargetMethods = {
    addEventListener(type, listener, options) {
      // An unqualified addEventListener(...) call in the worker arrives with this === undefined.
      const target = this === undefined || this === null ? G : this;
      if (target === G && isSyncType(type) && isListener(listener)) {
        const guard = guardFor(listener, String(type), captureOf(options), true);
        return nativeAddEventListener.call(target, type, guard, options);
      }
      return nativeAddEventListener.apply(target, arguments);
    },
    removeEventListener(type, listener, options) {
      const target = this === undefined || this === null ? G : this;
      if (target === G && isSyncType(type) && isListener(listener)) {
        const guard = guardFor(listener, String(type), captureOf(options), false);
        if (guard) return nativeRemoveEventListener.call(target, type, guard, options);
      }
      return nativeRemoveEventListener.apply(target, arguments);
    },
  };
  replaceMethod(listenerOwner, 'addEventListener', eventTargetMethods.addEventListener);
  replaceMethod(removerOwner, 'removeEventListener', eventTargetMethods.removeEventListener);

  // ---- self.onsync / self.onperiodicsync ---------------------------------------------------------

  // Like any event handler attribute: one value at a time, registered as a listener when first set to a
  // function, removed when set to null (or anything that is not a function).
  function defineHandlerAttribute(type) {
    let handler = null;
    const listener = function (event) {
      if (typeof handler !== 'function') return;
      if (handler.call(this, event) === false) event.preventDefault();
    };
    const name = `on${type}`;
    const accessors = {
      get [name]() {
        return handler;
      },
      set [name](value) {
        const next = typeof value === 'function' ? value : null;
        if (next && !handler) eventTargetMethods.addEventListener.call(G, type, listener);
        if (!next && handler) eventTargetMethods.removeEventListener.call(G, type, listener);
        handler = next;
      },
    };
    const { get, set } = Object.getOwnPropertyDescriptor(accessors, name);
    Object.defineProperty(G, name, { get, set, enumerable: true, configurable: true });
  }

  defineHandlerAttribute('sync');
  defineHandlerAttribute('periodicsync');

  // ---- firing the events -------------------------------------------------------------------------

  // The script-created event's own waitUntil() throws (it is not trusted), so each dispatched event gets
  // its own waitUntil that collects the promises, following the spec's "add lifetime promise": allowed
  // while dispatching or while earlier promises are pending, an InvalidStateError afterwards.
  function giveLifetime(event, state) {
    const methods = {
      waitUntil(promise) {
        requireArguments(arguments.length, 1, 'waitUntil', 'ExtendableEvent');
        if (state.finished || (!state.dispatching && state.pending === 0)) {
          throw new DOMException('The event has finished and no lifetime promise is pending.', 'InvalidStateError');
        }
        const lifetime = Promise.resolve(promise);
        state.promises.push(lifetime);
        state.pending += 1;
        // As in the spec, the count drops one microtask after settlement, so code reacting to this
        // promise can still extend the lifetime.
        const settled = () => {
          Promise.resolve().then(() => {
            state.pending -= 1;
          });
        };
        lifetime.then(settled, settled);
      },
    };
    Object.defineProperty(event, 'waitUntil', { value: methods.waitUntil, writable: true, configurable: true });
  }

  // Waits for every lifetime promise, including those added while waiting; the first rejection fails.
  async function settleAll(state) {
    let seen = 0;
    while (seen < state.promises.length) {
      const batch = state.promises.slice(seen);
      seen = state.promises.length;
      const results = await Promise.allSettled(batch);
      for (const result of results) {
        if (result.status === 'rejected' && !state.failure) state.failure = { reason: result.reason };
      }
    }
  }

  async function fireEvent(kind, tag, lastChance, timeoutMs) {
    const event = kind === 'sync'
      ? new SyncEvent('sync', { tag, lastChance })
      : new PeriodicSyncEvent('periodicsync', { tag });
    const state = { dispatching: true, pending: 0, promises: [], finished: false, failure: null };
    dispatchStates.set(event, state);
    giveLifetime(event, state);
    try {
      nativeDispatchEvent.call(G, event);
    } catch (error) {
      recordFailure(event, error);
    } finally {
      state.dispatching = false;
    }

    let timer;
    const TIMED_OUT = {};
    const timeout = new Promise((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
    });
    const outcome = await Promise.race([settleAll(state), timeout]);
    clearTimeout(timer);
    state.finished = true;
    if (outcome === TIMED_OUT) return { ok: false, error: 'timed out' };
    if (state.failure) return { ok: false, error: safeString(state.failure.reason) };
    return { ok: true };
  }

  async function handleDispatch(data) {
    const kind = data.kind;
    if (kind !== 'sync' && kind !== 'periodicsync') return { ok: false, error: `unknown event kind ${safeString(kind)}` };
    return fireEvent(kind, String(data.tag), Boolean(data.lastChance), api.normalizeTimeout(data.timeoutMs, MAX_TIMER_MS));
  }

  // Registered first, before the app's code runs, and as a capturing listener, because capturing
  // listeners on the target run before the others: the app's message listeners never see control
  // messages ('state' and 'dispatch').
  function onControlMessage(event) {
    const data = event.data;
    if (!data || (data.__syncshell !== 'state' && data.__syncshell !== 'dispatch')) return;
    event.stopImmediatePropagation();
    // A dispatch's state first, so that the event's handlers see the network and permissions as the host
    // saw them when it decided to fire.
    api.applyState(data.state);
    if (data.__syncshell === 'state') return;
    const port = event.ports && event.ports[0];
    const done = handleDispatch(data)
      .catch((error) => ({ ok: false, error: safeString(error) }))
      .then((outcome) => {
        const reply = { __syncshell: 'result', id: data.id, ok: outcome.ok };
        if (!outcome.ok) reply.error = outcome.error;
        if (port) {
          try {
            port.postMessage(reply);
          } catch (error) {
            reportException(error);
          }
        }
      });
    // Keeps the worker alive until the answer is sent (the message event is an ExtendableMessageEvent).
    try {
      event.waitUntil(done);
    } catch (_) {
      // not extendable: nothing more to do
    }
  }

  nativeAddEventListener.call(G, 'message', onControlMessage, true);

  // ---- navigator.permissions, navigator.connection and the bridge state --------------------------

  api.installPermissions(G.navigator);
  api.installConnection(typeof WorkerNavigator === 'function' ? WorkerNavigator : null, G.navigator);
  api.requestState();

  api.installGlobals();
  api.defineGlobal('SyncEvent', SyncEvent);
  api.defineGlobal('PeriodicSyncEvent', PeriodicSyncEvent);
})();
