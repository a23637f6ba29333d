// How every control talks to the host: clear its error, mark it busy, call; on failure show the host's
// message next to it and re-read the stored state, so the control shows what the host has rather than
// what was clicked. (On success the host's `settings:changed` event brings the new state.)
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
