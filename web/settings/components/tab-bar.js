// The tab list (the ARIA tabs pattern) over the tab buttons index.html puts in it: click or arrow
// keys / Home / End select a tab (automatic activation: every panel is already rendered), one
// tabindex=0 (roving), the other panels hidden. The selected tab is kept in the URL's fragment so a
// reload lands on it. Emits `tab-change` { name } when the selection changes.
import { indexForKey } from '../keys.js';

class TabBar extends HTMLElement {
  connectedCallback() {
    if (this.tabs) return;
    this.tabs = Array.from(this.querySelectorAll('[role="tab"]'));
    this.addEventListener('click', (event) => {
      const tab = event.target.closest('[role="tab"]');
      if (tab && this.tabs.includes(tab)) this.select(tab);
    });
    this.addEventListener('keydown', (event) => {
      // Alt+arrows and the like belong to the window, not to the tabs.
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      const index = indexForKey(event.key, this.tabs.indexOf(document.activeElement), this.tabs.length);
      if (index === null) return;
      event.preventDefault();
      this.select(this.tabs[index]);
    });
    // Vertical beside the content, a horizontal strip above it in a narrow window (style.css).
    const narrow = window.matchMedia('(max-width: 48em)');
    const orient = () => this.setAttribute('aria-orientation', narrow.matches ? 'horizontal' : 'vertical');
    narrow.addEventListener('change', orient);
    orient();
    const wanted = this.tabs.find((t) => `#${t.dataset.tab}` === window.location.hash);
    this.select(wanted ?? this.tabs[0], { focus: false });
  }

  get current() {
    return this.tabs.find((t) => t.getAttribute('aria-selected') === 'true')?.dataset.tab;
  }

  select(tab, { focus = true } = {}) {
    // Clicking the shown tab again is no change: its panel keeps its scroll position.
    const changed = tab.dataset.tab !== this.current;
    for (const t of this.tabs) {
      const on = t === tab;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      document.getElementById(t.getAttribute('aria-controls')).hidden = !on;
    }
    if (focus) tab.focus();
    if (!changed) return;
    window.history.replaceState(null, '', `#${tab.dataset.tab}`);
    this.dispatchEvent(new CustomEvent('tab-change', { bubbles: true, detail: { name: tab.dataset.tab } }));
  }
}

customElements.define('tab-bar', TabBar);
