// The Apps tab: installed apps (open, uninstall), installing one, and starting syncshell at login.
// data-testid: apps-list, apps-empty, app-row (data-app) / open-app / uninstall-app / app-error
// (app-card.js), uninstall-dialog, uninstall-delete-data, uninstall-confirm, uninstall-dialog-cancel,
// uninstall-dialog-error, install-* (install-form.js), autostart, autostart-error.
import { h, uid, reconcile } from '../dom.js';
import { sortApps } from '../apps-model.js';
import { TabPanel } from './tab-panel.js';
import { createAppCard, updateAppCard } from './app-card.js';
import { createInstallForm } from './install-form.js';
import { createConfirmDialog } from './confirm-dialog.js';
import { switchRow } from './switch-row.js';
import { runAction } from './action.js';

class AppsTab extends TabPanel {
  static heading = 'Apps';

  static intro = 'Web apps installed as desktop apps. Each has its own window, storage and launcher.';

  build() {
    const ctx = () => this.ctx;
    const listTitle = uid('apps-title');
    this.list = h('ul', { class: 'app-list', 'data-testid': 'apps-list', 'aria-labelledby': listTitle });
    this.empty = h('div', { class: 'empty', 'data-testid': 'apps-empty', hidden: true },
      h('p', { class: 'empty-title', text: 'No apps installed yet' }),
      h('p', { text: 'Install one below: type the address of a web app, such as https://app.example/, and press Install.' }));
    this.uninstallDialog = createConfirmDialog({ testid: 'uninstall-dialog', confirmTestid: 'uninstall-confirm' });
    this.install = createInstallForm({ getCtx: ctx });
    this.autostart = switchRow({
      testid: 'autostart',
      label: 'Start syncshell at login',
      hint: 'Lets apps finish sending and refresh in the background after you log in, before you open them.',
      call: (enabled) => this.ctx.api.setAutostart(enabled),
      reread: () => this.ctx.reloadState(),
      say: (text) => this.ctx.say(text),
      message: (on) => (on ? 'syncshell will start at login' : 'syncshell will not start at login'),
    });
    this.append(
      h('section', { class: 'section', 'aria-labelledby': listTitle },
        h('h3', { class: 'section-title', id: listTitle, text: 'Installed apps' }),
        this.empty,
        this.list),
      this.install.element,
      h('section', { class: 'card' }, h('h3', { text: 'Startup' }), this.autostart.element),
      this.uninstallDialog.element);
  }

  showState(state) {
    const apps = sortApps(state.apps);
    this.empty.hidden = apps.length > 0;
    this.list.hidden = apps.length === 0;
    reconcile(this.list, apps, {
      key: (app) => app.id,
      create: () => createAppCard({
        onOpen: (app, card) => this.open(app, card),
        onUninstall: (app, card) => this.confirmUninstall(app, card),
      }),
      update: (card, app) => updateAppCard(card, app, this.ctx.api),
    });
    this.autostart.set(state.autostart);
  }

  installProgress(event) {
    this.install.progress(event);
  }

  open(app, card) {
    runAction({
      errorBox: card.error,
      call: () => this.ctx.api.openApp(app.id),
      done: () => this.ctx.say(`Opened ${app.name}`),
    });
  }

  confirmUninstall(app, card) {
    const deleteData = h('input', { type: 'checkbox', 'data-testid': 'uninstall-delete-data' });
    const content = [
      h('p', { text: 'Its launcher, icon, background registrations and site settings are removed.' }),
      app.windowOpen ? h('p', { text: 'Its open window will be closed.' }) : null,
      h('label', { class: 'check' }, deleteData,
        h('span', { text: 'Also delete its data (cookies, storage, offline posts not yet sent)' })),
    ].filter(Boolean);
    this.uninstallDialog.open({
      heading: `Uninstall ${app.name}?`,
      content,
      confirmLabel: 'Uninstall',
      opener: card.parts.uninstall,
      run: async () => {
        await this.ctx.api.uninstall(app.id, deleteData.checked);
        this.ctx.say(`Uninstalled ${app.name}`);
      },
      // The app's card goes with the next refresh; focus the tab's heading rather than lose it.
      onConfirmed: () => this.focusHeading(),
    });
  }
}

customElements.define('apps-tab', AppsTab);
