// The panel's entry point: defines the elements, hands each tab what it needs (the api, the status
// line, re-reads), starts the controller that keeps the tabs live, and stops listening when the page
// goes (a reload would otherwise leave the host sending to callbacks that no longer exist).
import host from './host.js';
import { createApi } from './api.js';
import { createController } from './controller.js';
import { TAB_NAMES } from './refresh.js';
import { errorMessage } from './dom.js';
import './components/tab-bar.js';
import './components/apps-tab.js';
import './components/permissions-tab.js';
import './components/registrations-tab.js';
import './components/log-tab.js';
import './components/about-tab.js';

const api = createApi(host);
const status = document.getElementById('status');
const liveError = document.getElementById('live-error');
const tabBar = document.querySelector('tab-bar');
const tabs = Object.fromEntries(TAB_NAMES.map((name) => [name, document.getElementById(`tab-${name}`)]));
const controller = createController({ api, tabs, isVisible: (name) => !tabs[name].hidden });

function say(message) {
  status.textContent = message;
}

// Each listen that failed says what the window will miss; both may fail (one reason, said twice).
function cannotListen(consequence) {
  return (error) => {
    liveError.append(document.createTextNode(`${liveError.textContent ? ' ' : ''}${consequence}: ${errorMessage(error)}`));
    liveError.hidden = false;
  };
}

for (const [name, tab] of Object.entries(tabs)) {
  tab.setup({
    api,
    say,
    reloadState: () => controller.reloadState(),
    refresh: typeof tab.refresh === 'function' ? () => controller.refreshOwn(name) : undefined,
  });
}
// The panels share one scroll box: a tab opens at its top, not where the last one was left.
const content = document.querySelector('.content');
tabBar.addEventListener('tab-change', (event) => {
  content.scrollTop = 0;
  controller.shown(event.detail.name);
});

const unlisteners = [];
window.addEventListener('pagehide', () => {
  for (const unlisten of unlisteners) unlisten().catch(() => {});
});

api.onInstall((event) => tabs.apps.installProgress(event))
  .then(
    (unlisten) => unlisteners.push(unlisten),
    cannotListen('An install’s steps show only when it ends'),
  );
const { unlisten, liveError: listenError } = await controller.start();
if (unlisten) unlisteners.push(unlisten);
if (listenError) cannotListen('This window does not update by itself; close and reopen it to see changes')(listenError);
controller.shown(tabBar.current);
