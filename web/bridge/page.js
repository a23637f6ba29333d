// syncshell page bridge. The host injects this script, after sync-api.js, into every document of an app
// window (visible or hidden) before any page script runs. WebKit has no Background Sync, so this adds,
// talking to the host through Tauri IPC (window.__TAURI_INTERNALS__.invoke):
//   - ServiceWorkerRegistration.prototype.sync (SyncManager) and .periodicSync (PeriodicSyncManager),
//     behaving like Chromium's, with the globals SyncManager and PeriodicSyncManager for feature detection;
//   - navigator.permissions.query() answers for 'background-sync', 'periodic-background-sync' and
//     'notifications' ('permission_state'), as live PermissionStatus objects that fire 'change';
//   - navigator.connection (Navigator.prototype), a NetworkInformation with type and saveData that fires
//     'change', and the global NetworkInformation;
//   - the bridge state behind those two (sync-api.js): SYNCSHELL_INITIAL_STATE, when the host's wrapper
//     declares it, applied at once; then the host's answer to 'bridge_state'; then each change the host
//     pushes through window.__syncshellStateChanged(state), which the page also posts on to its service
//     workers as {__syncshell: 'state', state};
//   - window.__syncshellDispatch(message), through which the host fires a sync, periodicsync,
//     notificationclick or notificationclose event at the app's service worker (the worker side is
//     worker-shim.js) and gets the outcome back as 'sync_result'; a message's `state` is applied to the page
//     and goes along to the worker, and a notification event's `notification` and `action` too;
//   - the page's own notifications, replacing WebKit's Notification (which shows them as syncshell's, with
//     no way back to the app): `new Notification(title, options)` asks the host to show it
//     ('show_notification' with scope null, answering {id}) and fires 'show', or 'error' when refused;
//     close() ('close_notification'); the host tells of a click or a close through
//     window.__syncshellNotificationEvent(id, type), and a click nobody cancels raises the app's window
//     ('focus_window'); Notification.permission from the bridge state and Notification.requestPermission()
//     ('request_notification_permission').
//   - frames: the host injects this into every frame too. A frame of the app's origin gets the same API,
//     talking to the host through the top window's Tauri internals (Tauri defines them in the main frame
//     only) and hearing the top window's pushes through its window.__syncshellFrames; a frame of another
//     origin gets nothing of it (WebKit's own APIs: no SyncManager, and WebKit denies its notification
//     permission requests, as Chromium does for cross-origin frames).
(function () {
  'use strict';

  const G = globalThis;
  // The top window's list of listening frames when this is a frame of the top window's origin, null in the
  // top window itself; a frame of another origin (reading the top window's property throws) ends here.
  let frames = null;
  if (G.top && G.top !== G) {
    try {
      frames = G.top.__syncshellFrames;
    } catch (_) {
      return;
    }
    if (!frames || typeof frames.join !== 'function') return;
  }
  const hostWindow = frames ? G.top : G;
  const api = syncshellSyncApi(G, callHost);
  if (!api.claimRealm()) return;
  const { DISABLED, MAX_TIMER_MS, safeString, hostError } = api;

  // The page waits this much longer than the worker's own timeout, so the worker's answer wins.
  const REPLY_GRACE_MS = 5000;
  const SYNC_KINDS = ['sync', 'periodicsync'];
  const NOTIFICATION_KINDS = ['notificationclick', 'notificationclose'];
  const NOTIFICATION_PERMISSIONS = ['granted', 'denied', 'default'];

  // ---- the way to the host -------------------------------------------------------------------------

  // The Tauri internals may be defined after this script ran, so look invoke up at each call.
  function callHost(cmd, args) {
    const internals = hostWindow.__TAURI_INTERNALS__;
    const invoke = internals && internals.invoke;
    if (typeof invoke !== 'function') return Promise.reject(new DOMException(DISABLED, 'UnknownError'));
    try {
      return Promise.resolve(invoke.call(internals, cmd, args)).catch((error) => {
        throw hostError(error);
      });
    } catch (error) {
      return Promise.reject(hostError(error));
    }
  }

  // ---- the dispatch entry point (defined even where there is no service worker support) -----------

  function reportResult(id, ok, error) {
    const result = { id, ok, error: ok ? null : error };
    return callHost('sync_result', result).then(() => result, () => result);
  }

  async function dispatchThroughWorker(message) {
    const { id, kind, scope } = message;
    // The host's state as of this event: the page's own, and the worker's before its handlers run.
    const state = api.applyState(message.state);
    if (!SYNC_KINDS.includes(kind) && !NOTIFICATION_KINDS.includes(kind)) {
      return { ok: false, error: `unknown event kind ${safeString(kind)}` };
    }
    const timeoutMs = api.normalizeTimeout(message.timeoutMs, MAX_TIMER_MS - REPLY_GRACE_MS);
    const container = G.navigator && G.navigator.serviceWorker;
    const registration = container && typeof container.getRegistration === 'function'
      ? await container.getRegistration(scope)
      : null;
    // getRegistration() answers the registration whose scope best matches the URL, which may be another
    // (enclosing) registration than the one the host means: only an exact scope counts.
    const worker = registration && registration.scope === scope ? registration.active : null;
    if (!worker) return { ok: false, error: `no active service worker for ${scope}` };

    const channel = new MessageChannel();
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish({ ok: false, error: 'timed out' }), timeoutMs + REPLY_GRACE_MS);
      function finish(outcome) {
        clearTimeout(timer);
        channel.port1.onmessage = null;
        channel.port1.close();
        resolve(outcome);
      }
      channel.port1.onmessage = (event) => {
        const data = event.data;
        if (!data || data.__syncshell !== 'result' || data.id !== id) return;
        if (data.ok === true) finish({ ok: true });
        else finish({ ok: false, error: typeof data.error === 'string' ? data.error : `the ${kind} event failed` });
      };
      const dispatch = { __syncshell: 'dispatch', id, kind, timeoutMs };
      if (NOTIFICATION_KINDS.includes(kind)) {
        // The host's record of the notification, as it is: the worker checks it as it builds the event.
        dispatch.notification = message.notification;
        dispatch.action = message.action === undefined || message.action === null ? '' : String(message.action);
      } else {
        dispatch.tag = String(message.tag);
        dispatch.lastChance = Boolean(message.lastChance);
      }
      if (state) dispatch.state = state;
      try {
        worker.postMessage(dispatch, [channel.port2]);
      } catch (error) {
        finish({ ok: false, error: `could not post to the service worker: ${safeString(error)}` });
      }
    });
  }

  // The page's service workers: the one controlling it and the active one of each registration of the
  // origin (the same ServiceWorker object when both, so each is posted to once). Errors are ignored: a
  // worker that misses a state gets the next one, and the state comes with each dispatch too.
  function relayState(state) {
    const container = G.navigator && G.navigator.serviceWorker;
    if (!container) return;
    const message = { __syncshell: 'state', state };
    const posted = new Set();
    const post = (worker) => {
      if (!worker || posted.has(worker)) return;
      posted.add(worker);
      try {
        worker.postMessage(message);
      } catch (_) {
        // a redundant worker, or one that cannot take it: nothing to do
      }
    };
    Promise.resolve()
      .then(() => {
        post(container.controller);
        return container.getRegistrations();
      })
      .then((registrations) => {
        for (const registration of registrations) post(registration && registration.active);
      })
      .catch(() => {});
  }

  // Takes a state from the host (a push, or an answer to requestPermission()) and posts it on to the page's
  // service workers when it changed anything: only a real change goes on, since posting to a stopped
  // service worker starts it.
  function takeState(state) {
    const before = JSON.stringify(api.knownState());
    const applied = api.applyState(state);
    if (!applied || JSON.stringify(api.knownState()) === before) return;
    // The top window relays for its frames too (they share its service workers), and tells them.
    if (frames) return;
    relayState(applied);
    tellFrames((frame) => frame.stateChanged(applied));
  }

  // ---- frames of the app's origin ----------------------------------------------------------------
  //
  // The host evaluates its pushes in the top window only: it passes states and notification events on to
  // the frames that joined. A listener whose frame is gone throws, and is dropped.

  const frameListeners = new Set();

  function tellFrames(call) {
    const answers = [];
    for (const frame of [...frameListeners]) {
      try {
        answers.push(call(frame));
      } catch (_) {
        frameListeners.delete(frame);
      }
    }
    return answers;
  }

  // ---- the page's own notifications --------------------------------------------------------------
  //
  // A page's notification (not persistent) lives as long as its Notification object: the host shows it and
  // answers its id, by which its reports of a click or a close on the desktop come back
  // (__syncshellNotificationEvent). Each object goes 'pending' (constructed, not shown yet), 'shown', then
  // 'closed'.

  const shownNotifications = new Map(); // String(host id) -> Notification, while shown
  const notificationPhases = new WeakMap(); // Notification -> 'pending' | 'shown' | 'closed'

  const Notification = api.notificationInterface({
    create(notification) {
      notificationPhases.set(notification, 'pending');
      // The spec's show steps run in parallel: after the constructor returned, so that listeners added just
      // after it hear 'show' or 'error'.
      Promise.resolve().then(() => showNotification(notification));
    },
    close(notification, record) {
      const phase = notificationPhases.get(notification);
      // A persistent one (from getNotifications()) is only taken off the desktop, as in a worker.
      if (phase === undefined) {
        closeOnHost(record.id);
        return;
      }
      // As in Chromium, one closed before it was shown is never shown, and fires nothing.
      if (phase === 'pending') notificationPhases.set(notification, 'closed');
      if (phase !== 'shown') return;
      forgetNotification(notification);
      closeOnHost(record.id);
      // The spec's close steps fire 'close' in a task of their own; the host's own report of the close then
      // finds nothing to tell.
      Promise.resolve().then(() => api.fireSimpleEvent(notification, 'close'));
    },
  });

  function closeOnHost(id) {
    callHost('close_notification', { id }).catch(() => {});
  }

  function forgetNotification(notification) {
    notificationPhases.set(notification, 'closed');
    const key = String(api.notificationRecord(notification).id);
    if (shownNotifications.get(key) === notification) shownNotifications.delete(key);
  }

  async function showNotification(notification) {
    if (notificationPhases.get(notification) !== 'pending') return; // closed before it went to the host
    const record = api.notificationRecord(notification);
    let id;
    try {
      const answer = await callHost('show_notification', await api.showArguments(null, record));
      id = answer !== null && typeof answer === 'object' ? answer.id : undefined;
    } catch (_) {
      id = undefined; // refused (no permission) or no host: the spec's 'error'
    }
    const pending = notificationPhases.get(notification) === 'pending';
    if (typeof id !== 'number' && typeof id !== 'string') {
      if (!pending) return;
      notificationPhases.set(notification, 'closed');
      api.fireSimpleEvent(notification, 'error');
      return;
    }
    if (!pending) {
      closeOnHost(id); // closed while the host was showing it
      return;
    }
    record.id = id;
    // On the desktop the host replaced the origin's earlier notification with the same tag; the spec closes
    // the page's object of it.
    if (record.options.tag !== '') {
      for (const other of [...shownNotifications.values()]) {
        if (api.notificationRecord(other).options.tag !== record.options.tag) continue;
        forgetNotification(other);
        api.fireSimpleEvent(other, 'close');
      }
    }
    notificationPhases.set(notification, 'shown');
    shownNotifications.set(String(id), notification);
    api.fireSimpleEvent(notification, 'show');
  }

  // A click's default action: raise the app's window (which the host allows for a while after a click).
  function focusWindow() {
    callHost('focus_window', { url: G.location ? String(G.location.href) : '' }).catch(() => {});
  }

  const notificationStatics = {
    // The spec's requestPermission() never rejects, and apps seldom catch it: a host that cannot answer
    // leaves the permission as it is. The legacy callback runs first, its exception reported, as the spec
    // says.
    async requestPermission(deprecatedCallback) {
      let permission;
      try {
        permission = await callHost('request_notification_permission', {});
      } catch (_) {
        permission = undefined;
      }
      if (NOTIFICATION_PERMISSIONS.includes(permission)) {
        takeState({ permissions: { notifications: permission === 'default' ? 'prompt' : permission } });
      } else {
        permission = api.notificationPermission();
      }
      if (typeof deprecatedCallback === 'function') {
        try {
          deprecatedCallback(permission);
        } catch (error) {
          api.reportException(error);
        }
      }
      return permission;
    },
  };
  if (Notification) {
    Object.defineProperty(Notification, 'requestPermission', {
      value: notificationStatics.requestPermission, writable: true, enumerable: true, configurable: true,
    });
  }

  const entryPoints = {
    // Never throws: every failure, even a malformed message, is reported to the host and resolves.
    __syncshellDispatch(message) {
      let id = null;
      return Promise.resolve()
        .then(() => {
          id = message.id;
          return dispatchThroughWorker(message);
        })
        .catch((error) => ({ ok: false, error: safeString(error) }))
        .then((outcome) => reportResult(id, outcome.ok, outcome.error));
    },
    // The host's push of a changed bridge state. Never throws; answers nothing.
    // Any script of the page can call it too, and so tell itself and its own workers a wrong state:
    // that changes nothing in the host, which answers every call from what it stores.
    __syncshellStateChanged(state) {
      try {
        takeState(state);
      } catch (_) {
        // applyState itself never throws; this keeps anything else from reaching the host's call
      }
    },
    // The host's report of a click ('click') or a close ('close') on the desktop of one of the page's (or
    // its frames') notifications, by the id it answered to 'show_notification'. Never throws; answers
    // nothing.
    __syncshellNotificationEvent(id, type) {
      try {
        let outcome = notificationEvent(id, type);
        if (outcome === 'unknown') {
          outcome = tellFrames((frame) => frame.notificationEvent(id, type)).find((o) => o !== 'unknown');
        }
        // A click on one nobody here knows (shown by an earlier document of the window) still raises the
        // window: nobody is there to cancel that.
        if (type === 'click' && outcome !== 'cancelled') focusWindow();
      } catch (_) {
        // a malformed id (String() of it threw): nothing to tell
      }
    },
  };

  // What a desktop click or close of notification `id` did in this document: 'unknown' (not one of its
  // notifications), 'cancelled' (a click whose default the page prevented) or 'done'.
  function notificationEvent(id, type) {
    const notification = shownNotifications.get(String(id));
    if (!notification) return 'unknown';
    if (type === 'click') {
      return api.fireSimpleEvent(notification, 'click', true).defaultPrevented ? 'cancelled' : 'done';
    }
    if (type === 'close') {
      forgetNotification(notification);
      api.fireSimpleEvent(notification, 'close');
    }
    return 'done';
  }

  if (frames) {
    // A removed frame's window has no top any more: its listener throws, and the top window drops it.
    const attached = () => {
      if (!G.top) throw new DOMException('the frame is gone', 'InvalidStateError');
    };
    const listener = {
      stateChanged(state) {
        attached();
        takeState(state);
      },
      notificationEvent(id, type) {
        attached();
        return notificationEvent(id, type);
      },
    };
    frames.join(listener);
    if (typeof G.addEventListener === 'function') G.addEventListener('pagehide', () => frames.leave(listener));
  } else {
    Object.defineProperty(G, '__syncshellFrames', {
      value: Object.freeze({
        join: (listener) => void frameListeners.add(listener),
        leave: (listener) => void frameListeners.delete(listener),
        state: () => api.knownState(),
      }),
    });
    Object.defineProperty(G, '__syncshellDispatch', { value: entryPoints.__syncshellDispatch });
    Object.defineProperty(G, '__syncshellStateChanged', { value: entryPoints.__syncshellStateChanged });
    Object.defineProperty(G, '__syncshellNotificationEvent', { value: entryPoints.__syncshellNotificationEvent });
  }

  // ---- the bridge state and navigator.connection (also where there is no service worker support) ---

  // SYNCSHELL_INITIAL_STATE is declared by the host's wrapper around this script, when it is at all.
  if (typeof SYNCSHELL_INITIAL_STATE !== 'undefined') api.applyState(SYNCSHELL_INITIAL_STATE);
  // A frame starts from the top window's state, fresher than the one baked in when the window was built.
  if (frames) api.applyState(frames.state());
  api.requestState();
  api.installConnection(G.Navigator, G.navigator);

  // Without service workers (e.g. not a secure context) there is nothing to add the API to.
  const Registration = G.ServiceWorkerRegistration;
  if (typeof Registration !== 'function') return;

  api.installManagers(Registration);
  api.installGlobals();
  if (Notification) api.installRegistrationNotifications(Registration);

  // navigator.permissions and Notification, like the managers, only where service workers are: elsewhere
  // the page is not a secure context, where none of the host's three permissions can be granted (WebKit's
  // Notification stays there).
  api.installPermissions(G.navigator);
  if (Notification) api.defineGlobal('Notification', Notification);
})();
