// syncshell page bridge. The host injects this script, after sync-api.js, into every document of an app
// window (visible or hidden) before any page script runs. WebKit has no Background Sync, so this adds,
// talking to the host through Tauri IPC (window.__TAURI_INTERNALS__.invoke):
//   - ServiceWorkerRegistration.prototype.sync (SyncManager) and .periodicSync (PeriodicSyncManager),
//     behaving like Chromium's, with the globals SyncManager and PeriodicSyncManager for feature detection;
//   - navigator.permissions.query() answers for 'background-sync' and 'periodic-background-sync';
//   - window.__syncshellDispatch(message), through which the host fires a sync or periodicsync event at the
//     app's service worker (the worker side is worker-shim.js) and gets the outcome back as 'sync_result'.
(function () {
  'use strict';

  const G = globalThis;
  const api = syncshellSyncApi(G, callHost);
  if (!api.claimRealm()) return;
  const { DISABLED, MAX_TIMER_MS, safeString, hostError, ownerOf } = api;

  // The page waits this much longer than the worker's own timeout, so the worker's answer wins.
  const REPLY_GRACE_MS = 5000;
  const SYNC_PERMISSIONS = ['background-sync', 'periodic-background-sync'];
  const PERMISSION_STATES = ['granted', 'denied', 'prompt'];

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
      try {
        worker.postMessage(dispatch, [channel.port2]);
      } catch (error) {
        finish({ ok: false, error: `could not post to the service worker: ${safeString(error)}` });
      }
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
  };
  Object.defineProperty(G, '__syncshellDispatch', { value: entryPoints.__syncshellDispatch });

  // Without service workers (e.g. not a secure context) there is nothing to add the API to.
  const Registration = G.ServiceWorkerRegistration;
  if (typeof Registration !== 'function') return;

  api.installManagers(Registration);
  api.installGlobals();

  // ---- navigator.permissions ---------------------------------------------------------------------

  // The sync permission name in a query() descriptor, or null when the query is not about sync.
  function syncPermissionName(descriptor) {
    if (descriptor === null || typeof descriptor !== 'object') return null;
    const name = descriptor.name;
    return SYNC_PERMISSIONS.includes(name) ? name : null;
  }

  async function querySyncPermission(name) {
    const state = await callHost('permission_state', { name });
    if (!PERMISSION_STATES.includes(state)) {
      throw new DOMException(`Unexpected permission state from the host: ${safeString(state)}`, 'UnknownError');
    }
    return {
      name,
      state,
      onchange: null,
      addEventListener() {},
      removeEventListener() {},
      dispatchEvent() {
        return true;
      },
    };
  }

  // A query() that answers the two sync names itself and hands any other query, with its receiver and
  // arguments, to `otherwise`.
  function syncAwareQuery(otherwise) {
    const methods = {
      query(permissionDescriptor) {
        let name;
        try {
          name = syncPermissionName(permissionDescriptor);
        } catch (error) {
          return Promise.reject(error);
        }
        return name === null ? otherwise(this, arguments) : querySyncPermission(name);
      },
    };
    return methods.query;
  }

  function installPermissions(navigator) {
    if (!navigator || (typeof navigator !== 'object' && typeof navigator !== 'function')) return;
    const permissions = navigator.permissions;
    if (permissions) {
      // Wrap query where it is defined (Permissions.prototype in a browser), keeping its attributes.
      const owner = ownerOf(permissions, 'query');
      const descriptor = owner && Object.getOwnPropertyDescriptor(owner, 'query');
      const original = descriptor && descriptor.value;
      if (typeof original !== 'function') return;
      const query = syncAwareQuery((receiver, args) => original.apply(receiver, args));
      try {
        Object.defineProperty(owner, 'query', { ...descriptor, value: query });
      } catch (_) {
        // A frozen Permissions: leave it as it is.
      }
      return;
    }
    // No Permissions API at all: a minimal one that knows only the two sync names.
    const minimal = {
      query: syncAwareQuery((_, args) => {
        const asked = args[0] && typeof args[0] === 'object' ? args[0].name : undefined;
        return Promise.reject(new TypeError(`The provided value '${safeString(asked)}' is not a valid enum value of type PermissionName.`));
      }),
    };
    try {
      Object.defineProperty(navigator, 'permissions', { value: minimal, enumerable: true, configurable: true });
    } catch (_) {
      // A non-extensible navigator: nothing to do.
    }
  }

  installPermissions(G.navigator);
})();
