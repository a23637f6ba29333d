// "Fire an event": any tag of any app, registered or not, as DevTools' Service Workers pane lets you
// type one.
// data-testid: fire-form, fire-form-app, fire-form-tag, fire-form-kind (sync | periodicsync),
// fire-form-last-chance, fire-form-submit, fire-form-error.
import { h, uid, errorBox, setOptions, showError } from '../dom.js';
import { sortApps } from '../apps-model.js';
import { fireMessage } from '../registrations-model.js';
import { runAction, busyFlag } from './action.js';

export function createFireForm({ getCtx }) {
  const ids = { app: uid('fire-app'), tag: uid('fire-tag'), kind: uid('fire-kind'), title: uid('fire-title') };
  const app = h('select', { id: ids.app, 'data-testid': 'fire-form-app' });
  const tag = h('input', { id: ids.tag, type: 'text', 'data-testid': 'fire-form-tag', spellcheck: 'false', autocomplete: 'off' });
  const kind = h('select', { id: ids.kind, 'data-testid': 'fire-form-kind' },
    h('option', { value: 'sync', text: 'sync' }),
    h('option', { value: 'periodicsync', text: 'periodicsync' }));
  const lastChance = h('input', { type: 'checkbox', 'data-testid': 'fire-form-last-chance' });
  const submit = h('button', { type: 'submit', 'data-testid': 'fire-form-submit', text: 'Fire' });
  const error = errorBox('fire-form-error');
  const noApps = h('p', { class: 'hint', text: 'Install an app first.', hidden: true });
  const form = h('form', { class: 'card fire-form', 'data-testid': 'fire-form', novalidate: true, 'aria-labelledby': ids.title },
    h('h3', { id: ids.title, text: 'Fire an event' }),
    h('p', { class: 'hint', text: 'Fires sync or periodicsync with any tag at the app’s service worker now, as DevTools does.' }),
    h('div', { class: 'form-grid' },
      h('label', { for: ids.app, text: 'App' }), app,
      h('label', { for: ids.tag, text: 'Tag' }), tag,
      h('label', { for: ids.kind, text: 'Event' }), kind),
    h('label', { class: 'check' }, lastChance, h('span', { text: 'Last chance (sync only: as if it were the final attempt)' })),
    noApps,
    h('div', { class: 'form-actions' }, submit),
    error);
  const busy = busyFlag(submit);

  // Last chance means nothing to periodicsync.
  const followKind = () => {
    lastChance.disabled = kind.value !== 'sync';
    if (lastChance.disabled) lastChance.checked = false;
  };
  kind.addEventListener('change', followKind);
  followKind();

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (busy.isBusy()) return;
    const fields = { app: app.value, tag: tag.value, periodic: kind.value === 'periodicsync', lastChance: lastChance.checked };
    if (!fields.app) {
      showError(error, { message: 'Install an app first: events go to an installed app’s service worker.' });
      return;
    }
    if (fields.tag === '') {
      showError(error, { message: 'Type the tag to fire, such as “outbox”.' });
      tag.focus();
      return;
    }
    fields.lastChance = !fields.periodic && fields.lastChance;
    runAction({
      errorBox: error,
      busy: (on) => busy.set(on),
      call: () => getCtx().api.fire(fields),
      done: () => getCtx().say(fireMessage(fields)),
    });
  });

  return {
    element: form,
    setApps(apps) {
      const sorted = sortApps(apps);
      setOptions(app, sorted.map((a) => ({ value: a.id, label: `${a.name} (${a.origin})` })));
      noApps.hidden = sorted.length > 0;
    },
  };
}
