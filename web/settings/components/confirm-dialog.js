// A modal confirmation (<dialog> with showModal: Escape or Cancel closes it). The action runs while it
// stays open; if the host refuses, its message shows in the dialog and the dialog stays for another try.
// data-testid: <testid> (the dialog), <confirmTestid>, <testid>-cancel, <testid>-error.
import { h, uid, errorBox, clearError, showError, setText } from '../dom.js';
import { busyFlag } from './action.js';

export function createConfirmDialog({ testid, confirmTestid }) {
  const titleId = uid(`${testid}-title`);
  const bodyId = uid(`${testid}-body`);
  const title = h('h2', { id: titleId });
  const body = h('div', { class: 'dialog-body', id: bodyId });
  const error = errorBox(`${testid}-error`);
  const cancel = h('button', { type: 'button', 'data-testid': `${testid}-cancel`, text: 'Cancel' });
  const confirm = h('button', { type: 'submit', class: 'danger', 'data-testid': confirmTestid });
  const form = h('form', { class: 'dialog-form' },
    title, body, error, h('div', { class: 'dialog-actions' }, cancel, confirm));
  const dialog = h('dialog', { 'data-testid': testid, 'aria-labelledby': titleId, 'aria-describedby': bodyId }, form);
  const busy = busyFlag(cancel, confirm);
  let action = null;
  let afterClose = null;
  let opener = null;

  cancel.addEventListener('click', () => {
    if (!busy.isBusy()) dialog.close('cancel');
  });
  // Escape: the browser's cancel, refused while the host is working on the answer.
  dialog.addEventListener('cancel', (event) => {
    if (busy.isBusy()) event.preventDefault();
  });
  dialog.addEventListener('close', () => {
    const done = dialog.returnValue === 'confirm';
    const next = afterClose;
    const from = opener;
    afterClose = null;
    opener = null;
    if (done && next) next();
    else if (from?.isConnected) from.focus();
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy.isBusy() || !action) return;
    clearError(error);
    busy.set(true);
    dialog.setAttribute('aria-busy', 'true');
    try {
      await action();
      dialog.close('confirm');
    } catch (failure) {
      showError(error, failure);
    } finally {
      busy.set(false);
      dialog.removeAttribute('aria-busy');
    }
  });

  return {
    element: dialog,
    // heading and content are text/elements built by the caller from untrusted names with textContent.
    // `run` returns a Promise. Focus goes back to `opener` (the button that opened the dialog) on
    // cancel, and where `onConfirmed` says after success (the opener may be gone, like an uninstalled
    // app's row).
    open({ heading, content, confirmLabel, run, onConfirmed, opener: from }) {
      setText(title, heading);
      body.replaceChildren(...content);
      setText(confirm, confirmLabel);
      clearError(error);
      action = run;
      afterClose = onConfirmed ?? null;
      opener = from ?? document.activeElement;
      dialog.returnValue = '';
      dialog.showModal();
      cancel.focus();
    },
  };
}
