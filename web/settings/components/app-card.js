// One installed app in the Apps tab: icon, name, origin, scope, dates, storage, engagement, a line on
// its permissions, and its Open and Uninstall… buttons.
// data-testid: app-row (data-app=<id>), open-app, uninstall-app, app-error.
import { h, fact, setText, errorBox } from '../dom.js';
import { formatBytes } from '../format.js';
import { appDates, engagementText, permissionSummary } from '../apps-model.js';
import { createAppIcon, updateAppIcon } from './app-icon.js';

// `onOpen(app, card)` and `onUninstall(app, card)` get the app as last rendered.
export function createAppCard({ onOpen, onUninstall }) {
  const name = h('h4', { class: 'app-name' });
  const badge = h('span', { class: 'badge', text: 'Window open', hidden: true });
  const origin = h('p', { class: 'app-origin' });
  const scope = fact('Scope');
  const dates = fact('Installed');
  const storage = fact('Storage');
  const engagement = fact('Engagement');
  const permissions = fact('Permissions');
  const open = h('button', { type: 'button', 'data-testid': 'open-app', text: 'Open' });
  const uninstall = h('button', { type: 'button', 'data-testid': 'uninstall-app', text: 'Uninstall…' });
  const error = errorBox('app-error');
  const card = h('li', { class: 'card app-card', 'data-testid': 'app-row' },
    createAppIcon(),
    h('div', { class: 'app-main' },
      h('div', { class: 'app-title' }, name, badge),
      origin,
      h('dl', { class: 'facts' }, ...[scope, dates, storage, engagement, permissions].flatMap((f) => f.nodes))),
    h('div', { class: 'app-actions' }, open, uninstall),
    error);
  Object.assign(card, { parts: { name, badge, origin, scope, dates, storage, engagement, permissions, open, uninstall }, error });
  open.addEventListener('click', () => onOpen(card.app, card));
  uninstall.addEventListener('click', () => onUninstall(card.app, card));
  return card;
}

export function updateAppCard(card, app, api) {
  const p = card.parts;
  card.app = app;
  card.dataset.app = app.id;
  updateAppIcon(card.querySelector('.app-icon'), app, api);
  setText(p.name, app.name);
  p.badge.hidden = !app.windowOpen;
  setText(p.origin, app.origin);
  setText(p.scope.value, app.scope);
  setText(p.dates.value, appDates(app));
  setText(p.storage.value, `${formatBytes(app.storageBytes)} used`);
  setText(p.engagement.value, engagementText(app.engagement));
  setText(p.permissions.value, permissionSummary(app.permissions));
  // Buttons are named for the app, as several cards have the same buttons.
  p.open.setAttribute('aria-label', `Open ${app.name}`);
  p.uninstall.setAttribute('aria-label', `Uninstall ${app.name}…`);
}
