// What the Permissions tab shows for each app: its three site permissions as radio groups. Permissions
// belong to the site (origin), so apps on one origin share them; each app still gets its own card
// (its controls are named after it) and says which apps share its settings.
import { sortApps } from './apps-model.js';

export const SETTING_LABELS = { allow: 'Allow', block: 'Block', ask: 'Ask' };

export const PERMISSIONS = [
  {
    name: 'background-sync',
    label: 'Background sync',
    hint: 'Finish sending what was written offline once the connection is back, even with the window closed.',
    settings: ['allow', 'block'],
  },
  {
    name: 'periodic-background-sync',
    label: 'Periodic background sync',
    hint: 'Refresh its content in the background now and then. Blocking it removes what it registered.',
    settings: ['allow', 'block'],
  },
  {
    name: 'notifications',
    label: 'Notifications',
    hint: 'Show desktop notifications. “Ask” lets the app ask you first.',
    settings: ['allow', 'block', 'ask'],
  },
];

// One card per app, sorted by name; `value` is null when the host sent a setting the panel does not
// know (then no radio is checked, rather than a wrong one).
export function permissionCards(apps) {
  const sorted = sortApps(apps);
  return sorted.map((app) => ({
    id: app.id,
    name: app.name,
    origin: app.origin,
    sharedWith: sorted.filter((other) => other.origin === app.origin && other.id !== app.id).map((other) => other.name),
    rows: PERMISSIONS.map((p) => {
      const value = app.permissions?.[p.name];
      return {
        permission: p.name,
        label: p.label,
        hint: p.hint,
        testid: `permission-${app.id}-${p.name}`,
        value: p.settings.includes(value) ? value : null,
        options: p.settings.map((setting) => ({ value: setting, label: SETTING_LABELS[setting] })),
      };
    }),
  }));
}

// The status line after a change: "Notifications: Block for Demo".
export function permissionMessage(appName, permission, setting) {
  const label = PERMISSIONS.find((p) => p.name === permission)?.label ?? permission;
  return `${label}: ${SETTING_LABELS[setting] ?? setting} for ${appName}`;
}

// "Shares these settings with Demo Admin (same site)."
export function sharedText(names) {
  if (!names.length) return '';
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  return `Shares these settings with ${list}: permissions belong to the site, and they are on the same one.`;
}
