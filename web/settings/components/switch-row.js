// A labelled on/off setting: <input type=checkbox role=switch> with its hint and its error box.
// data-testid: <testid> (the switch), <testid>-error.
import { h, uid, errorBox } from '../dom.js';
import { runAction } from './action.js';

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
  // Calls under way: until the host answers, a state pushed meanwhile must not undo the user's click.
  let pending = 0;
  input.addEventListener('change', () => {
    const checked = input.checked;
    runAction({
      errorBox: error,
      busy: (on) => {
        pending += on ? 1 : -1;
      },
      call: () => call(checked),
      done: () => say?.(message(checked)),
      reread,
    }).then(({ ok }) => {
      // Failed: back to the stored state (fresh if the re-read worked, else the last one known).
      if (!ok && pending === 0) input.checked = stored;
    });
  });
  let stored = false;
  return {
    element,
    // The stored state; while a call runs the switch keeps the user's choice until the host answers.
    set(checked) {
      stored = Boolean(checked);
      if (pending === 0) input.checked = stored;
    },
  };
}
