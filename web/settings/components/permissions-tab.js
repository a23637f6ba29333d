// The Permissions tab: the global switches (pause, no periodic sync on metered connections) and, per
// app, its site's three permissions. Apps on one origin share them, and their cards say so.
// data-testid: pause, pause-error, metered-hold, metered-hold-error, permissions-empty,
// permission-card (data-app), permission-shared, permission-<app>-<permission> (fieldset; radios
// valued allow / block / ask), permission-error.
import { h, uid, reconcile, setText } from '../dom.js';
import { permissionCards, permissionMessage, sharedText } from '../permission-model.js';
import { TabPanel } from './tab-panel.js';
import { switchRow } from './switch-row.js';
import { createPermissionGroup } from './permission-group.js';
import { createAppIcon, updateAppIcon } from './app-icon.js';

class PermissionsTab extends TabPanel {
  static heading = 'Permissions';

  static intro = 'What installed apps may do in the background. Permissions belong to a site (its origin), as in browsers.';

  build() {
    const common = {
      reread: () => this.ctx.reloadState(),
      say: (text) => this.ctx.say(text),
    };
    this.pause = switchRow({
      ...common,
      testid: 'pause',
      label: 'Pause background activity',
      hint: 'Holds every background sync and periodic sync of every app until you turn this off. Site settings stay as they are.',
      call: (paused) => this.ctx.api.setPaused(paused),
      message: (on) => (on ? 'Background activity paused' : 'Background activity resumed'),
    });
    this.meteredHold = switchRow({
      ...common,
      testid: 'metered-hold',
      label: 'No periodic sync on metered connections',
      hint: 'Periodic sync waits for a connection that is not metered. One-off syncs still go: they carry what you wrote.',
      call: (hold) => this.ctx.api.setMeteredHold(hold),
      message: (on) => (on ? 'Periodic sync waits on metered connections' : 'Periodic sync runs on metered connections'),
    });
    const sitesTitle = uid('sites-title');
    this.cards = h('div', { class: 'permission-cards' });
    this.empty = h('p', { class: 'empty', 'data-testid': 'permissions-empty', text: 'No apps installed yet.', hidden: true });
    this.append(
      h('section', { class: 'card' }, h('h3', { text: 'All apps' }), this.pause.element, this.meteredHold.element),
      h('section', { class: 'section', 'aria-labelledby': sitesTitle },
        h('h3', { class: 'section-title', id: sitesTitle, text: 'Site permissions' }),
        this.empty,
        this.cards));
  }

  showState(state) {
    this.pause.set(state.paused);
    this.meteredHold.set(state.holdPeriodicOnMetered);
    const cards = permissionCards(state.apps);
    this.empty.hidden = cards.length > 0;
    reconcile(this.cards, cards, {
      key: (card) => card.id,
      create: (card) => this.createCard(card),
      update: (el, card) => {
        el.model = card;
        updateAppIcon(el.parts.icon, state.apps.find((a) => a.id === card.id), this.ctx.api);
        setText(el.parts.name, card.name);
        setText(el.parts.origin, card.origin);
        setText(el.parts.shared, sharedText(card.sharedWith));
        el.parts.shared.hidden = card.sharedWith.length === 0;
        card.rows.forEach((row, i) => el.parts.groups[i].set(row.value));
      },
    });
  }

  // The rows are the same three for every app, so a card is built once and only its values change.
  createCard(card) {
    const titleId = uid('permission-app');
    const icon = createAppIcon();
    const name = h('h4', { class: 'app-name', id: titleId });
    const origin = h('p', { class: 'app-origin' });
    const shared = h('p', { class: 'note', 'data-testid': 'permission-shared' });
    const el = h('section', { class: 'card permission-card', 'data-testid': 'permission-card', 'data-app': card.id, 'aria-labelledby': titleId });
    const groups = card.rows.map((row) => createPermissionGroup(row, {
      change: (setting) => this.ctx.api.setPermission(card.id, row.permission, setting),
      reread: () => this.ctx.reloadState(),
      say: (text) => this.ctx.say(text),
      message: (setting) => permissionMessage(el.model.name, row.permission, setting),
    }));
    el.append(
      h('div', { class: 'card-head' }, icon, h('div', {}, name, origin)),
      shared,
      ...groups.map((g) => g.element));
    el.parts = { icon, name, origin, shared, groups };
    return el;
  }
}

customElements.define('permissions-tab', PermissionsTab);
