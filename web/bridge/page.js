// syncshell page bridge. The host injects this script into every document of an app window (visible or
// hidden) before any page script runs. WebKit has no Background Sync, so this adds, talking to the host
// through Tauri IPC (window.__TAURI_INTERNALS__.invoke):
//   - ServiceWorkerRegistration.prototype.sync (SyncManager) and .periodicSync (PeriodicSyncManager),
//     behaving like Chromium's, with the globals SyncManager and PeriodicSyncManager for feature detection;
//   - navigator.permissions.query() answers for 'background-sync' and 'periodic-background-sync';
//   - window.__syncshellDispatch(message), through which the host fires a sync or periodicsync event at the
//     app's service worker (the worker side is worker-shim.js) and gets the outcome back as 'sync_result'.
(function () {
  'use strict';

  const G = globalThis;
  const MARKER = Symbol.for('syncshell.bridge');

  // Install once per realm, and never over a native implementation (a Chromium engine has its own).
  if (MARKER in G || 'SyncManager' in G) return;
  Object.defineProperty(G, MARKER, { value: true });

  const MAX_TAG_LENGTH = 10240;
  const DEFAULT_TIMEOUT_MS = 3 * 60 * 1000;
  const MAX_TIMER_MS = 0x7fffffff;
  // The page waits this much longer than the worker's own timeout, so the worker's answer wins.
  const REPLY_GRACE_MS = 5000;
  const DISABLED = 'Background Sync is disabled.';
  const NO_ACTIVE_WORKER = 'Registration failed - no active Service Worker';
  const SYNC_PERMISSIONS = ['background-sync', 'periodic-background-sync'];
  const PERMISSION_STATES = ['granted', 'denied', 'prompt'];
  const DOM_EXCEPTION_NAMES = new Set([
    'IndexSizeError', 'HierarchyRequestError', 'WrongDocumentError', 'InvalidCharacterError',
    'NoModificationAllowedError', 'NotFoundError', 'NotSupportedError', 'InUseAttributeError',
    'InvalidStateError', 'SyntaxError', 'InvalidModificationError', 'NamespaceError', 'InvalidAccessError',
    'TypeMismatchError', 'SecurityError', 'NetworkError', 'AbortError', 'URLMismatchError',
    'QuotaExceededError', 'TimeoutError', 'InvalidNodeTypeError', 'DataCloneError', 'EncodingError',
    'NotReadableError', 'UnknownError', 'ConstraintError', 'DataError', 'TransactionInactiveError',
    'ReadOnlyError', 'VersionError', 'OperationError', 'NotAllowedError', 'OptOutError',
  ]);

  // ---- helpers ---------------------------------------------------------------------------------------

  function safeString(value) {
    try {
      return String(value);
    } catch (_) {
      return Object.prototype.toString.call(value);
    }
  }

  // WebIDL DOMString conversion: String(value), except that a Symbol is a TypeError.
  function toDOMString(value) {
    if (typeof value === 'symbol') throw new TypeError('Cannot convert a Symbol value to a string.');
    return String(value);
  }

  function requireArguments(count, needed, method, iface) {
    if (count < needed) {
      throw new TypeError(`Failed to execute '${method}' on '${iface}': ${needed} argument${needed === 1 ? '' : 's'} required, but only ${count} present.`);
    }
  }

  function checkTagLength(tag) {
    if (tag.length > MAX_TAG_LENGTH) {
      throw new DOMException(`Registration tag too long (more than ${MAX_TAG_LENGTH} characters).`, 'InvalidAccessError');
    }
  }

  // PeriodicSyncManager.register's options: minInterval defaults to 0, must be a non-negative number.
  function toMinInterval(options) {
    if (options === undefined || options === null) return 0;
    if (typeof options !== 'object' && typeof options !== 'function') {
      throw new TypeError("The provided value is not of type 'BackgroundSyncOptions'.");
    }
    if (options.minInterval === undefined) return 0;
    const interval = Number(options.minInterval);
    if (Number.isNaN(interval) || interval < 0) throw new TypeError('minInterval must be a non-negative number.');
    if (interval > Number.MAX_SAFE_INTEGER) throw new TypeError('minInterval is out of range.');
    return Math.trunc(interval);
  }

  function toTagList(value) {
    return Array.isArray(value) ? value.map((tag) => String(tag)) : [];
  }

  // The host rejects with "DOMExceptionName: message"; anything else becomes an UnknownError.
  function hostError(error) {
    if (error instanceof DOMException) return error;
    const text = safeString(error);
    const match = /^([A-Za-z]+): ?([\s\S]*)$/.exec(text);
    if (match && DOM_EXCEPTION_NAMES.has(match[1])) return new DOMException(match[2], match[1]);
    return new DOMException(text, 'UnknownError');
  }

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

  function normalizeTimeout(value) {
    const ms = Number(value);
    return Number.isFinite(ms) && ms >= 0 ? Math.min(ms, MAX_TIMER_MS - REPLY_GRACE_MS) : DEFAULT_TIMEOUT_MS;
  }

  function defineMethods(proto, methods) {
    for (const key of Object.keys(methods)) {
      Object.defineProperty(proto, key, { value: methods[key], writable: true, enumerable: true, configurable: true });
    }
  }

  function defineGlobal(name, value) {
    Object.defineProperty(G, name, { value, writable: true, enumerable: false, configurable: true });
  }

  // ---- the dispatch entry point (defined even where there is no service worker support) -----------

  function reportResult(id, ok, error) {
    const result = { id, ok, error: ok ? null : error };
    return callHost('sync_result', result).then(() => result, () => result);
  }

  async function dispatchThroughWorker(message) {
    const { id, kind, scope } = message;
    if (kind !== 'sync' && kind !== 'periodicsync') return { ok: false, error: `unknown event kind ${safeString(kind)}` };
    const timeoutMs = normalizeTimeout(message.timeoutMs);
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

  // ---- SyncManager and PeriodicSyncManager -------------------------------------------------------

  const registrationOf = new WeakMap(); // manager -> ServiceWorkerRegistration
  const syncManagers = new WeakMap(); // ServiceWorkerRegistration -> SyncManager
  const periodicManagers = new WeakMap(); // ServiceWorkerRegistration -> PeriodicSyncManager

  class SyncManager {
    constructor() {
      throw new TypeError('Illegal constructor');
    }
  }

  class PeriodicSyncManager {
    constructor() {
      throw new TypeError('Illegal constructor');
    }
  }

  function registrationFor(manager, Manager) {
    const registration = registrationOf.get(manager);
    if (!registration || !(manager instanceof Manager)) throw new TypeError('Illegal invocation');
    return registration;
  }

  defineMethods(SyncManager.prototype, {
    async register(tag) {
      const registration = registrationFor(this, SyncManager);
      requireArguments(arguments.length, 1, 'register', 'SyncManager');
      const tagString = toDOMString(tag);
      if (!registration.active) throw new DOMException(NO_ACTIVE_WORKER, 'InvalidStateError');
      checkTagLength(tagString);
      await callHost('sync_register', { scope: registration.scope, tag: tagString });
    },
    async getTags() {
      const registration = registrationFor(this, SyncManager);
      return toTagList(await callHost('sync_get_tags', { scope: registration.scope }));
    },
  });

  defineMethods(PeriodicSyncManager.prototype, {
    async register(tag, options) {
      const registration = registrationFor(this, PeriodicSyncManager);
      requireArguments(arguments.length, 1, 'register', 'PeriodicSyncManager');
      const tagString = toDOMString(tag);
      const minInterval = toMinInterval(options);
      if (!registration.active) throw new DOMException(NO_ACTIVE_WORKER, 'InvalidStateError');
      checkTagLength(tagString);
      await callHost('periodic_register', { scope: registration.scope, tag: tagString, minInterval });
    },
    async getTags() {
      const registration = registrationFor(this, PeriodicSyncManager);
      if (!registration.active) return [];
      return toTagList(await callHost('periodic_get_tags', { scope: registration.scope }));
    },
    async unregister(tag) {
      const registration = registrationFor(this, PeriodicSyncManager);
      requireArguments(arguments.length, 1, 'unregister', 'PeriodicSyncManager');
      const tagString = toDOMString(tag);
      if (!registration.active) return;
      await callHost('periodic_unregister', { scope: registration.scope, tag: tagString });
    },
  });

  Object.defineProperty(SyncManager.prototype, Symbol.toStringTag, { value: 'SyncManager', configurable: true });
  Object.defineProperty(PeriodicSyncManager.prototype, Symbol.toStringTag, { value: 'PeriodicSyncManager', configurable: true });

  // One manager per registration object, created on first access.
  function managerFor(registration, cache, Manager) {
    if (!(registration instanceof Registration)) throw new TypeError('Illegal invocation');
    let manager = cache.get(registration);
    if (!manager) {
      manager = Object.create(Manager.prototype);
      registrationOf.set(manager, registration);
      cache.set(registration, manager);
    }
    return manager;
  }

  const accessors = {
    get sync() {
      return managerFor(this, syncManagers, SyncManager);
    },
    get periodicSync() {
      return managerFor(this, periodicManagers, PeriodicSyncManager);
    },
  };
  for (const name of ['sync', 'periodicSync']) {
    const { get } = Object.getOwnPropertyDescriptor(accessors, name);
    Object.defineProperty(Registration.prototype, name, { get, enumerable: true, configurable: true });
  }

  defineGlobal('SyncManager', SyncManager);
  defineGlobal('PeriodicSyncManager', PeriodicSyncManager);

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

  function ownerOf(object, key) {
    for (let o = object; o !== null; o = Object.getPrototypeOf(o)) {
      if (Object.prototype.hasOwnProperty.call(o, key)) return o;
    }
    return null;
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
      const wrapped = {
        query(permissionDescriptor) {
          let name;
          try {
            name = syncPermissionName(permissionDescriptor);
          } catch (error) {
            return Promise.reject(error);
          }
          if (name === null) return original.apply(this, arguments);
          return querySyncPermission(name);
        },
      };
      try {
        Object.defineProperty(owner, 'query', { ...descriptor, value: wrapped.query });
      } catch (_) {
        // A frozen Permissions: leave it as it is.
      }
      return;
    }
    // No Permissions API at all: a minimal one that knows only the two sync names.
    const minimal = {
      query(permissionDescriptor) {
        let name;
        try {
          name = syncPermissionName(permissionDescriptor);
        } catch (error) {
          return Promise.reject(error);
        }
        if (name === null) {
          const asked = permissionDescriptor && typeof permissionDescriptor === 'object' ? permissionDescriptor.name : undefined;
          return Promise.reject(new TypeError(`The provided value '${safeString(asked)}' is not a valid enum value of type PermissionName.`));
        }
        return querySyncPermission(name);
      },
    };
    try {
      Object.defineProperty(navigator, 'permissions', { value: minimal, enumerable: true, configurable: true });
    } catch (_) {
      // A non-extensible navigator: nothing to do.
    }
  }

  installPermissions(G.navigator);
})();
