// One site permission of one app as a radio group: <fieldset data-testid="permission-<app>-<name>">
// with a radio per setting (value allow / block / ask) and its error box (data-testid
// permission-error). The host's stored value wins: after a failure the radios show it again.
import { h, uid, errorBox } from '../dom.js';
import { storedChoice } from './action.js';

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

  // null (a setting the panel does not know) checks no radio rather than a wrong one.
  const choice = storedChoice({
    show: (value) => {
      for (const radio of radios) radio.checked = radio.value === value;
    },
    errorBox: error,
    reread,
  });
  fieldset.addEventListener('change', (event) => {
    const setting = event.target.value;
    choice.change(setting, { call: () => change(setting), done: () => say(message(setting)) });
  });

  return {
    element: h('div', { class: 'permission-row' }, fieldset),
    set: (value) => choice.set(value),
  };
}
