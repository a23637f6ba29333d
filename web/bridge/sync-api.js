// syncshell's Background Sync API, shared by the page bridge (page.js) and the service worker shim
// (worker-shim.js). Neither is delivered alone: each goes out as this file followed by it, the pair wrapped
// in one function so that nothing here becomes a global of the app:
//   (function () { 'use strict'; <sync-api.js> <page.js or worker-shim.js> })();
// (assembled in src-tauri/src/sync/bridge.rs, and the same way for the Node tests by source.mjs).
//
// syncshellSyncApi(G, callHost) gives both sides the same rules (WebIDL argument conversions, errors worded
// as Chromium words them) and the same SyncManager / PeriodicSyncManager interfaces. callHost(cmd, args) is
// each side's way to the host (Tauri IPC in a page, fetch to the proxy's reserved path in a worker); it is
// only called when a method runs, so it may be defined after this.
function syncshellSyncApi(G, callHost) {
  'use strict';

  const MARKER = Symbol.for('syncshell.bridge');
  const MAX_TAG_LENGTH = 10240;
  const DEFAULT_TIMEOUT_MS = 3 * 60 * 1000;
  const MAX_TIMER_MS = 0x7fffffff;
  const DISABLED = 'Background Sync is disabled.';
  const NO_ACTIVE_WORKER = 'Registration failed - no active Service Worker';
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

  // Whether this realm still needs the API: install once per realm, and never over a native
  // implementation (a Chromium engine has its own).
  function claimRealm() {
    if (MARKER in G || 'SyncManager' in G) return false;
    Object.defineProperty(G, MARKER, { value: true });
    return true;
  }

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

  // The host rejects with {name, message}: the DOMException name (or TypeError) is data, never parsed out
  // of a string. Anything else (a transport failure, a thrown Error) becomes an UnknownError with its text.
  function hostError(error) {
    if (error instanceof DOMException) return error;
    // An Error from any realm (toString tag, not instanceof) is a failure's text, not a host answer.
    const isHostError = error !== null && typeof error === 'object' &&
      Object.prototype.toString.call(error) !== '[object Error]' &&
      typeof error.name === 'string' && typeof error.message === 'string';
    if (!isHostError) return new DOMException(safeString(error), 'UnknownError');
    if (error.name === 'TypeError') return new TypeError(error.message);
    return new DOMException(error.message, DOM_EXCEPTION_NAMES.has(error.name) ? error.name : 'UnknownError');
  }

  // An event's timeout from the host's message: a sane number of milliseconds up to `max`, else the
  // default.
  function normalizeTimeout(value, max) {
    const ms = Number(value);
    return Number.isFinite(ms) && ms >= 0 ? Math.min(ms, max) : DEFAULT_TIMEOUT_MS;
  }

  // The object on `object`'s prototype chain that has `key` as its own property, or null.
  function ownerOf(object, key) {
    for (let o = object; o !== null; o = Object.getPrototypeOf(o)) {
      if (Object.prototype.hasOwnProperty.call(o, key)) return o;
    }
    return null;
  }

  function defineMethods(proto, methods) {
    for (const key of Object.keys(methods)) {
      Object.defineProperty(proto, key, { value: methods[key], writable: true, enumerable: true, configurable: true });
    }
  }

  function defineGlobal(name, value) {
    Object.defineProperty(G, name, { value, writable: true, enumerable: false, configurable: true });
  }

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
      // During a worker's 'install' the registration has no active worker yet.
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

  // ServiceWorkerRegistration.prototype.sync / .periodicSync: one manager per registration object, created
  // on first access; and the globals SyncManager / PeriodicSyncManager for feature detection.
  function installManagers(Registration) {
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
  }

  function installGlobals() {
    defineGlobal('SyncManager', SyncManager);
    defineGlobal('PeriodicSyncManager', PeriodicSyncManager);
  }

  return {
    MAX_TIMER_MS,
    DISABLED,
    claimRealm,
    safeString,
    toDOMString,
    requireArguments,
    hostError,
    normalizeTimeout,
    ownerOf,
    defineGlobal,
    installManagers,
    installGlobals,
  };
}
