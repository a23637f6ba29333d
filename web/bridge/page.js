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
//   - window.__syncshellDispatch(message), through which the host fires a sync or periodicsync event at the
//     app's service worker (the worker side is worker-shim.js) and gets the outcome back as 'sync_result';
//     a message's `state` is applied to the page and goes along to the worker.
(function () {
  'use strict';

  const G = globalThis;
  const api = syncshellSyncApi(G, callHost);
  if (!api.claimRealm()) return;
  const { DISABLED, MAX_TIMER_MS, safeString, hostError } = api;

  // The page waits this much longer than the worker's own timeout, so the worker's answer wins.
  const REPLY_GRACE_MS = 5000;

  // ---- the way to the host -------------------------------------------------------------------------

  // The Tauri internals may be defined after this script ran, so look invoke up at each call.
  function callHost(cmd, args) {
    const internals = G.__TAURI_INTERNALS__;
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
    if (kind !== 'sync' && kind !== 'periodicsync') return { ok: false, error: `unknown event kind ${safeString(kind)}` };
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
        else finish({ ok: false, error: typeof data.error === 'string' ? data.error : 'the sync event failed' });
      };
      const dispatch = {
        __syncshell: 'dispatch',
        id,
        kind,
        tag: String(message.tag),
        lastChance: Boolean(message.lastChance),
        timeoutMs,
      };
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
        const before = JSON.stringify(api.knownState());
        const applied = api.applyState(state);
        // Only a real change goes on: posting to a stopped service worker starts it.
        if (applied && JSON.stringify(api.knownState()) !== before) relayState(applied);
      } catch (_) {
        // applyState itself never throws; this keeps anything else from reaching the host's call
      }
    },
  };
  Object.defineProperty(G, '__syncshellDispatch', { value: entryPoints.__syncshellDispatch });
  Object.defineProperty(G, '__syncshellStateChanged', { value: entryPoints.__syncshellStateChanged });

  // ---- the bridge state and navigator.connection (also where there is no service worker support) ---

  // SYNCSHELL_INITIAL_STATE is declared by the host's wrapper around this script, when it is at all.
  if (typeof SYNCSHELL_INITIAL_STATE !== 'undefined') api.applyState(SYNCSHELL_INITIAL_STATE);
  api.requestState();
  api.installConnection(G.Navigator, G.navigator);

  // Without service workers (e.g. not a secure context) there is nothing to add the API to.
  const Registration = G.ServiceWorkerRegistration;
  if (typeof Registration !== 'function') return;

  api.installManagers(Registration);
  api.installGlobals();

  // navigator.permissions, like the managers, only where service workers are: elsewhere the page is not a
  // secure context, where none of the host's three permissions can be granted.
  api.installPermissions(G.navigator);
})();
