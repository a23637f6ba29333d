// The Background services tab: the log as DevTools' Background Services panel shows it. Filters, Clear
// (confirmed), Save as JSON (the host asks where and writes it), the table, and the selected entry's
// details. New entries arrive live; the selection and the scroll position stay, and the view follows
// the newest entry only when it was already at the bottom.
// data-testid: log-retention, log-app-filter, log-service-filter, log-count, log-clear, log-save,
// log-error, log-clear-dialog, log-clear-confirm, log-clear-dialog-cancel, log-clear-dialog-error,
// log-table, log-empty, log-row (data-id; aria-current="true" when selected), log-details (data-id of
// the entry shown), log-detail-row (data-key).
import { h, uid, reconcile, setText, setOptions, errorBox } from '../dom.js';
import { formatTimestamp } from '../format.js';
import {
  SERVICES, filterLog, serviceLabel, retentionNote, atBottom,
} from '../log-model.js';
import { sortApps } from '../apps-model.js';
import { indexForKey } from '../keys.js';
import { TabPanel } from './tab-panel.js';
import { createLogDetails } from './log-details.js';
import { createConfirmDialog } from './confirm-dialog.js';
import { runAction, busyFlag } from './action.js';

const COLUMNS = ['#', 'Timestamp', 'Event', 'Origin', 'Service', 'Tag'];

class LogTab extends TabPanel {
  static heading = 'Background services';

  static intro = 'What happened to background sync, periodic sync and notifications, as Chrome DevTools records it.';

  build() {
    this.entries = [];
    this.apps = [];
    this.selected = null;
    // Following the newest entry (the view was at the bottom), else where the user left it.
    this.stick = true;
    this.scrollKept = 0;
    const ids = { app: uid('log-app'), service: uid('log-service'), title: uid('log-title') };
    this.retention = h('p', { class: 'hint', 'data-testid': 'log-retention', text: retentionNote([]) });
    this.appFilter = h('select', { id: ids.app, 'data-testid': 'log-app-filter' });
    setOptions(this.appFilter, [{ value: '', label: 'All apps' }]);
    this.serviceFilter = h('select', { id: ids.service, 'data-testid': 'log-service-filter' },
      h('option', { value: '', text: 'All services' }),
      ...SERVICES.map((s) => h('option', { value: s.value, text: s.label })));
    // Not a live region: it changes with every event recorded, too often to be read out.
    this.count = h('p', { class: 'count', 'data-testid': 'log-count' });
    this.clearButton = h('button', { type: 'button', 'data-testid': 'log-clear', text: 'Clear…' });
    this.saveButton = h('button', { type: 'button', 'data-testid': 'log-save', text: 'Save as JSON…' });
    this.error = errorBox('log-error');
    this.body = h('tbody');
    this.table = h('table', { class: 'log-table', 'data-testid': 'log-table', 'aria-labelledby': ids.title },
      h('thead', {}, h('tr', {}, ...COLUMNS.map((c) => h('th', { scope: 'col', text: c })))),
      this.body);
    this.scroller = h('div', { class: 'table-scroll log-scroll' }, this.table);
    this.empty = h('p', { class: 'empty', 'data-testid': 'log-empty', hidden: true });
    this.details = createLogDetails();
    this.details.show(null);
    this.clearDialog = createConfirmDialog({ testid: 'log-clear-dialog', confirmTestid: 'log-clear-confirm' });

    this.append(
      this.retention,
      h('div', { class: 'toolbar' },
        h('h3', { class: 'visually-hidden', id: ids.title, text: 'Log entries' }),
        h('span', { class: 'filter' }, h('label', { for: ids.app, text: 'App' }), this.appFilter),
        h('span', { class: 'filter' }, h('label', { for: ids.service, text: 'Service' }), this.serviceFilter),
        h('span', { class: 'spacer' }),
        this.count, this.clearButton, this.saveButton),
      this.error,
      h('div', { class: 'log-layout' }, h('div', { class: 'log-main' }, this.empty, this.scroller), this.details.element),
      this.clearDialog.element);

    this.appFilter.addEventListener('change', () => this.render());
    this.serviceFilter.addEventListener('change', () => this.render());
    this.scroller.addEventListener('scroll', () => {
      // A hidden box (its tab or the empty log) has no size: it says nothing of where the user was.
      if (this.scroller.clientHeight === 0) return;
      this.stick = atBottom(this.scroller);
      this.scrollKept = this.scroller.scrollTop;
    });
    this.body.addEventListener('click', (event) => {
      const tr = event.target.closest('tr');
      if (tr) this.select(Number(tr.dataset.id), { focus: true });
    });
    this.body.addEventListener('keydown', (event) => this.onKey(event));
    this.clearButton.addEventListener('click', () => this.confirmClear());
    const saving = busyFlag(this.saveButton);
    this.saveButton.addEventListener('click', () => {
      if (saving.isBusy()) return;
      const filters = this.filters();
      runAction({
        errorBox: this.error,
        busy: (on) => saving.set(on),
        call: () => this.ctx.api.saveLog({ app: filters.app, service: filters.service }),
        // null: the user cancelled the save dialog, which needs no word.
        done: (path) => path && this.ctx.say(`Saved to ${path}`),
      });
    });
  }

  showState(state) {
    this.apps = sortApps(state.apps);
    setText(this.retention, retentionNote(state.parameters));
    const gone = setOptions(this.appFilter, [
      { value: '', label: 'All apps' },
      ...this.apps.map((a) => ({ value: a.id, label: `${a.name} (${a.origin})` })),
    ]);
    if (gone) this.render();
  }

  async refresh() {
    this.entries = await this.ctx.api.log({});
    this.render();
  }

  filters() {
    const app = this.apps.find((a) => a.id === this.appFilter.value) ?? null;
    return { app: app?.id ?? null, origin: app?.origin ?? null, service: this.serviceFilter.value || null };
  }

  render() {
    const filters = this.filters();
    const view = filterLog(this.entries, filters);
    if (!view.some((e) => e.id === this.selected)) this.setSelected(null);
    const focusable = this.selected ?? view[0]?.id;
    const hadFocus = this.body.contains(document.activeElement);
    reconcile(this.body, view, {
      key: (e) => e.id,
      create: (e) => h('tr', { 'data-testid': 'log-row', 'data-id': String(e.id), tabindex: '-1' },
        h('td', { class: 'num', text: String(e.id) }),
        h('td', { class: 'mono nowrap', text: formatTimestamp(e.at) }),
        h('td', { class: 'wrap', text: e.event }),
        h('td', { class: 'wrap', text: e.origin }),
        h('td', { class: 'nowrap', text: serviceLabel(e.service) }),
        h('td', { class: 'mono wrap', text: e.tag })),
      update: (tr, e) => this.markRow(tr, e.id, focusable),
    });
    // The focused row went (filtered out, cleared, expired): keep focus in the table, not on <body>.
    if (hadFocus && !this.body.contains(document.activeElement)) {
      const row = this.body.querySelector('tr[tabindex="0"]');
      if (row) row.focus();
      else this.focusHeading();
    }
    const filtered = filters.origin !== null || filters.service !== null;
    const events = (n) => `${n} ${n === 1 ? 'event' : 'events'}`;
    setText(this.count, filtered ? `${view.length} of ${events(this.entries.length)}` : events(view.length));
    setText(this.empty, filtered && this.entries.length ? 'No events match these filters.' : 'No events recorded yet.');
    this.empty.hidden = view.length > 0;
    this.scroller.hidden = view.length === 0;
    if (this.stick) this.scrollToEnd();
  }

  markRow(tr, id, focusable) {
    const selected = id === this.selected;
    tr.classList.toggle('selected', selected);
    if (selected) tr.setAttribute('aria-current', 'true');
    else tr.removeAttribute('aria-current');
    // Roving tabindex: Tab reaches the table once, at the selected row (else the first).
    const tabindex = id === focusable ? '0' : '-1';
    if (tr.getAttribute('tabindex') !== tabindex) tr.setAttribute('tabindex', tabindex);
  }

  setSelected(id) {
    if (id === this.selected) return;
    this.selected = id;
    this.details.show(id === null ? null : this.entries.find((e) => e.id === id));
  }

  select(id, { focus = false } = {}) {
    this.setSelected(id);
    for (const tr of this.body.children) this.markRow(tr, Number(tr.dataset.id), id);
    if (focus) this.body.querySelector(`tr[data-id="${id}"]`)?.focus();
  }

  onKey(event) {
    const tr = event.target.closest('tr');
    if (!tr || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      this.select(Number(tr.dataset.id));
      return;
    }
    const rows = Array.from(this.body.children);
    const index = indexForKey(event.key, rows.indexOf(tr), rows.length, { wrap: false, vertical: true });
    if (index === null) return;
    event.preventDefault();
    const target = rows[index];
    this.select(Number(target.dataset.id), { focus: true });
    target.scrollIntoView({ block: 'nearest' });
  }

  scrollToEnd() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  // Shown again: a hidden box loses its scroll position (and cannot scroll), so follow the newest entry
  // if the view was at the bottom, else go back to where the user was.
  activate() {
    if (this.stick) this.scrollToEnd();
    else this.scroller.scrollTop = this.scrollKept;
  }

  confirmClear() {
    const { app } = this.filters();
    const chosen = this.apps.find((a) => a.id === app);
    const what = chosen
      ? `Deletes every entry of ${chosen.name} (${chosen.origin}), of every service.`
      : 'Deletes every entry of every app.';
    this.clearDialog.open({
      heading: chosen ? `Clear the log of ${chosen.name}?` : 'Clear the whole log?',
      content: [h('p', { text: what })],
      confirmLabel: 'Clear',
      opener: this.clearButton,
      run: async () => {
        const n = await this.ctx.api.clearLog(app);
        this.ctx.say(`Cleared ${n} ${n === 1 ? 'entry' : 'entries'}`);
      },
    });
  }
}

customElements.define('log-tab', LogTab);
