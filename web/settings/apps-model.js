// What the Apps tab shows for an app beyond its raw fields: the placeholder's initial, the dates line,
// and which icon URLs may be put in an <img>.
import { DASH, formatDate } from './format.js';

// By name, then id (two apps may share a name): the order of every list of apps in the panel.
export function sortApps(apps) {
  return [...(apps ?? [])].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

// The first character (not UTF-16 unit) of the name, for the icon placeholder.
export function appInitial(name) {
  const first = Array.from(String(name ?? '').trim())[0];
  return first ? first.toLocaleUpperCase() : '?';
}

// Only the two kinds of data URL the contract promises: anything else (an http URL that would make the
// panel fetch, a data:text/html) gets the placeholder.
export function isSafeIconUrl(url) {
  return typeof url === 'string' && /^data:image\/(?:png|svg\+xml);base64,[A-Za-z0-9+/]+={0,2}$/.test(url);
}

// The install date, and the update's when there was one: "12 Mar 2024 · updated 14 Mar 2024".
export function appDates(app, locale) {
  const installed = formatDate(app.installedAt, locale);
  if (!(app.updatedAt > app.installedAt)) return installed;
  const updated = formatDate(app.updatedAt, locale);
  return updated === installed ? `${installed} · updated the same day` : `${installed} · updated ${updated}`;
}

// "low (score 6)": the level decides the periodic cadence, the score is what developers tune against.
export function engagementText(engagement) {
  if (!engagement || !engagement.level) return DASH;
  if (!Number.isFinite(engagement.score)) return engagement.level;
  return `${engagement.level} (score ${Math.round(engagement.score)})`;
}

const SHORT = { allow: 'allowed', block: 'blocked', ask: 'ask first' };

// One line for the app's card: "Background sync allowed · Periodic sync blocked · Notifications: ask first".
export function permissionSummary(permissions = {}) {
  const word = (value) => SHORT[value] ?? value ?? 'unknown';
  return [
    `Background sync ${word(permissions['background-sync'])}`,
    `Periodic sync ${word(permissions['periodic-background-sync'])}`,
    `Notifications: ${word(permissions.notifications)}`,
  ].join(' · ');
}
