// One site permission of one app as a radio group: <fieldset data-testid="permission-<app>-<name>">
// with a radio per setting (value allow / block / ask) and its error box (data-testid
// permission-error). The host's stored value wins: after a failure the radios show it again.
import { h, uid, errorBox } from '../dom.js';
import { runAction } from './action.js';

// `change(setting)` stores it; `reread()` re-reads after a failure; `message(setting)` for the status.
export function createPermissionGroup(row, { change, reread, say, message }) {
  const name = uid('permission');
  const hintId = uid('permission-hint');
  const error = errorBox('permission-error');
  error.id = uid('permission-error');
  const radios = row.options.map((o) => h('input', { type: 'radio', name, value: o.value }));
  const fieldset = h('fieldset', {
    class: 'permission', 'data-testid': row.testid, 'aria-describedby': `${hintId} ${error.id}`,
  },
  h('legend', { text: row.label }),
  h('div', { class: 'permission-body' },
    h('p', { class: 'hint', id: hintId, text: row.hint }),
    h('div', { class: 'choices' },
      ...row.options.map((o, i) => h('label', { class: 'choice' }, radios[i], h('span', { text: o.label }))))),
  error);

  let pending = 0;
  let stored = null;
  const show = () => {
    for (const radio of radios) radio.checked = radio.value === stored;
  };
  fieldset.addEventListener('change', (event) => {
    const setting = event.target.value;
    runAction({
      errorBox: error,
      busy: (on) => {
        pending += on ? 1 : -1;
      },
      call: () => change(setting),
      done: () => say(message(setting)),
      reread,
    }).then(({ ok }) => {
      if (!ok && pending === 0) show();
    });
  });

  return {
    element: h('div', { class: 'permission-row' }, fieldset),
    // The stored setting (null: none the panel knows); kept off the radios while a change is under way.
    set(value) {
      stored = value;
      if (pending === 0) show();
    },
  };
}
