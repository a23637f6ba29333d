// An app's icon: the installed one (a data: URL from panel_app_icon), else a neutral tile with the
// app's initial. Icons are decorative (the name is next to them), so alt="" and no error box: a failed
// icon read leaves the tile and is logged for developers.
import { h } from '../dom.js';
import { appInitial, isSafeIconUrl } from '../apps-model.js';

// One read per app and version: an update may bring a new icon.
const urls = new Map();

function iconUrl(api, app) {
  const key = `${app.id}\n${app.updatedAt}`;
  if (!urls.has(key)) {
    const read = api.appIcon(app.id).catch((error) => {
      urls.delete(key);
      console.warn(`syncshell: no icon for ${app.id}: ${error?.message}`);
      return null;
    });
    urls.set(key, read);
  }
  return urls.get(key);
}

export function createAppIcon() {
  return h('span', { class: 'app-icon', 'aria-hidden': 'true' }, h('span', { class: 'app-initial' }));
}

export function updateAppIcon(el, app, api) {
  const key = JSON.stringify([app.id, app.updatedAt, app.hasIcon, app.name]);
  if (el.dataset.icon === key) return;
  el.dataset.icon = key;
  el.replaceChildren(h('span', { class: 'app-initial', text: appInitial(app.name) }));
  if (!app.hasIcon) return;
  iconUrl(api, app).then((url) => {
    if (el.dataset.icon !== key || !isSafeIconUrl(url)) return;
    el.replaceChildren(h('img', { src: url, alt: '' }));
  });
}
