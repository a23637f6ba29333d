// The Registrations tab, like DevTools' Background Services and Service Workers panes together: every
// sync and periodicsync registration with its schedule and why it waits, a Fire button per row, and a
// form to fire any tag. "Next" cells tick once a second while the tab is shown.
// data-testid: registrations-paused, last-chance, registrations-table, registrations-empty,
// registration-row (data-app, data-kind, data-tag), registration-next, registration-held, fire,
// fire-error, fire-form-* (fire-form.js).
import { h, uid, reconcile, setText, errorBox } from '../dom.js';
import {
  registrationRow, sortRegistrations, nextText, fireMessage,
} from '../registrations-model.js';
import { TabPanel } from './tab-panel.js';
import { createFireForm } from './fire-form.js';
import { runAction, busyFlag } from './action.js';

// Why a registration waits goes under its state: a column of its own would push the table past the
// window's width.
const COLUMNS = ['App', 'Event', 'Tag', 'State', 'Next event', 'Cadence'];

class RegistrationsTab extends TabPanel {
  static heading = 'Registrations';

  static intro = 'Background sync and periodic sync registrations of every app: when each fires next, and why it waits.';

  build() {
    this.paused = h('p', {
      class: 'note warning', 'data-testid': 'registrations-paused', hidden: true,
      text: 'Background activity is paused: nothing fires until “Pause background activity” is turned off in Permissions.',
    });
    this.lastChance = h('input', { type: 'checkbox', 'data-testid': 'last-chance' });
    this.empty = h('div', { class: 'empty', 'data-testid': 'registrations-empty', hidden: true },
      h('p', { class: 'empty-title', text: 'No registrations' }),
      h('p', { text: 'An app registers sync when it has something to send once online, and periodic sync to refresh in the background. They appear here as soon as they do.' }));
    this.body = h('tbody');
    const captionId = uid('registrations-caption');
    this.table = h('table', { 'data-testid': 'registrations-table', 'aria-labelledby': captionId },
      h('thead', {}, h('tr', {},
        ...COLUMNS.map((c) => h('th', { scope: 'col', text: c })),
        h('th', { scope: 'col', class: 'actions' }, h('span', { class: 'visually-hidden', text: 'Actions' })))),
      this.body);
    this.tableBox = h('div', { class: 'table-scroll' }, this.table);
    this.fireForm = createFireForm({ getCtx: () => this.ctx });
    this.append(
      this.paused,
      h('section', { class: 'section', 'aria-labelledby': captionId },
        h('div', { class: 'toolbar' },
          h('h3', { class: 'section-title', id: captionId, text: 'Registered events' }),
          h('label', { class: 'check' }, this.lastChance,
            h('span', { text: 'Last chance: fire sync as if it were the final attempt' }))),
        this.empty,
        this.tableBox),
      this.fireForm.element);
    this.ticker = null;
  }

  showState(state) {
    this.paused.hidden = !state.paused;
    this.fireForm.setApps(state.apps);
  }

  async refresh() {
    const list = await this.ctx.api.registrations();
    const rows = sortRegistrations(list).map(registrationRow);
    this.empty.hidden = rows.length > 0;
    this.tableBox.hidden = rows.length === 0;
    const now = Date.now();
    reconcile(this.body, rows, {
      key: (row) => row.key,
      create: (row) => this.createRow(row),
      update: (tr, row) => this.updateRow(tr, row, now),
    });
  }

  createRow(row) {
    const cell = (testid) => h('td', { class: 'nowrap', 'data-testid': testid });
    const cells = {
      app: h('td', { class: 'wrap' }, h('span', { class: 'cell-main' }), h('span', { class: 'cell-sub' })),
      // A tag stays whole (WebKit would break even a short one to fit); a long one scrolls.
      kind: cell(), tag: h('td', { class: 'mono nowrap' }),
      state: h('td', { class: 'wrap' }, h('span', { class: 'cell-main' }),
        h('span', { class: 'held', 'data-testid': 'registration-held' }, h('span', { class: 'badge held' }), h('span', { class: 'cell-sub' }))),
      next: h('td', { class: 'wrap', 'data-testid': 'registration-next' }), cadence: h('td', { class: 'wrap' }),
    };
    const fire = h('button', { type: 'button', 'data-testid': 'fire' });
    const error = errorBox('fire-error');
    const busy = busyFlag(fire);
    const tr = h('tr', { 'data-testid': 'registration-row' }, ...Object.values(cells), h('td', { class: 'actions' }, fire, error));
    tr.parts = cells;
    fire.addEventListener('click', () => {
      const r = tr.row;
      if (busy.isBusy() || !r.canFire) return;
      const fields = { app: r.app, tag: r.tag, periodic: r.periodic, lastChance: !r.periodic && this.lastChance.checked };
      runAction({
        errorBox: error,
        busy: (on) => busy.set(on),
        call: () => this.ctx.api.fire(fields),
        done: () => this.ctx.say(fireMessage(fields)),
        reread: () => this.ctx.refresh(),
      });
    });
    tr.fire = fire;
    return tr;
  }

  updateRow(tr, row, now) {
    const c = tr.parts;
    tr.row = row;
    // A registration whose app is gone has no data-app (not "null").
    if (row.app) tr.dataset.app = row.app;
    else delete tr.dataset.app;
    Object.assign(tr.dataset, { kind: row.kind, tag: row.tag });
    setText(c.app.firstChild, row.appName);
    setText(c.app.lastChild, row.origin);
    setText(c.kind, row.kind);
    setText(c.tag, row.tag);
    setText(c.state.firstChild, row.stateText);
    setText(c.next, nextText(row.nextAt, now));
    setText(c.cadence, row.cadence);
    const held = c.state.lastChild;
    const [badge, text] = held.children;
    setText(badge, row.held ? row.held.label : '');
    setText(text, row.held ? row.held.text : '');
    held.hidden = !row.held;
    // "Fire": the Event column says which; the accessible name says it all. panel_fire needs an
    // installed app, so a registration left without one has no button.
    setText(tr.fire, 'Fire');
    tr.fire.setAttribute('aria-label', `${row.fireLabel} “${row.tag}” of ${row.appName}`);
    tr.fire.hidden = !row.canFire;
  }

  // Relative times ("in 4 min") move with the clock; only those cells are touched.
  tick() {
    const now = Date.now();
    for (const tr of this.body.children) setText(tr.parts.next, nextText(tr.row.nextAt, now));
  }

  activate() {
    if (this.ticker === null) this.ticker = setInterval(() => this.tick(), 1000);
    this.tick();
  }

  deactivate() {
    clearInterval(this.ticker);
    this.ticker = null;
  }
}

customElements.define('registrations-tab', RegistrationsTab);
