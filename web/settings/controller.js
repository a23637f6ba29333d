// Keeps the tabs current: the first load, then a re-read of what each `settings:changed` event says
// changed (refresh.js), within the event's own turn, never on a timer. DOM-free: a tab is anything with
//   showState(state)            render from panel_state (tabs fed by it)
//   refresh() -> Promise        run and render the tab's own query (registrations, log)
//   setLoadError(source, error) show or (error null) clear why a load failed; source 'state' | 'own'
//   markReady()                 the first load finished (data-ready="true", which tests wait for)
//   activate(), deactivate()    optional: the tab was shown / hidden
import { FEEDS, planRefresh } from './refresh.js';
import { coalesce } from './coalesce.js';

export function createController({ api, tabs, isVisible }) {
  const names = Object.keys(tabs);
  const stateTabs = names.filter((name) => FEEDS[name]?.state.length > 0);
  const ownTabs = names.filter((name) => typeof tabs[name].refresh === 'function');
  const loaded = new Map(names.map((name) => [name, {
    state: !stateTabs.includes(name),
    own: !ownTabs.includes(name),
  }]));
  const ready = new Set();
  // Own queries of hidden tabs wait until the tab is shown: the log can hold days of entries, and
  // re-reading it for every event nobody sees is waste. panel_state is one small read for all tabs.
  const stale = new Set();
  const wantState = new Set();

  function loadedFrom(name, source) {
    const done = loaded.get(name);
    done[source] = true;
    if (done.state && done.own && !ready.has(name)) {
      ready.add(name);
      tabs[name].markReady();
    }
  }

  // A rendering bug in one tab is shown there and does not keep the others stale.
  function render(name, source, draw) {
    try {
      draw();
    } catch (error) {
      tabs[name].setLoadError(source, { kind: 'panel', message: `The panel failed to show this: ${error.message}` });
      return;
    }
    tabs[name].setLoadError(source, null);
    loadedFrom(name, source);
  }

  // Tabs whose last state read failed get the next one whatever it was for.
  const missedState = new Set();
  let lastState = null;
  const loadState = coalesce(async () => {
    const targets = [...new Set([...wantState, ...missedState])];
    wantState.clear();
    // Requests made before this run started were all served by it: a queued run may find none left.
    if (targets.length === 0) return lastState;
    let state;
    try {
      state = await api.state();
    } catch (error) {
      for (const name of targets) {
        missedState.add(name);
        tabs[name].setLoadError('state', error);
      }
      throw error;
    }
    missedState.clear();
    lastState = state;
    for (const name of targets) render(name, 'state', () => tabs[name].showState(state));
    return state;
  });

  // Re-reads panel_state for the given tabs (by default every tab it feeds, as after a control's
  // action). Rejects if the read fails, so an action can show why next to its control.
  function refreshState(targets = stateTabs) {
    for (const name of targets) wantState.add(name);
    return loadState();
  }

  const ownRuns = new Map(ownTabs.map((name) => [name, coalesce(async () => {
    try {
      await tabs[name].refresh();
    } catch (error) {
      tabs[name].setLoadError('own', error);
      // Shown again, the tab tries again rather than keep the error until the next change.
      stale.add(name);
      throw error;
    }
    render(name, 'own', () => {});
  })]));

  function refreshOwn(name) {
    stale.delete(name);
    return ownRuns.get(name)();
  }

  // Failures are already shown in the tab; nothing more to do with them here.
  const shownInTab = () => {};

  function changed(payload) {
    const plan = planRefresh(payload?.tables);
    if (plan.state.length > 0) refreshState(plan.state).catch(shownInTab);
    for (const name of plan.own) {
      if (!ownRuns.has(name)) continue;
      if (isVisible(name)) refreshOwn(name).catch(shownInTab);
      else stale.add(name);
    }
  }

  function shown(name) {
    for (const other of names) {
      const tab = tabs[other];
      if (other === name) tab.activate?.();
      else tab.deactivate?.();
    }
    if (stale.has(name)) refreshOwn(name).catch(shownInTab);
  }

  // Listens first, so nothing that changes during the first load is missed. Resolves when every tab
  // has loaded (or shown why not) to the unlisten function, and `liveError` when listening failed.
  async function start() {
    let unlisten = null;
    let liveError = null;
    try {
      unlisten = await api.onChanged(changed);
    } catch (error) {
      liveError = error;
    }
    await Promise.allSettled([refreshState(stateTabs), ...ownTabs.map(refreshOwn)]);
    return { unlisten, liveError };
  }

  return {
    start,
    changed,
    shown,
    reloadState: () => refreshState(stateTabs),
    refreshOwn,
  };
}
