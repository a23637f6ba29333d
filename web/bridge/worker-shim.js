// syncshell service worker shim. The host's proxy prepends this file (after sync-api.js) to the app's
// service worker script, after one config line: self.__syncshellConfig = {token: "...", base: "/__syncshell__/"};
// WebKit has no Background Sync, and its worker notifications and windows do not reach the app, so this adds,
// inside the worker:
//   - ServiceWorkerRegistration.prototype.sync / .periodicSync (sync-api.js, as in pages), reaching the host with
//     fetch(base + 'api') authenticated by the token;
//   - the globals SyncManager, PeriodicSyncManager, SyncEvent, PeriodicSyncEvent and self.onsync /
//     self.onperiodicsync;
//   - notifications shown by the host, replacing WebKit's: ServiceWorkerRegistration.prototype.showNotification
//     ('show_notification' with the registration's scope) and .getNotifications ('get_notifications'), whose
//     Notification objects close() through 'close_notification'; the globals Notification (its constructor
//     illegal here, as in Chromium; permission from the bridge state, maxActions) and NotificationEvent, and
//     self.onnotificationclick / self.onnotificationclose;
//   - windows opened by the host after a notification click: Clients.prototype.openWindow ('open_window'),
//     WindowClient.prototype.focus ('focus_window') and .navigate ('navigate_window'), each where the realm
//     has the interface;
//   - navigator.permissions.query() answers for 'background-sync', 'periodic-background-sync' and
//     'notifications', and navigator.connection (WorkerNavigator.prototype) with the global
//     NetworkInformation, as in pages (sync-api.js);
//   - the bridge state behind those two: the host's answer to 'bridge_state' at startup, then each
//     {__syncshell: 'state', state} a page of the app posts on (page.js, __syncshellStateChanged);
//   - the worker side of dispatch: a page of the app (page.js, __syncshellDispatch) posts
//     {__syncshell: 'dispatch', id, kind, timeoutMs, state?, and tag and lastChance or notification and action}
//     with a MessagePort; this applies the state, fires the sync, periodicsync, notificationclick or
//     notificationclose event, waits for the promises given to event.waitUntil(), and answers
//     {__syncshell: 'result', id, ok, error}.
(function () {
  'use strict';

  const G = self;
  const api = syncshellSyncApi(G, callHost);
  if (!api.claimRealm()) return;
  const { DISABLED, MAX_TIMER_MS, safeString, toDOMString, requireArguments, hostError, reportException } = api;

  // How long openWindow() and navigate() look for the window client of the page the host opened, and how
  // often: the page may still be loading when the host answers.
  const CLIENT_POLL_MS = 100;
  const CLIENT_POLLS = 50;

  // Captured now, before the app's code can wrap or replace them.
  const config = readConfig();
  const nativeFetch = G.fetch;
  const nativeDispatchEvent = G.dispatchEvent;
  const listenerOwner = api.ownerOf(G, 'addEventListener') || G;
  const removerOwner = api.ownerOf(G, 'removeEventListener') || G;
  const nativeAddEventListener = listenerOwner.addEventListener;
  const nativeRemoveEventListener = removerOwner.removeEventListener;

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

  // ---- SyncEvent, PeriodicSyncEvent and NotificationEvent ----------------------------------------

  const BaseEvent = typeof ExtendableEvent === 'function' ? ExtendableEvent : Event;
  const eventData = new WeakMap(); // event -> {tag, lastChance} or {notification, action}

  function dataOf(event) {
    const data = eventData.get(event);
    if (!data) throw new TypeError('Illegal invocation');
    return data;
  }

  class SyncEvent extends BaseEvent {
    constructor(type, init) {
      requireArguments(arguments.length, 2, 'constructor', 'SyncEvent');
      const typeString = toDOMString(type);
      const dict = api.toDictionary(init, 'SyncEventInit');
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
      const dict = api.toDictionary(init, 'PeriodicSyncEventInit');
      if (dict.tag === undefined) throw new TypeError("Failed to construct 'PeriodicSyncEvent': required member tag is undefined.");
      const tag = toDOMString(dict.tag);
      super(typeString, dict);
      eventData.set(this, { tag });
    }

    get tag() {
      return dataOf(this).tag;
    }
  }

  class NotificationEvent extends BaseEvent {
    constructor(type, init) {
      requireArguments(arguments.length, 2, 'constructor', 'NotificationEvent');
      const typeString = toDOMString(type);
      const dict = api.toDictionary(init, 'NotificationEventInit');
      // Members in WebIDL's order: action, then notification.
      const action = dict.action === undefined ? '' : toDOMString(dict.action);
      const notification = dict.notification;
      if (notification === undefined) {
        throw new TypeError("Failed to construct 'NotificationEvent': required member notification is undefined.");
      }
      if (api.notificationRecord(notification) === null) {
        throw new TypeError("Failed to construct 'NotificationEvent': member notification is not of type 'Notification'.");
      }
      super(typeString, dict);
      eventData.set(this, { notification, action });
    }

    get notification() {
      return dataOf(this).notification;
    }

    get action() {
      return dataOf(this).action;
    }
  }

  api.makeAccessorsEnumerable(SyncEvent.prototype, ['tag', 'lastChance']);
  api.makeAccessorsEnumerable(PeriodicSyncEvent.prototype, ['tag']);
  api.makeAccessorsEnumerable(NotificationEvent.prototype, ['notification', 'action']);
  Object.defineProperty(SyncEvent.prototype, Symbol.toStringTag, { value: 'SyncEvent', configurable: true });
  Object.defineProperty(PeriodicSyncEvent.prototype, Symbol.toStringTag, { value: 'PeriodicSyncEvent', configurable: true });
  Object.defineProperty(NotificationEvent.prototype, Symbol.toStringTag, { value: 'NotificationEvent', configurable: true });

  // The events the host fires, each made from its dispatch message (the page checked nothing in it).
  const EVENT_FACTORIES = {
    sync: (data) => new SyncEvent('sync', { tag: String(data.tag), lastChance: Boolean(data.lastChance) }),
    periodicsync: (data) => new PeriodicSyncEvent('periodicsync', { tag: String(data.tag) }),
    notificationclick: (data) => notificationEvent('notificationclick', data),
    notificationclose: (data) => notificationEvent('notificationclose', data),
  };
  const DISPATCHED_TYPES = Object.keys(EVENT_FACTORIES);

  function notificationEvent(type, data) {
    const notification = api.readHostNotification(data.notification);
    const action = data.action === undefined || data.action === null ? '' : String(data.action);
    return new NotificationEvent(type, { notification, action });
  }

  // ---- catching listeners that throw -------------------------------------------------------------
  //
  // A listener that throws must make the event fail (Chromium reports such a sync dispatch as failed and
  // retries). When script calls dispatchEvent(), the engine reports the exception itself and carries on:
  // dispatchEvent() does not throw, and whether an 'error' event reaches the global, and when, differs per
  // engine, and an 'error' listener would also catch unrelated errors thrown meanwhile. So instead every
  // listener of the events the host fires (DISPATCHED_TYPES) added to self is wrapped in a guard that calls
  // it inside try/catch, records the exception against the event being dispatched, and reports it with
  // reportError() (the console and self.onerror, as the engine would). addEventListener /
  // removeEventListener are replaced where they are defined (EventTarget.prototype in a worker), so
  // `addEventListener(...)`, `self.addEventListener(...)` and
  // `EventTarget.prototype.addEventListener.call(self, ...)` all go through the guard; calls on other
  // targets are passed straight on. onsync, onperiodicsync, onnotificationclick and onnotificationclose use
  // the same path.

  const dispatchStates = new WeakMap(); // event -> {dispatching, pending, promises, finished, failure}
  const guards = new WeakMap(); // listener -> Map("type capture" -> guard)

  function isDispatchedType(type) {
    return typeof type !== 'symbol' && DISPATCHED_TYPES.includes(String(type));
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
      if (target === G && isDispatchedType(type) && isListener(listener)) {
        const guard = guardFor(listener, String(type), captureOf(options), true);
        return nativeAddEventListener.call(target, type, guard, options);
      }
      return nativeAddEventListener.apply(target, arguments);
    },
    removeEventListener(type, listener, options) {
      const target = this === undefined || this === null ? G : this;
      if (target === G && isDispatchedType(type) && isListener(listener)) {
        const guard = guardFor(listener, String(type), captureOf(options), false);
        if (guard) return nativeRemoveEventListener.call(target, type, guard, options);
      }
      return nativeRemoveEventListener.apply(target, arguments);
    },
  };
  replaceMethod(listenerOwner, 'addEventListener', eventTargetMethods.addEventListener);
  replaceMethod(removerOwner, 'removeEventListener', eventTargetMethods.removeEventListener);

  // ---- self.onsync, self.onperiodicsync, self.onnotificationclick, self.onnotificationclose ------

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

  for (const type of DISPATCHED_TYPES) defineHandlerAttribute(type);

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

  // Fires `event` at self and answers its outcome once its lifetime promises settled or `timeoutMs` passed,
  // whichever is first.
  async function fireEvent(event, timeoutMs) {
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
    if (!DISPATCHED_TYPES.includes(kind)) return { ok: false, error: `unknown event kind ${safeString(kind)}` };
    return fireEvent(EVENT_FACTORIES[kind](data), api.normalizeTimeout(data.timeoutMs, MAX_TIMER_MS));
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

  // ---- notifications -----------------------------------------------------------------------------

  // The worker's Notification objects come from the host's records (getNotifications(), notification
  // events); script cannot construct one. close() takes it off the desktop, and, as for a persistent
  // notification in Chromium, no event follows.
  const Notification = api.notificationInterface({
    close(notification, record) {
      callHost('close_notification', { id: record.id }).catch(() => {});
    },
  });

  if (Registration && Notification) api.installRegistrationNotifications(Registration);

  // ---- windows: clients.openWindow(), WindowClient.focus() and .navigate() -----------------------
  //
  // WebKitGTK's openWindow() resolves null and its focus() raises nothing, so the host does both. Within
  // 10 s of a notificationclick (Chromium's rule; otherwise it refuses with an InvalidAccessError) it opens,
  // raises or navigates the app's window, and answers {url} when the page is now in the app's window, or
  // null when the URL went to the user's browser. The window client is then the one matchAll() lists at
  // that URL, once the page has loaded far enough to be listed.

  const ClientsInterface = typeof Clients === 'function' ? Clients : null;
  const WindowClientInterface = typeof WindowClient === 'function' ? WindowClient : null;
  const nativeMatchAll = ClientsInterface ? ClientsInterface.prototype.matchAll : undefined;

  function withoutFragment(url) {
    const hash = url.indexOf('#');
    return hash === -1 ? url : url.slice(0, hash);
  }

  // `url` parsed against the worker's URL, as the spec parses openWindow()'s and navigate()'s.
  function absoluteURL(url, method, iface) {
    const string = api.toUSVString(url);
    try {
      return new URL(string, G.location ? String(G.location.href) : undefined).href;
    } catch (_) {
      throw new TypeError(`Failed to execute '${method}' on '${iface}': The URL '${string}' is invalid.`);
    }
  }

  async function findWindowClient(wanted) {
    try {
      const list = await nativeMatchAll.call(G.clients, { type: 'window', includeUncontrolled: true });
      for (const client of list) {
        if (client && withoutFragment(String(client.url)) === wanted) return client;
      }
    } catch (_) {
      // looked for again at the next poll
    }
    return null;
  }

  // The window client the host's answer points at, looked for now and then every CLIENT_POLL_MS, CLIENT_POLLS
  // times more; null when there is none, or the answer is not {url}.
  async function windowClientFor(answer) {
    if (answer === null || typeof answer !== 'object' || typeof answer.url !== 'string') return null;
    if (typeof nativeMatchAll !== 'function') return null;
    const wanted = withoutFragment(answer.url);
    for (let poll = 0; poll <= CLIENT_POLLS; poll += 1) {
      if (poll > 0) await new Promise((resolve) => setTimeout(resolve, CLIENT_POLL_MS));
      const client = await findWindowClient(wanted);
      if (client) return client;
    }
    return null;
  }

  const clientsMethods = {
    async openWindow(url) {
      if (!(this instanceof ClientsInterface)) throw new TypeError('Illegal invocation');
      requireArguments(arguments.length, 1, 'openWindow', 'Clients');
      const absolute = absoluteURL(url, 'openWindow', 'Clients');
      return windowClientFor(await callHost('open_window', { url: absolute }));
    },
  };

  const windowClientMethods = {
    async focus() {
      if (!(this instanceof WindowClientInterface)) throw new TypeError('Illegal invocation');
      await callHost('focus_window', { url: this.url });
      return this;
    },
    async navigate(url) {
      if (!(this instanceof WindowClientInterface)) throw new TypeError('Illegal invocation');
      requireArguments(arguments.length, 1, 'navigate', 'WindowClient');
      const absolute = absoluteURL(url, 'navigate', 'WindowClient');
      return windowClientFor(await callHost('navigate_window', { from: this.url, url: absolute }));
    },
  };

  if (ClientsInterface) api.replaceOperation(ClientsInterface.prototype, 'openWindow', clientsMethods.openWindow);
  if (WindowClientInterface) {
    api.replaceOperation(WindowClientInterface.prototype, 'focus', windowClientMethods.focus);
    api.replaceOperation(WindowClientInterface.prototype, 'navigate', windowClientMethods.navigate);
  }

  // ---- navigator.permissions, navigator.connection and the bridge state --------------------------

  api.installPermissions(G.navigator);
  api.installConnection(typeof WorkerNavigator === 'function' ? WorkerNavigator : null, G.navigator);
  api.requestState();

  api.installGlobals();
  api.defineGlobal('SyncEvent', SyncEvent);
  api.defineGlobal('PeriodicSyncEvent', PeriodicSyncEvent);
  api.defineGlobal('NotificationEvent', NotificationEvent);
  // Over WebKit's, whose objects and static permission know nothing of the host's notifications.
  if (Notification) api.defineGlobal('Notification', Notification);
})();
