// The panel's commands and events by name, over host.js's `invoke` and `listen`: the one place that
// spells the contract's command names and argument shapes.

export const CHANGED_EVENT = 'settings:changed';
export const INSTALL_EVENT = 'settings:install';

export function createApi({ invoke, listen }) {
  return {
    state: () => invoke('panel_state', {}),
    appIcon: (app) => invoke('panel_app_icon', { app }),
    setPermission: (app, permission, setting) => invoke('panel_set_permission', { app, permission, setting }),
    setPaused: (paused) => invoke('panel_set_paused', { paused }),
    setAutostart: (enabled) => invoke('panel_set_autostart', { enabled }),
    setMeteredHold: (hold) => invoke('panel_set_metered_hold', { hold }),
    setNetwork: (mode) => invoke('panel_set_network', { mode }),
    openApp: (app) => invoke('panel_open_app', { app }),
    uninstall: (app, deleteData) => invoke('panel_uninstall', { app, deleteData }),
    install: (url) => invoke('panel_install', { url }),
    registrations: () => invoke('panel_registrations', {}),
    fire: ({ app, tag, periodic, lastChance }) => invoke('panel_fire', { app, tag, periodic, lastChance }),
    log: ({ app = null, service = null } = {}) => invoke('panel_log', { app, service }),
    clearLog: (app = null) => invoke('panel_clear_log', { app }),
    saveLog: ({ app = null, service = null } = {}) => invoke('panel_save_log', { app, service }),
    onChanged: (handler) => listen(CHANGED_EVENT, handler),
    onInstall: (handler) => listen(INSTALL_EVENT, handler),
  };
}
