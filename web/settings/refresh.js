// Which host tables feed which tab, and so what a `settings:changed` event makes the panel re-read.
// `state` tables feed what a tab shows from panel_state (shared: one read serves every tab); `own`
// tables feed the tab's own query (panel_registrations, panel_log).

export const FEEDS = {
  // 'windows': an app window opened or closed (its "Window open" badge).
  apps: { state: ['apps', 'site_settings', 'engagement', 'windows'], own: [] },
  permissions: { state: ['site_settings', 'host_settings', 'apps'], own: [] },
  registrations: {
    // From panel_state: the fire form's app list and the pause banner.
    state: ['apps', 'host_settings'],
    // 'apps' beyond the contract's list: rows carry the app's name, which an update can change.
    own: ['sync_registrations', 'site_settings', 'host_settings', 'network', 'engagement', 'apps'],
  },
  // From panel_state: the app filter and the log_retention parameter.
  log: { state: ['apps', 'host_settings'], own: ['background_log'] },
  about: { state: ['network', 'host_settings', 'apps'], own: [] },
};

export const TAB_NAMES = Object.keys(FEEDS);

// The tabs to give a fresh panel_state, and the tabs whose own query to re-run, for changed tables.
// Unknown names (a table the panel does not show, such as 'notifications') change nothing.
export function planRefresh(tables) {
  const changed = new Set(Array.isArray(tables) ? tables : []);
  const hit = (list) => list.some((table) => changed.has(table));
  return {
    state: TAB_NAMES.filter((name) => hit(FEEDS[name].state)),
    own: TAB_NAMES.filter((name) => hit(FEEDS[name].own)),
  };
}
