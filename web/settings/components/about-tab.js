// The Network & About tab: the network as the host sees it and the developer's override, the version
// and paths, and every background sync parameter with where its value came from.
// data-testid: network-online, network-metered, network-mode (select: auto | online | offline |
// metered), network-mode-error, network-overridden, version, data-dir, config-file, parameters (the
// table), parameter-row (data-name).
import { h, fact, uid, reconcile, setText, errorBox } from '../dom.js';
import { TabPanel } from './tab-panel.js';
import { storedChoice } from './action.js';

const MODES = [
  { value: 'auto', label: 'Auto (follow the desktop)' },
  { value: 'online', label: 'Online' },
  { value: 'offline', label: 'Offline' },
  { value: 'metered', label: 'Metered' },
];

const OVERRIDDEN = {
  online: 'Overridden: apps and the scheduler see an online connection whatever the desktop has.',
  offline: 'Overridden: apps and the scheduler see no connection; nothing fires until this is set back to Auto.',
  metered: 'Overridden: apps see a metered connection (saveData), and periodic sync may wait.',
};

class AboutTab extends TabPanel {
  static heading = 'Network & About';

  static intro = 'The network as syncshell sees it, and where syncshell keeps its files and settings.';

  build() {
    const modeId = uid('network-mode');
    const hintId = uid('network-mode-hint');
    this.online = fact('Connection', { 'data-testid': 'network-online' });
    this.metered = fact('Metered', { 'data-testid': 'network-metered' });
    this.version = fact('Version', { 'data-testid': 'version' });
    this.dataDir = fact('Data directory', { 'data-testid': 'data-dir', class: 'mono' });
    this.configFile = fact('Config file', { 'data-testid': 'config-file', class: 'mono' });
    this.modeError = errorBox('network-mode-error');
    this.modeError.id = uid('network-mode-error');
    this.mode = h('select', { id: modeId, 'data-testid': 'network-mode', 'aria-describedby': `${hintId} ${this.modeError.id}` },
      ...MODES.map((m) => h('option', { value: m.value, text: m.label })));
    this.overridden = h('p', { class: 'note warning', 'data-testid': 'network-overridden', hidden: true });
    this.paramsBody = h('tbody');
    const paramsTitle = uid('parameters-title');
    this.append(
      h('section', { class: 'card' },
        h('h3', { text: 'Network' }),
        h('dl', { class: 'facts' }, ...this.online.nodes, ...this.metered.nodes),
        h('div', { class: 'field' },
          h('label', { for: modeId, text: 'Network override' }),
          this.mode,
          h('p', { class: 'hint', id: hintId, text: 'What the scheduler and apps see, for testing, like DevTools’ “Offline”. Auto follows the desktop’s connection.' }),
          this.modeError),
        this.overridden),
      h('section', { class: 'card' },
        h('h3', { text: 'About syncshell' }),
        h('dl', { class: 'facts' }, ...this.version.nodes, ...this.dataDir.nodes, ...this.configFile.nodes)),
      h('section', { class: 'card', 'aria-labelledby': paramsTitle },
        h('h3', { id: paramsTitle, text: 'Parameters' }),
        h('p', { class: 'hint', text: 'Background sync parameters in force. Set them in the config file or with SYNCSHELL_… environment variables.' }),
        h('div', { class: 'table-scroll' },
          h('table', { 'data-testid': 'parameters', 'aria-labelledby': paramsTitle },
            h('thead', {}, h('tr', {},
              h('th', { scope: 'col', text: 'Name' }),
              h('th', { scope: 'col', text: 'Value' }),
              h('th', { scope: 'col', text: 'Where it came from' }))),
            this.paramsBody))));

    this.modeChoice = storedChoice({
      show: (mode) => {
        this.mode.value = mode;
      },
      errorBox: this.modeError,
      reread: () => this.ctx.reloadState(),
    });
    this.mode.addEventListener('change', () => {
      const mode = this.mode.value;
      this.modeChoice.change(mode, {
        call: () => this.ctx.api.setNetwork(mode),
        done: () => this.ctx.say(`Network: ${MODES.find((m) => m.value === mode).label}`),
      });
    });
  }

  showState(state) {
    const { network } = state;
    setText(this.online.value, network.online ? 'Online' : 'Offline');
    setText(this.metered.value, network.metered ? 'Yes' : 'No');
    this.modeChoice.set(network.mode);
    this.overridden.hidden = !OVERRIDDEN[network.mode];
    setText(this.overridden, OVERRIDDEN[network.mode] ?? '');
    setText(this.version.value, state.version);
    setText(this.dataDir.value, state.dataDir);
    setText(this.configFile.value, state.configFile);
    reconcile(this.paramsBody, state.parameters ?? [], {
      key: (p) => p.name,
      create: () => h('tr', { 'data-testid': 'parameter-row' },
        h('th', { scope: 'row', class: 'mono' }), h('td', { class: 'mono' }), h('td', {})),
      update: (tr, p) => {
        tr.dataset.name = p.name;
        const [name, value, source] = tr.children;
        setText(name, p.name);
        setText(value, p.value);
        setText(source, p.source);
      },
    });
  }
}

customElements.define('about-tab', AboutTab);
