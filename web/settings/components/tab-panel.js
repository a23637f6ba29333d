// Base class of the five tab panels. Each is a custom element that index.html gives its id
// (tab-apps, ...) and role=tabpanel; this adds the heading, the load-error box and readiness.
// data-testid: load-error (why the tab's data could not be read; hidden when it could).
import { h, errorBox, errorMessage } from '../dom.js';

export class TabPanel extends HTMLElement {
  // Subclasses set `static heading` and `static intro`, and build their content in build().
  connectedCallback() {
    if (this.built) return;
    this.built = true;
    this.loadErrors = new Map();
    this.loadErrorBox = errorBox('load-error');
    const { heading, intro } = this.constructor;
    this.append(h('header', { class: 'panel-header' },
      h('h2', { text: heading, tabindex: '-1' }),
      intro ? h('p', { class: 'intro', text: intro }) : null));
    this.append(this.loadErrorBox);
    this.build();
  }

  // ctx: { api, say(message), reloadState(), refresh() (tabs with an own query) }.
  setup(ctx) {
    this.ctx = ctx;
  }

  // One message per failing source (panel_state, the tab's own query), so clearing one keeps the other.
  setLoadError(source, error) {
    if (error) this.loadErrors.set(source, errorMessage(error));
    else this.loadErrors.delete(source);
    const messages = [...new Set(this.loadErrors.values())];
    this.loadErrorBox.hidden = messages.length === 0;
    this.loadErrorBox.textContent = messages.length ? `Could not read this from syncshell: ${messages.join(' ')}` : '';
  }

  markReady() {
    this.dataset.ready = 'true';
  }

  // Where focus goes when the control that had it went away (an uninstalled app's row).
  focusHeading() {
    this.querySelector('.panel-header h2')?.focus();
  }
}
