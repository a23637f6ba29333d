// A labelled on/off setting: <input type=checkbox role=switch> with its hint and its error box.
// data-testid: <testid> (the switch), <testid>-error.
import { h, uid, errorBox } from '../dom.js';
import { storedChoice } from './action.js';

// `call(checked)` stores the choice; `reread()` re-reads the state after a failure; `message(checked)`
// is the status line after a success.
export function switchRow({ testid, label, hint, call, reread, say, message }) {
  const id = uid(testid);
  const hintId = uid(`${testid}-hint`);
  const error = errorBox(`${testid}-error`);
  error.id = uid(`${testid}-error`);
  const input = h('input', {
    type: 'checkbox', role: 'switch', id, 'data-testid': testid, 'aria-describedby': `${hintId} ${error.id}`,
  });
  const element = h('div', { class: 'setting-row' },
    h('div', { class: 'setting-text' },
      h('label', { for: id, text: label }),
      h('p', { class: 'hint', id: hintId, text: hint })),
    input,
    error);
  const choice = storedChoice({
    show: (checked) => {
      input.checked = checked;
    },
    errorBox: error,
    reread,
  });
  input.addEventListener('change', () => {
    const checked = input.checked;
    choice.change(checked, { call: () => call(checked), done: () => say?.(message(checked)) });
  });
  return {
    element,
    set: (checked) => choice.set(Boolean(checked)),
  };
}
