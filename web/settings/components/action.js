// How every control talks to the host: clear its error, mark it busy, call; on failure show the host's
// message next to it and re-read the stored state, so the control shows what the host has rather than
// what was clicked. (On success a store change comes back as `settings:changed`; what is not in the
// store, like autostart, does not, which storedChoice allows for.)
import { clearError, showError } from '../dom.js';

export async function runAction({ errorBox, busy, call, done, reread }) {
  clearError(errorBox);
  busy?.(true);
  let value;
  try {
    value = await call();
  } catch (error) {
    busy?.(false);
    showError(errorBox, error);
    if (reread) {
      // The message already shown says what went wrong; a failed re-read is shown by its tab.
      await reread().catch(() => {});
    }
    return { ok: false, error };
  }
  busy?.(false);
  done?.(value);
  return { ok: true, value };
}

// A control that stays focusable while its call runs (disabling it would throw focus to the page):
// aria-disabled says so, and `isBusy` keeps a second press from starting a second call.
export function busyFlag(...elements) {
  let busy = false;
  return {
    isBusy: () => busy,
    set(value) {
      busy = value;
      for (const el of elements) {
        if (value) el.setAttribute('aria-disabled', 'true');
        else el.removeAttribute('aria-disabled');
      }
    },
  };
}

// A control showing a value the host stores (a switch, radios, a select) that the user changes through
// the host. While calls run, a state pushed meanwhile must not undo the user's choice; once they are
// done the control shows the stored value: after a failure that is the re-read one (or, if the re-read
// failed too, the last one known).
export function storedChoice({ show, errorBox, reread }) {
  let pending = 0;
  let stored = null;
  return {
    set(value) {
      stored = value;
      if (pending === 0) show(stored);
    },
    async change(value, { call, done }) {
      const outcome = await runAction({
        errorBox,
        busy: (on) => {
          pending += on ? 1 : -1;
        },
        call,
        done,
        reread,
      });
      // Accepted, it is stored: not every change brings a state back (autostart is a file, not a
      // table), and a later failure must not fall back to the value from before it.
      if (outcome.ok) stored = value;
      else if (pending === 0) show(stored);
      return outcome;
    },
  };
}
