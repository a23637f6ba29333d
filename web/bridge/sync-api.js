// syncshell's Background Sync and Notifications APIs, shared by the page bridge (page.js) and the service
// worker shim (worker-shim.js). Neither is delivered alone: each goes out as this file followed by it, the pair
// wrapped in one function so that nothing here becomes a global of the app:
//   (function () { 'use strict'; <sync-api.js> <page.js or worker-shim.js> })();
// (assembled in src-tauri/src/sync/bridge.rs, and the same way for the Node tests by source.mjs). The page
// bridge's wrapper may also declare `const SYNCSHELL_INITIAL_STATE = <bridge state>;` before this file.
//
// syncshellSyncApi(G, callHost) gives both sides the same rules (WebIDL argument conversions, errors worded
// as Chromium words them) and the same interfaces:
//   - SyncManager / PeriodicSyncManager (ServiceWorkerRegistration.prototype.sync / .periodicSync);
//   - navigator.permissions.query() answered by the host for 'background-sync', 'periodic-background-sync'
//     and 'notifications', with live PermissionStatus objects (EventTargets firing 'change');
//   - navigator.connection, a NetworkInformation (type, saveData, 'change'), and the global
//     NetworkInformation;
//   - the bridge state behind the last two, {permissions: {<name>: state}, connection: {type, saveData}}:
//     applyState(state) takes a (possibly partial) one from the host, keeps its valid fields and fires
//     'change' where a value changed; requestState() asks the host for it once ('bridge_state');
//   - the Notification interface (notificationInterface(hooks): each side says what its constructor and
//     close() do), with Notification.permission answered from the bridge state and Notification.maxActions,
//     and the conversions and checks of a notification's title and options (convertNotificationArguments,
//     createNotification) into the form the host takes and answers (readHostNotification).
// callHost(cmd, args) is each side's way to the host (Tauri IPC in a page, fetch to the proxy's reserved
// path in a worker); it is only called when a method runs, so it may be defined after this.
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

  // A WebIDL dictionary argument: undefined and null are the empty dictionary, anything else but an object a
  // TypeError.
  function toDictionary(value, name) {
    if (value === undefined || value === null) return {};
    if (typeof value !== 'object' && typeof value !== 'function') {
      throw new TypeError(`The provided value is not of type '${name}'.`);
    }
    return value;
  }

  // What the engine does with a listener's exception: the console and the global's onerror.
  function reportException(error) {
    if (typeof G.reportError === 'function') G.reportError(error);
    else console.error(error);
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

  // WebIDL attributes are enumerable accessors on the prototype; class syntax makes them non-enumerable.
  function makeAccessorsEnumerable(proto, names) {
    for (const name of names) {
      Object.defineProperty(proto, name, { ...Object.getOwnPropertyDescriptor(proto, name), enumerable: true });
    }
  }

  function isObject(value) {
    return (typeof value === 'object' || typeof value === 'function') && value !== null;
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

  // ---- the bridge state --------------------------------------------------------------------------
  //
  // What the host tells both sides about the app's permissions and the network, as JSON:
  //   {permissions: {'background-sync': 'granted'|'denied', 'periodic-background-sync': 'granted'|'denied',
  //                  notifications: 'granted'|'denied'|'prompt'},
  //    connection: {type: 'wifi'|'ethernet'|'cellular'|'none'|'unknown', saveData: true|false}}
  // It arrives whole or in part, from several places (see page.js and worker-shim.js), so each field is
  // taken on its own: an unknown field is ignored, and so is an invalid value, leaving the field as it was.

  const HOST_PERMISSIONS = {
    'background-sync': ['granted', 'denied'],
    'periodic-background-sync': ['granted', 'denied'],
    notifications: ['granted', 'denied', 'prompt'],
  };
  const PERMISSION_STATES = ['granted', 'denied', 'prompt'];
  const CONNECTION_TYPES = ['wifi', 'ethernet', 'cellular', 'none', 'unknown'];

  // Before the host said anything, the network is 'unknown' and no data is being saved (as Chromium
  // answers when it cannot tell); a permission is unknown until a query or the state says otherwise.
  const known = { permissions: {}, connection: { type: 'unknown', saveData: false } };
  // Counts the states applied, in all and per permission, so that an answer the host gave while a newer
  // state arrived is not applied over it (every change the host makes is also pushed).
  let stateVersion = 0;
  const permissionVersions = {};
  for (const name of Object.keys(HOST_PERMISSIONS)) permissionVersions[name] = 0;

  // A field of an object given by the host or by script: a getter that throws is a value that is not valid.
  function field(object, key) {
    try {
      return object[key];
    } catch (_) {
      return undefined;
    }
  }

  // The valid part of a bridge state as a new plain object (so it can be posted on), or null when no field
  // is valid.
  function readState(raw) {
    if (!isObject(raw)) return null;
    const state = {};
    const permissions = field(raw, 'permissions');
    if (isObject(permissions)) {
      const valid = {};
      for (const name of Object.keys(HOST_PERMISSIONS)) {
        const value = field(permissions, name);
        if (HOST_PERMISSIONS[name].includes(value)) valid[name] = value;
      }
      if (Object.keys(valid).length > 0) state.permissions = valid;
    }
    const connection = field(raw, 'connection');
    if (isObject(connection)) {
      const valid = {};
      const type = field(connection, 'type');
      const saveData = field(connection, 'saveData');
      if (CONNECTION_TYPES.includes(type)) valid.type = type;
      if (typeof saveData === 'boolean') valid.saveData = saveData;
      if (Object.keys(valid).length > 0) state.connection = valid;
    }
    return Object.keys(state).length > 0 ? state : null;
  }

  // Takes the valid fields of `raw` and fires one 'change' at each live PermissionStatus and at
  // navigator.connection whose value they changed, after every value is updated (so a listener sees the
  // whole new state). Answers the valid part (null when there is none). Never throws.
  function applyState(raw) {
    const state = readState(raw);
    if (!state) return null;
    stateVersion += 1;
    const changed = [];
    if (state.permissions) {
      for (const name of Object.keys(state.permissions)) {
        const value = state.permissions[name];
        known.permissions[name] = value;
        permissionVersions[name] += 1;
        for (const status of liveStatuses[name]) {
          const data = statusData.get(status);
          if (data.state !== value) {
            data.state = value;
            changed.push(status);
          }
        }
      }
    }
    if (state.connection) {
      const before = known.connection;
      const after = { ...before, ...state.connection };
      known.connection = after;
      if (connection && (after.type !== before.type || after.saveData !== before.saveData)) changed.push(connection);
    }
    for (const target of changed) fireChange(target);
    return state;
  }

  // A copy of the state as this realm knows it (to tell whether a push changed anything).
  function knownState() {
    return { permissions: { ...known.permissions }, connection: { ...known.connection } };
  }

  // Asks the host for the whole state once, one microtask from now (so that Tauri internals defined just
  // after the bridge ran are there). Failures are ignored: the state also comes with each push and
  // dispatch.
  function requestState() {
    Promise.resolve()
      .then(() => {
        const version = stateVersion;
        return callHost('bridge_state', {}).then((answer) => {
          if (version === stateVersion) applyState(answer);
        });
      })
      .catch(() => {});
  }

  // ---- PermissionStatus and NetworkInformation ---------------------------------------------------
  //
  // Both are EventTargets. Every browser realm has EventTarget and Event; the fallback only keeps this
  // file loadable where they are missing, and then neither part is installed.

  const HAS_EVENTS = typeof EventTarget === 'function' && typeof Event === 'function';
  const BaseTarget = HAS_EVENTS ? EventTarget : Object;
  // Captured now, before the app's code can wrap or replace them (the worker shim replaces
  // addEventListener where it is defined, but passes calls on other targets than self straight on).
  const nativeAddEventListener = HAS_EVENTS ? EventTarget.prototype.addEventListener : null;
  const nativeRemoveEventListener = HAS_EVENTS ? EventTarget.prototype.removeEventListener : null;
  const nativeDispatchEvent = HAS_EVENTS ? EventTarget.prototype.dispatchEvent : null;

  // Fires a plain Event at `target` and answers it (so that a caller can see defaultPrevented).
  function fireSimpleEvent(target, type, cancelable = false) {
    const event = new Event(type, { cancelable });
    try {
      nativeDispatchEvent.call(target, event);
    } catch (_) {
      // The engine reports a listener's exception itself; nothing else can fail here.
    }
    return event;
  }

  function fireChange(target) {
    fireSimpleEvent(target, 'change');
  }

  // The interfaces' constructors are illegal for apps, as the native ones are; the bridge makes its
  // objects with construct(), which lets one call through.
  let constructing = false;
  function construct(Interface) {
    constructing = true;
    try {
      return new Interface();
    } finally {
      constructing = false;
    }
  }
  function allowConstruction() {
    if (!constructing) throw new TypeError('Illegal constructor');
    constructing = false;
  }

  // An event handler attribute (on<type>) on `proto`, working as WebIDL's do: one value per object; a
  // function is registered as a listener when first set (and keeps that place among the listeners while
  // it is replaced), null (or anything else that is not a function) removes it, and reading answers it.
  function defineEventHandler(proto, type, check) {
    const handlers = new WeakMap(); // target -> {value, listener}
    const name = `on${type}`;
    const accessors = {
      get [name]() {
        check(this);
        const handler = handlers.get(this);
        return handler ? handler.value : null;
      },
      set [name](value) {
        check(this);
        const next = typeof value === 'function' ? value : null;
        const handler = handlers.get(this);
        if (handler && next) {
          handler.value = next;
        } else if (handler) {
          handlers.delete(this);
          nativeRemoveEventListener.call(this, type, handler.listener);
        } else if (next) {
          const added = { value: next, listener: null };
          added.listener = function (event) {
            if (added.value.call(this, event) === false) event.preventDefault();
          };
          handlers.set(this, added);
          nativeAddEventListener.call(this, type, added.listener);
        }
      },
    };
    const { get, set } = Object.getOwnPropertyDescriptor(accessors, name);
    Object.defineProperty(proto, name, { get, set, enumerable: true, configurable: true });
  }

  const statusData = new WeakMap(); // PermissionStatus -> {name, state}
  // Every status handed out, by name, to be told of changes. Held strongly: a status the app only keeps
  // through its onchange listener must still fire (a WeakRef would let it be collected, where the
  // browser keeps a status with listeners alive). That leaks one small object per query() answered by
  // the host, which apps call a handful of times.
  const liveStatuses = {};
  for (const name of Object.keys(HOST_PERMISSIONS)) liveStatuses[name] = new Set();

  class PermissionStatus extends BaseTarget {
    constructor() {
      allowConstruction();
      super();
    }

    get name() {
      return statusOf(this).name;
    }

    get state() {
      return statusOf(this).state;
    }
  }

  function statusOf(status) {
    const data = statusData.get(status);
    if (!data) throw new TypeError('Illegal invocation');
    return data;
  }

  makeAccessorsEnumerable(PermissionStatus.prototype, ['name', 'state']);
  if (HAS_EVENTS) defineEventHandler(PermissionStatus.prototype, 'change', statusOf);
  Object.defineProperty(PermissionStatus.prototype, Symbol.toStringTag, { value: 'PermissionStatus', configurable: true });

  let connection = null; // this realm's NetworkInformation, made on first access

  class NetworkInformation extends BaseTarget {
    constructor() {
      allowConstruction();
      super();
    }

    get type() {
      return connectionOf(this).type;
    }

    get saveData() {
      return connectionOf(this).saveData;
    }
  }

  function connectionOf(object) {
    if (object === null || object !== connection) throw new TypeError('Illegal invocation');
    return known.connection;
  }

  makeAccessorsEnumerable(NetworkInformation.prototype, ['type', 'saveData']);
  if (HAS_EVENTS) defineEventHandler(NetworkInformation.prototype, 'change', connectionOf);
  Object.defineProperty(NetworkInformation.prototype, Symbol.toStringTag, { value: 'NetworkInformation', configurable: true });

  // ---- navigator.permissions ---------------------------------------------------------------------

  // The host-answered permission name in a query() descriptor, or null when the query is for another.
  function hostPermissionName(descriptor) {
    if (descriptor === null || typeof descriptor !== 'object') return null;
    const name = descriptor.name;
    return typeof name === 'string' && Object.prototype.hasOwnProperty.call(HOST_PERMISSIONS, name) ? name : null;
  }

  async function queryHostPermission(name) {
    const version = permissionVersions[name];
    const answer = await callHost('permission_state', { name });
    if (!PERMISSION_STATES.includes(answer)) {
      throw new DOMException(`Unexpected permission state from the host: ${safeString(answer)}`, 'UnknownError');
    }
    const status = construct(PermissionStatus);
    // A state that arrived while the host was answering is at least as new as the answer.
    const state = permissionVersions[name] === version ? answer : known.permissions[name];
    statusData.set(status, { name, state });
    liveStatuses[name].add(status);
    return status;
  }

  // A query() that answers the host's names itself and hands any other query, with its receiver and
  // arguments, to `otherwise`.
  function hostAwareQuery(otherwise) {
    const methods = {
      query(permissionDescriptor) {
        let name;
        try {
          name = hostPermissionName(permissionDescriptor);
        } catch (error) {
          return Promise.reject(error);
        }
        return name === null ? otherwise(this, arguments) : queryHostPermission(name);
      },
    };
    return methods.query;
  }

  // `navigator` is the realm's Navigator (page) or WorkerNavigator (worker).
  function installPermissions(navigator) {
    if (!HAS_EVENTS || !isObject(navigator)) return;
    const permissions = navigator.permissions;
    if (permissions) {
      // Wrap query where it is defined (Permissions.prototype in a browser), keeping its attributes.
      const owner = ownerOf(permissions, 'query');
      const descriptor = owner && Object.getOwnPropertyDescriptor(owner, 'query');
      const original = descriptor && descriptor.value;
      if (typeof original !== 'function') return;
      const query = hostAwareQuery((receiver, args) => original.apply(receiver, args));
      try {
        Object.defineProperty(owner, 'query', { ...descriptor, value: query });
      } catch (_) {
        // A frozen Permissions: leave it as it is.
      }
      return;
    }
    // No Permissions API at all: a minimal one that knows only the host's names.
    const minimal = {
      query: hostAwareQuery((_, args) => {
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

  // ---- navigator.connection ----------------------------------------------------------------------

  // Navigator.prototype.connection (WorkerNavigator.prototype in a worker), one object per realm, and the
  // global NetworkInformation; never over a native one (Chromium has its own).
  function installConnection(NavigatorInterface, navigator) {
    if (!HAS_EVENTS || typeof NavigatorInterface !== 'function') return;
    const proto = NavigatorInterface.prototype;
    if (!isObject(proto) || 'connection' in proto || (isObject(navigator) && 'connection' in navigator)) return;
    const accessors = {
      get connection() {
        if (!(this instanceof NavigatorInterface)) throw new TypeError('Illegal invocation');
        if (!connection) connection = construct(NetworkInformation);
        return connection;
      },
    };
    const { get } = Object.getOwnPropertyDescriptor(accessors, 'connection');
    try {
      Object.defineProperty(proto, 'connection', { get, enumerable: true, configurable: true });
    } catch (_) {
      return; // a frozen prototype: no connection, and so no interface either
    }
    if (!('NetworkInformation' in G)) defineGlobal('NetworkInformation', NetworkInformation);
  }

  // ---- Notifications -----------------------------------------------------------------------------
  //
  // The host shows notifications on the desktop itself (WebKit's own go out attributed to syncshell, and a
  // worker's to a private path nobody can route clicks from). A notification as the host takes it
  // ('show_notification') and answers it ('get_notifications', the notification of a notificationclick or
  // notificationclose) is {id, title, options}, with every option present:
  //   {body, icon, badge, image, tag, lang, dir, silent, requireInteraction, renotify, timestamp,
  //    data: JSON text or null, actions: [{action, title, icon}]}
  // strings '' when not given, booleans false, dir 'auto', timestamp the creation time (ms since the epoch),
  // URLs absolute ('' when not given or unparseable), at most MAX_ACTIONS actions.

  const MAX_ACTIONS = 2; // Notification.maxActions, as Chromium's
  const NOTIFICATION_DIRECTIONS = ['auto', 'ltr', 'rtl'];
  const NON_PERSISTENT_ACTIONS = 'Actions are only supported for persistent notifications shown using ServiceWorkerRegistration.showNotification().';
  const WORKER_CONSTRUCTOR = 'Illegal constructor. Use ServiceWorkerRegistration.showNotification() instead.';

  // WebIDL USVString: a DOMString whose lone surrogates become U+FFFD.
  function toUSVString(value) {
    const string = toDOMString(value);
    if (typeof string.toWellFormed === 'function') return string.toWellFormed();
    return string.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  }

  // WebIDL's unsigned integer conversion without [EnforceRange]: NaN and the infinities are 0, anything else
  // is truncated and wrapped modulo 2^bits.
  function toUnsigned(value, bits) {
    const number = Number(value);
    if (!Number.isFinite(number)) return 0;
    const wrapped = Math.trunc(number) % 2 ** bits;
    return wrapped < 0 ? wrapped + 2 ** bits : wrapped + 0;
  }

  function toSequence(value, convert) {
    if (!isObject(value) || typeof value[Symbol.iterator] !== 'function') {
      throw new TypeError('The provided value cannot be converted to a sequence.');
    }
    return Array.from(value, (item) => convert(item));
  }

  // VibratePattern, (unsigned long or sequence<unsigned long>): only its length matters here (the host
  // has nothing to vibrate), for the check against `silent`.
  function toVibratePattern(value) {
    if (isObject(value) && typeof value[Symbol.iterator] === 'function') return toSequence(value, (item) => toUnsigned(item, 32));
    return [toUnsigned(value, 32)];
  }

  function toDirection(value) {
    const string = toDOMString(value);
    if (!NOTIFICATION_DIRECTIONS.includes(string)) {
      throw new TypeError(`The provided value '${string}' is not a valid enum value of type NotificationDirection.`);
    }
    return string;
  }

  // A WebIDL dictionary's members, in the order given (the IDL's, lexicographic), each read once and
  // converted before the next is read. A member not given is left out, or is a TypeError when required.
  function toMembers(value, name, members) {
    const dict = toDictionary(value, name);
    const result = {};
    for (const [key, convert, required] of members) {
      const raw = dict[key];
      if (raw !== undefined) result[key] = convert(raw);
      else if (required) throw new TypeError(`Failed to read the '${key}' property from '${name}': Required member is undefined.`);
    }
    return result;
  }

  const ACTION_MEMBERS = [
    ['action', toDOMString, true],
    ['icon', toUSVString, false],
    ['title', toDOMString, true],
  ];
  const OPTION_MEMBERS = [
    ['actions', (value) => toSequence(value, (item) => toMembers(item, 'NotificationAction', ACTION_MEMBERS)), false],
    ['badge', toUSVString, false],
    ['body', toDOMString, false],
    ['data', (value) => value, false],
    ['dir', toDirection, false],
    ['icon', toUSVString, false],
    ['image', toUSVString, false],
    ['lang', toDOMString, false],
    ['renotify', Boolean, false],
    ['requireInteraction', Boolean, false],
    ['silent', (value) => (value === null ? null : Boolean(value)), false], // boolean? silent = null
    ['tag', toDOMString, false],
    ['timestamp', (value) => toUnsigned(value, 64), false], // EpochTimeStamp
    ['vibrate', toVibratePattern, false],
  ];

  // The API base URL the spec parses a notification's URLs against: the document's base URL in a page, the
  // worker's URL in a worker.
  function baseURL() {
    const document = G.document;
    if (document && typeof document.baseURI === 'string') return document.baseURI;
    return G.location ? String(G.location.href) : undefined;
  }

  // A notification's URL, absolute. The spec leaves one that does not parse unset (''), and Chromium takes
  // an empty one for none rather than for the base URL.
  function toNotificationURL(value) {
    if (value === undefined || value === '') return '';
    try {
      return new URL(value, baseURL()).href;
    } catch (_) {
      return '';
    }
  }

  // The spec keeps StructuredSerializeForStorage(data); the host keeps text, so structured cloning is
  // approximated by JSON. What JSON cannot write at all (a function, a symbol, a BigInt, a cycle) is a
  // DataCloneError, as structured cloning's is for the first two; what it writes differently (a Date
  // becomes its string, a Map an empty object) comes back as JSON.parse reads it.
  function serializeData(data) {
    if (data === undefined || data === null) return null;
    let text;
    try {
      text = JSON.stringify(data);
    } catch (_) {
      text = undefined;
    }
    if (typeof text !== 'string') throw new DOMException(`${safeString(data)} could not be cloned.`, 'DataCloneError');
    return text;
  }

  function parseData(text) {
    if (typeof text !== 'string') return null;
    try {
      return JSON.parse(text);
    } catch (_) {
      return null;
    }
  }

  // The arguments of `new Notification()` and of showNotification(), converted as WebIDL does before the
  // method's own steps run: {title, options}, an option not given left out.
  function convertNotificationArguments(title, options) {
    return { title: toDOMString(title), options: toMembers(options, 'NotificationOptions', OPTION_MEMBERS) };
  }

  // The spec's "create a notification" from converted arguments: its checks, worded as Chromium's, then the
  // notification in the host's form (without an id). `persistent`: shown through a service worker
  // registration, the only kind that may have actions (Chromium drops those beyond maxActions).
  function createNotification({ title, options }, persistent) {
    const actions = options.actions || [];
    if (!persistent && actions.length > 0) throw new TypeError(NON_PERSISTENT_ACTIONS);
    if (options.silent === true && options.vibrate && options.vibrate.length > 0) {
      throw new TypeError('Silent notifications must not specify vibration patterns.');
    }
    const tag = options.tag === undefined ? '' : options.tag;
    if (options.renotify === true && tag === '') {
      throw new TypeError('Notifications which set the renotify flag must specify a non-empty tag.');
    }
    const text = (value) => (value === undefined ? '' : value);
    return {
      title,
      options: {
        body: text(options.body),
        icon: toNotificationURL(options.icon),
        badge: toNotificationURL(options.badge),
        image: toNotificationURL(options.image),
        tag,
        lang: text(options.lang),
        dir: options.dir === undefined ? 'auto' : options.dir,
        silent: options.silent === true,
        requireInteraction: options.requireInteraction === true,
        renotify: options.renotify === true,
        timestamp: options.timestamp === undefined ? Date.now() : options.timestamp,
        data: serializeData(options.data),
        actions: actions.slice(0, MAX_ACTIONS).map((action) => ({
          action: action.action,
          title: action.title,
          icon: toNotificationURL(action.icon),
        })),
      },
    };
  }

  // Notification.permission words the permission as NotificationPermission does: 'default' where the
  // Permissions API (and so the bridge state) says 'prompt', and while the state is not known.
  function notificationPermission() {
    const state = known.permissions.notifications;
    return state === 'granted' || state === 'denied' ? state : 'default';
  }

  const notificationStates = new WeakMap(); // Notification -> {record: {id, title, options}, data?, actions?}
  const notificationHooks = { create: null, close: null };

  class Notification extends BaseTarget {
    constructor(title, options) {
      // The bridge's own objects, made from the host's records (readHostNotification).
      if (constructing) {
        allowConstruction();
        super();
        return;
      }
      if (!notificationHooks.create) throw new TypeError(WORKER_CONSTRUCTOR);
      requireArguments(arguments.length, 1, 'constructor', 'Notification');
      const record = createNotification(convertNotificationArguments(title, options), false);
      super();
      notificationStates.set(this, { record: { id: null, ...record } });
      notificationHooks.create(this);
    }

    static get permission() {
      return notificationPermission();
    }

    static get maxActions() {
      return MAX_ACTIONS;
    }

    get title() {
      return notificationOf(this).record.title;
    }

    get dir() {
      return notificationOf(this).record.options.dir;
    }

    get lang() {
      return notificationOf(this).record.options.lang;
    }

    get body() {
      return notificationOf(this).record.options.body;
    }

    get tag() {
      return notificationOf(this).record.options.tag;
    }

    get image() {
      return notificationOf(this).record.options.image;
    }

    get icon() {
      return notificationOf(this).record.options.icon;
    }

    get badge() {
      return notificationOf(this).record.options.badge;
    }

    get timestamp() {
      return notificationOf(this).record.options.timestamp;
    }

    get renotify() {
      return notificationOf(this).record.options.renotify;
    }

    get silent() {
      return notificationOf(this).record.options.silent;
    }

    get requireInteraction() {
      return notificationOf(this).record.options.requireInteraction;
    }

    // Parsed once: the app gets the same object on each read, as from Chromium.
    get data() {
      const state = notificationOf(this);
      if (!('data' in state)) state.data = parseData(state.record.options.data);
      return state.data;
    }

    // A FrozenArray: the same frozen array on each read.
    get actions() {
      const state = notificationOf(this);
      if (!state.actions) state.actions = Object.freeze(state.record.options.actions.map((action) => Object.freeze({ ...action })));
      return state.actions;
    }
  }

  function notificationOf(notification) {
    const state = notificationStates.get(notification);
    if (!state) throw new TypeError('Illegal invocation');
    return state;
  }

  defineMethods(Notification.prototype, {
    close() {
      const state = notificationOf(this);
      notificationHooks.close(this, state.record);
    },
  });
  makeAccessorsEnumerable(Notification, ['permission', 'maxActions']);
  makeAccessorsEnumerable(Notification.prototype, [
    'title', 'dir', 'lang', 'body', 'tag', 'image', 'icon', 'badge', 'timestamp', 'renotify', 'silent',
    'requireInteraction', 'data', 'actions',
  ]);
  if (HAS_EVENTS) {
    for (const type of ['click', 'show', 'error', 'close']) defineEventHandler(Notification.prototype, type, notificationOf);
  }
  Object.defineProperty(Notification.prototype, Symbol.toStringTag, { value: 'Notification', configurable: true });

  // This realm's Notification interface, or null where there are no events. hooks.create(notification)
  // runs when script constructs one (absent: the constructor is illegal, as in a service worker);
  // hooks.close(notification, record) is its close().
  function notificationInterface(hooks) {
    if (!HAS_EVENTS) return null;
    notificationHooks.create = hooks.create || null;
    notificationHooks.close = hooks.close;
    return Notification;
  }

  // The host's record of a notification ({id, title, options}) as a Notification of this realm. Every field
  // is checked, so that the attributes have the types the interface promises whatever the host sent.
  function readHostNotification(raw) {
    if (!isObject(raw)) throw new DOMException('Unexpected notification from the host.', 'UnknownError');
    const rawOptions = field(raw, 'options');
    const options = isObject(rawOptions) ? rawOptions : {};
    const text = (object, key) => {
      const value = field(object, key);
      return typeof value === 'string' ? value : '';
    };
    const dir = field(options, 'dir');
    const timestamp = field(options, 'timestamp');
    const data = field(options, 'data');
    const actions = field(options, 'actions');
    const record = {
      id: field(raw, 'id'),
      title: text(raw, 'title'),
      options: {
        body: text(options, 'body'),
        icon: text(options, 'icon'),
        badge: text(options, 'badge'),
        image: text(options, 'image'),
        tag: text(options, 'tag'),
        lang: text(options, 'lang'),
        dir: NOTIFICATION_DIRECTIONS.includes(dir) ? dir : 'auto',
        silent: field(options, 'silent') === true,
        requireInteraction: field(options, 'requireInteraction') === true,
        renotify: field(options, 'renotify') === true,
        timestamp: Number.isFinite(timestamp) ? timestamp : 0,
        data: typeof data === 'string' ? data : null,
        actions: (Array.isArray(actions) ? actions : []).filter(isObject).slice(0, MAX_ACTIONS).map((action) => ({
          action: text(action, 'action'),
          title: text(action, 'title'),
          icon: text(action, 'icon'),
        })),
      },
    };
    const notification = construct(Notification);
    notificationStates.set(notification, { record });
    return notification;
  }

  // ---- a notification's icon ---------------------------------------------------------------------
  //
  // The desktop's server wants a file: the host keeps each icon in the app's data directory. An icon of this
  // realm's own origin is fetched here, so that the app's cookies go with it (an icon behind the app's login
  // shows as its user sees it), and goes to the host as base64 ('iconData'); the host fetches another
  // origin's itself, as Chromium's browser process does. The fetch is bounded in time and size: past either,
  // or when it fails, iconData is '' and the host shows the app's installed icon.

  const ICON_TIMEOUT_MS = 2000;
  const MAX_ICON_BYTES = 512 * 1024; // base64 of it stays within the host's 1 MiB limit on a worker's call
  const nativeFetch = G.fetch; // captured before the app's code can wrap it

  // The one before is ready: each show's arguments are answered in the order of the calls, so that the host
  // gets them in that order (a later notification with the same tag must replace an earlier one whose icon
  // took longer), while the icons are fetched at the same time.
  let previousShow = Promise.resolve();

  // The 'show_notification' arguments of `notification` (from createNotification) for `scope`.
  function showArguments(scope, notification) {
    const args = { scope, title: notification.title, options: notification.options };
    const iconData = ownIconData(notification.options.icon);
    const ready = previousShow.then(() => iconData);
    previousShow = ready;
    return ready.then((data) => {
      if (data !== null) args.iconData = data;
      return args;
    });
  }

  // base64 of the icon at `url` when it is of this realm's origin ('' when it could not be had), null when
  // it is another origin's or there is none.
  async function ownIconData(url) {
    if (url === '' || typeof nativeFetch !== 'function' || !G.location) return null;
    try {
      if (new URL(url).origin !== new URL(String(G.location.href)).origin) return null;
    } catch (_) {
      return null;
    }
    const controller = typeof G.AbortController === 'function' ? new G.AbortController() : null;
    let timer;
    const late = new Promise((resolve) => {
      timer = setTimeout(() => resolve(''), ICON_TIMEOUT_MS);
    });
    const fetched = (async () => {
      const init = { credentials: 'include' };
      if (controller) init.signal = controller.signal;
      const response = await nativeFetch.call(G, url, init);
      if (!response.ok) return '';
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (bytes.length === 0 || bytes.length > MAX_ICON_BYTES) return '';
      let binary = '';
      for (let i = 0; i < bytes.length; i += 0x8000) {
        binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
      }
      return G.btoa(binary);
    })().catch(() => '');
    try {
      return await Promise.race([fetched, late]);
    } finally {
      clearTimeout(timer);
      if (controller) controller.abort();
    }
  }

  // ServiceWorkerRegistration.prototype.showNotification() and .getNotifications(), the same in a worker
  // and in a page (where navigator.serviceWorker.ready.then((r) => r.showNotification(...)) is how most
  // PWAs notify): persistent notifications of that registration, shown by the host (which checks the
  // permission, refusing with Chromium's TypeError); their clicks go to the worker. WebKit's own would go to
  // a private path attributed to the host.
  function installRegistrationNotifications(Registration) {
    const methods = {
      async showNotification(title, options) {
        if (!(this instanceof Registration)) throw new TypeError('Illegal invocation');
        requireArguments(arguments.length, 1, 'showNotification', 'ServiceWorkerRegistration');
        const args = convertNotificationArguments(title, options);
        // The spec's order: the arguments, the active worker, then the notification's own checks.
        if (!this.active) throw new TypeError('No active registration available on the ServiceWorkerRegistration.');
        const notification = createNotification(args, true);
        // The host answers the id, of no use here.
        await callHost('show_notification', await showArguments(this.scope, notification));
      },
      async getNotifications(filter) {
        if (!(this instanceof Registration)) throw new TypeError('Illegal invocation');
        const dict = toDictionary(filter, 'GetNotificationOptions');
        const tag = dict.tag === undefined ? '' : toDOMString(dict.tag);
        const answer = await callHost('get_notifications', { scope: this.scope, tag });
        return (Array.isArray(answer) ? answer : []).map((record) => readHostNotification(record));
      },
    };
    for (const key of ['showNotification', 'getNotifications']) replaceOperation(Registration.prototype, key, methods[key]);
  }

  // Puts `value` in place of the operation `key` of `proto` (WebKit's, when it has one), keeping its
  // property attributes (a new one gets WebIDL's); a frozen prototype keeps WebKit's.
  function replaceOperation(proto, key, value) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, key) || { writable: true, enumerable: true, configurable: true };
    try {
      Object.defineProperty(proto, key, { ...descriptor, value });
    } catch (_) {
      // not configurable: nothing to do
    }
  }

  // The record behind a Notification of this realm (the page sets its id once the host showed it), or
  // null for anything else.
  function notificationRecord(value) {
    const state = notificationStates.get(value);
    return state ? state.record : null;
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
    makeAccessorsEnumerable,
    installManagers,
    installGlobals,
    applyState,
    knownState,
    requestState,
    installPermissions,
    installConnection,
    toDictionary,
    toUSVString,
    reportException,
    fireSimpleEvent,
    notificationPermission,
    convertNotificationArguments,
    createNotification,
    notificationInterface,
    readHostNotification,
    notificationRecord,
    installRegistrationNotifications,
    showArguments,
    replaceOperation,
  };
}
