// The one module that touches the host: Tauri 2's IPC internals and its event plugin, used directly
// since the panel has no build step to bundle @tauri-apps/api. `createHost` takes the internals so the
// node tests can hand it a fake; the default export uses the window's.

const UNAVAILABLE = {
  kind: 'unavailable',
  message: 'The syncshell host cannot be reached: this page works only in the syncshell Settings window.',
};

// Commands reject with `{ kind, message }`; anything else (a string from Tauri itself, an Error from a
// broken IPC) is turned into that shape so every caller can show `message`.
export function hostError(error) {
  if (error && typeof error === 'object' && typeof error.message === 'string') {
    return { kind: typeof error.kind === 'string' ? error.kind : (error.name || 'error'), message: error.message };
  }
  if (typeof error === 'string' && error !== '') return { kind: 'error', message: error };
  let text;
  try {
    text = JSON.stringify(error);
  } catch {
    text = undefined;
  }
  return { kind: 'error', message: `The host failed without saying why (${text ?? String(error)}).` };
}

// `internals` is window.__TAURI_INTERNALS__; `eventInternals` returns
// window.__TAURI_EVENT_PLUGIN_INTERNALS__ (read when needed: the plugin defines it on its own).
export function createHost(internals, eventInternals = () => undefined) {
  async function invoke(cmd, args = {}) {
    if (!internals || typeof internals.invoke !== 'function') throw UNAVAILABLE;
    try {
      return await internals.invoke(cmd, args);
    } catch (error) {
      throw hostError(error);
    }
  }

  // What @tauri-apps/api's `listen` does: register a callback, then ask the event plugin to send this
  // event from any target to it. Resolves to an idempotent unlisten function.
  async function listen(event, handler) {
    if (!internals || typeof internals.transformCallback !== 'function') throw UNAVAILABLE;
    const callback = internals.transformCallback((e) => handler(e.payload));
    let eventId;
    try {
      eventId = await invoke('plugin:event|listen', { event, target: { kind: 'Any' }, handler: callback });
    } catch (error) {
      internals.unregisterCallback?.(callback);
      throw error;
    }
    let listening = true;
    return async () => {
      if (!listening) return;
      listening = false;
      eventInternals()?.unregisterListener(event, eventId);
      await invoke('plugin:event|unlisten', { event, eventId });
    };
  }

  return { invoke, listen };
}

export default createHost(
  globalThis.__TAURI_INTERNALS__,
  () => globalThis.__TAURI_EVENT_PLUGIN_INTERNALS__,
);
